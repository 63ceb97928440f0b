#include "configdoc.h"

#include <string.h>

#include "options.h"

void ws_config_write_doc(FILE *out)
{
	const struct ws_option *o;

	fprintf(out, "| setting | type | range | default | meaning |\n");
	fprintf(out, "| --- | --- | --- | --- | --- |\n");
	for (o = ws_options; o->name != NULL; o++) {
		if (o->type == WS_OPT_BOOL)
			fprintf(out, "| `%s` | boolean | `true` or `false` | `%s` | %s%s |\n",
			    o->name, o->def_int ? "true" : "false", o->help,
			    o->per_account ? " *Per account too.*" : "");
		else if (o->type == WS_OPT_INT)
			fprintf(out, "| `%s` | integer | %ld to %ld | `%ld` | %s%s |\n",
			    o->name, o->min, o->max, o->def_int, o->help,
			    o->per_account ? " *Per account too.*" : "");
		else if (o->type == WS_OPT_LIST)
			fprintf(out, "| `%s` | list of strings | %ld to %ld entries | `%s%s%s` | %s%s |\n",
			    o->name, o->min, o->max, o->def_str[0] ? "[\"" : "[]", o->def_str,
			    o->def_str[0] ? "\"]" : "", o->help,
			    o->per_account ? " *Per account too.*" : "");
		else
			fprintf(out, "| `%s` | string | %ld to %ld characters | `\"%s\"` | %s%s |\n",
			    o->name, o->min, o->max, o->def_str, o->help,
			    o->per_account ? " *Per account too.*" : "");
	}
}

/* Writes n bytes of s as roff text, at the start of a line when bol: a
 * backslash is \e, a hyphen \- (settings, paths and options are copied from
 * the page), and no line starts with a control character. */
static void ws_man_put(FILE *out, const char *s, size_t n, int bol)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (bol && (s[i] == '.' || s[i] == '\''))
			fputs("\\&", out);
		if (s[i] == '\\')
			fputs("\\e", out);
		else if (s[i] == '-')
			fputs("\\-", out);
		else
			fputc(s[i], out);
		bol = s[i] == '\n';
	}
}

/* A list's default, comma-separated in the table, as the file writes it. */
static void ws_man_list_default(FILE *out, const char *def)
{
	size_t len;

	fputc('[', out);
	while (*def != '\0') {
		len = strcspn(def, ",");
		fputc('"', out);
		ws_man_put(out, def, len, 0);
		fputc('"', out);
		def += len + (def[len] == ',');
		if (*def != '\0')
			fputs(", ", out);
	}
	fputc(']', out);
}

/* The fixed text before the settings: what the file is, its syntax, how it
 * is checked and when it is read. */
static const char ws_man_head[] =
    /* Paths and values read better unbroken and unstretched. */
    ".nh\n"
    ".ad l\n"
    ".SH NAME\n"
    "wsgate.conf \\- settings of the wsgate SSH gateway and the ws command\n"
    ".SH SYNOPSIS\n"
    ".I /etc/wsgate/wsgate.conf\n"
    ".br\n"
    ".IR /etc/wsgate/accounts/ ACCOUNT .conf\n"
    ".SH DESCRIPTION\n"
    ".BR wsgate (8)\n"
    "and\n"
    ".BR ws (1)\n"
    "read their settings from\n"
    ".IR /etc/wsgate/wsgate.conf ,\n"
    "or from the file named with\n"
    ".BR \\-f .\n"
    "The file is in libconfig syntax: one\n"
    ".IB name \" = \" value ;\n"
    "per line, strings in double quotes, lists of strings in brackets\n"
    "(\\fB[\"a\", \"b\"]\\fR), comments after\n"
    ".B #\n"
    "or\n"
    ".BR // .\n"
    "Every setting has a default, so an empty or absent file is a valid one.\n"
    ".PP\n"
    "An unknown setting, a value of the wrong type and one out of its range are\n"
    "refused with the file, the line and what is wrong;\n"
    ".B wsgate \\-t\n"
    "checks a file without starting the gateway, as the systemd unit does before\n"
    "every start.\n"
    "The gateway reads the file when it starts and again on SIGHUP\n"
    "(\\fBsystemctl reload wsgate\\fR): connections that arrive after it get the\n"
    "new settings, sessions in progress keep theirs.\n"
    ".PP\n"
    "The settings marked\n"
    ".I per account too\n"
    "may also be set in\n"
    ".IB accounts_dir / ACCOUNT .conf\n"
    "for the workspaces that account owns; there, lists add to the global ones and\n"
    "any other setting is refused.\n"
    ".SH SETTINGS\n";

static const char ws_man_tail[] =
    ".SH FILES\n"
    ".TP\n"
    ".I /etc/wsgate/wsgate.conf\n"
    "This file.\n"
    ".TP\n"
    ".IR /etc/wsgate/accounts/ ACCOUNT .conf\n"
    "Per-account settings (\\fBaccounts_dir\\fR).\n"
    ".TP\n"
    ".IR /etc/wsgate/keys/ ACCOUNT\n"
    "An account's public keys, in the format of\n"
    ".I authorized_keys\n"
    "(\\fBkeys_dir\\fR).\n"
    ".TP\n"
    ".I /var/lib/wsgate/\n"
    "The host key and the user certificate authority, made at the first start.\n"
    ".SH EXAMPLES\n"
    "A gateway for the network, where the group developers may create\n"
    "workspaces and ops may enter all of them, with an audit log:\n"
    ".PP\n"
    ".RS\n"
    ".nf\n"
    "listen_address = \"0.0.0.0\";\n"
    "listen_port = 2222;\n"
    "create = [\"@developers\"];\n"
    "access = [\"*: @ops\"];\n"
    "audit_log = \"/var/log/wsgate/audit.log\";\n"
    ".fi\n"
    ".RE\n"
    ".SH SEE ALSO\n"
    ".BR ws (1),\n"
    ".BR wsgate (8),\n"
    ".BR sshd_config (5)\n";

void ws_config_write_man(FILE *out, const char *version)
{
	const struct ws_option *o;

	fputs(".\\\" wsgate.conf(5), written by wsgate --config-man from the option table\n"
	    ".\\\" (config/options.c): change the table, not this page.\n", out);
	fprintf(out, ".TH WSGATE.CONF 5 \"\" \"wsgate %s\" \"wsgate\"\n", version);
	fputs(ws_man_head, out);
	for (o = ws_options; o->name != NULL; o++) {
		fputs(".TP\n", out);
		fprintf(out, "\\fB%s\\fR (", o->name);
		if (o->type == WS_OPT_BOOL) {
			fprintf(out, "boolean, true or false; default \\fB%s\\fR)\n",
			    o->def_int ? "true" : "false");
		} else if (o->type == WS_OPT_INT) {
			fprintf(out, "integer, %ld to %ld; default \\fB%ld\\fR)\n", o->min, o->max,
			    o->def_int);
		} else if (o->type == WS_OPT_LIST) {
			fprintf(out, "list of strings, %ld to %ld entries; default \\fB", o->min, o->max);
			ws_man_list_default(out, o->def_str);
			fputs("\\fR)\n", out);
		} else {
			fprintf(out, "string, %ld to %ld characters; default \\fB\"", o->min, o->max);
			ws_man_put(out, o->def_str, strlen(o->def_str), 0);
			fputs("\"\\fR)\n", out);
		}
		ws_man_put(out, o->help, strlen(o->help), 1);
		fputs(o->per_account ? "\n.I Per account too.\n" : "\n", out);
	}
	fputs(ws_man_tail, out);
}
