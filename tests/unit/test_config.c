#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "configdoc.h"
#include "options.h"

static char path[64];

static void write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/wsgate-test-conf.%ld", (long)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void f_write(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void defaults(void **state)
{
	struct ws_config *c = ws_config_new();
	char err[256];

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->listen_address, "127.0.0.1");
	assert_int_equal(c->listen_port, 2222);
	assert_int_equal(c->port_min, 2200);
	assert_int_equal(c->port_max, 2400);
	assert_string_equal(c->image, "workspace:latest");
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_OK);
	/* absent file: defaults stand */
	assert_int_equal(ws_config_load(c, "/nonexistent/wsgate.conf", 1, err, sizeof(err)), WS_OK);
	assert_int_equal(ws_config_load(c, "/nonexistent/wsgate.conf", 0, err, sizeof(err)),
	    WS_ERR_CONFIG);
	ws_config_free(c);
	ws_config_free(NULL);
}

static void empty_and_valid_files(void **state)
{
	struct ws_config *c = ws_config_new();
	char err[256];

	(void)state;
	write_conf("");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	write_conf("# comment\nlisten_port = 2022;\nimage = \"ws:test\";\nport_min = 3000\nport_max = 3010\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_int_equal(c->listen_port, 2022);
	assert_string_equal(c->image, "ws:test");
	assert_int_equal(c->port_min, 3000);
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_OK);
	unlink(path);
	ws_config_free(c);
}

static void errors_name_file_and_line(void **state)
{
	struct { const char *text; const char *want; } cases[] = {
		{ "listen_port = 2022;\nbogus = 1;\n", ":2: unknown setting 'bogus'" },
		{ "\n\nlisten_port = 70000;\n", ":3: 'listen_port' is 70000, must be from 1 to 65535" },
		{ "listen_port = \"x\";\n", ":1: 'listen_port' must be an integer" },
		{ "image = 5;\n", ":1: 'image' must be a string" },
		{ "listen_port = ;\n", ":1: syntax error" },
		{ "image = \"\";\n", ":1: 'image' must be 1 to 255 characters" },
		{ "create = \"alice\";\n", ":1: 'create' must be a list of strings" },
		{ "access = [1, 2];\n", ":1: 'access' entry 1 must be a string" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_config *c = ws_config_new();
		write_conf(cases[i].text);
		err[0] = '\0';
		assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_ERR_CONFIG);
		if (strstr(err, cases[i].want) == NULL || strncmp(err, path, strlen(path)) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
		ws_config_free(c);
	}
	unlink(path);
}

static void relations_checked(void **state)
{
	struct ws_config *c = ws_config_new();
	char err[256];

	(void)state;
	write_conf("port_min = 2300;\nport_max = 2299;\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, "port_min"));
	unlink(path);
	ws_config_free(c);
}

static void lists(void **state)
{
	struct ws_config *c = ws_config_new();
	char err[256];

	(void)state;
	assert_string_equal(c->create[0], "*");
	assert_null(c->create[1]);
	assert_null(c->access[0]);
	write_conf("access = [\"demo: bob @ops\", \"*: @admins\"];\ncreate = [];\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_string_equal(c->access[0], "demo: bob @ops");
	assert_string_equal(c->access[1], "*: @admins");
	assert_null(c->access[2]);
	assert_null(c->create[0]);
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_OK);
	write_conf("access = [\"demo bob\"];\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, ":1: access entry 1: must look like"));
	write_conf("access = [];\nauth_url = \"ftp://x\";\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, "auth_url"));
	unlink(path);
	ws_config_free(c);
}

/* Does d hold a line starting with where and containing what? */
static int has_line(const struct ws_diag *d, const char *where, const char *what)
{
	const char *line;

	for (size_t i = 0; (line = ws_diag_line(d, i, NULL)) != NULL; i++)
		if (strncmp(line, where, strlen(where)) == 0 && strstr(line, what) != NULL)
			return 1;
	return 0;
}

/* Every problem is reported, each at its own file:line, inside an
 * @include'd file too; values are checked against the table. */
static void every_error_with_its_line(void **state)
{
	struct ws_config *c = ws_config_new();
	struct ws_diag *d = ws_diag_new();
	char inc[96], text[512], at[160];

	(void)state;
	snprintf(inc, sizeof(inc), "/tmp/wsgate-test-inc.%ld", (long)getpid());
	f_write(inc, "# included\n\npenalty_exempt = [\"10.*\", \"not-an-ip\", \"192.0.2.1/24\"];\n");
	snprintf(text, sizeof(text),
	    "listen_port = 70000;\nbogus = 1;\n@include \"%s\"\naccess = [\"demo: \"];\n"
	    "log_level = \"loud\";\nhost_accounts = true;\ndocker_in_docker = 1;\n", strrchr(inc, '/') + 1);
	write_conf(text);
	assert_int_equal(ws_config_load_diag(c, path, 0, d), WS_ERR_CONFIG);
	assert_int_equal(ws_config_check_diag(c, d), WS_ERR_CONFIG);
	assert_int_equal(ws_diag_count(d, WS_DIAG_ERROR), 7);
	assert_int_equal(c->host_accounts, 1);
	snprintf(at, sizeof(at), "%s:1: error", path);
	assert_true(has_line(d, at, "'listen_port' is 70000"));
	snprintf(at, sizeof(at), "%s:2: error", path);
	assert_true(has_line(d, at, "unknown setting 'bogus'"));
	snprintf(at, sizeof(at), "%s:7: error", path);
	assert_true(has_line(d, at, "'docker_in_docker' must be a string"));
	snprintf(at, sizeof(at), "%s:3: error", inc);
	assert_true(has_line(d, at, "penalty_exempt entry 2: 'not-an-ip'"));
	assert_true(has_line(d, at, "penalty_exempt entry 3: '192.0.2.1/24' has bits set"));
	snprintf(at, sizeof(at), "%s:4: error", path);
	assert_true(has_line(d, at, "access entry 1: names no one"));
	snprintf(at, sizeof(at), "%s:5: error", path);
	assert_true(has_line(d, at, "'log_level' is 'loud', must be one of: error warn info debug"));
	ws_diag_free(d);
	ws_config_free(c);
	/* A syntax error inside the included file is blamed on it. */
	c = ws_config_new();
	d = ws_diag_new();
	f_write(inc, "# included\nimage = ;\n");
	assert_int_equal(ws_config_load_diag(c, path, 0, d), WS_ERR_IO);
	snprintf(at, sizeof(at), "%s:2: error", inc);
	assert_true(has_line(d, at, "syntax error"));
	ws_diag_free(d);
	ws_config_free(c);
	unlink(inc);
	unlink(path);
}

/* Booleans read true/false and 0/1; -T's output reads back the same. */
static void booleans_and_round_trip(void **state)
{
	struct ws_config *c = ws_config_new(), *back = ws_config_new();
	char *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	char err[256];
	FILE *f;

	(void)state;
	assert_int_equal(c->host_accounts, 0);
	assert_string_equal(c->docker_in_docker, "off");
	write_conf("host_accounts = 1;\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_int_equal(c->host_accounts, 1);
	write_conf("host_accounts = 2;\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, "must be true or false"));
	write_conf("host_accounts = false;\nenv = [\"A=b c\", \"Q=x'y\"];\nimage = \"we\\\\ird\\\"x\";\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_int_equal(c->host_accounts, 0);
	f = open_memstream(&a, &alen);
	ws_config_write(c, f);
	fclose(f);
	f_write(path, a);
	assert_int_equal(ws_config_load(back, path, 0, err, sizeof(err)), WS_OK);
	f = open_memstream(&b, &blen);
	ws_config_write(back, f);
	fclose(f);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "host_accounts = false;\n"));
	assert_non_null(strstr(a, "image = \"we\\\\ird\\\"x\";\n"));
	assert_string_equal(back->image, "we\\ird\"x");
	free(a);
	free(b);
	unlink(path);
	ws_config_free(c);
	ws_config_free(back);
}

/* The configuration the Debian package installs as /etc/wsgate/wsgate.conf
 * is valid, and says what the package promises (the audit log where
 * logrotate looks; no Docker daemon inside workspaces). */
static void packaged_config(void **state)
{
	struct ws_config *c = ws_config_new();
	char err[512] = "";

	(void)state;
	assert_non_null(c);
	if (ws_config_load(c, WS_TEST_DATA "/../../packaging/config/wsgate.conf", 0, err,
	    sizeof(err)) != WS_OK || ws_config_check(c, err, sizeof(err)) != WS_OK)
		fail_msg("packaging/config/wsgate.conf: %s", err);
	assert_string_equal(c->audit_log, "/var/log/wsgate/audit.log");
	assert_string_equal(c->docker_in_docker, "off");
	assert_string_equal(c->listen_address, "127.0.0.1");
	ws_config_free(c);
}

static void doc_lists_every_setting(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	ws_config_write_doc(f);
	fclose(f);
	assert_non_null(strstr(buf, "| `listen_port` | integer | 1 to 65535 | `2222` |"));
	assert_non_null(strstr(buf, "| `image` | string"));
	assert_non_null(strstr(buf, "| `create` | list of strings | 0 to 1000 entries | `[\"*\"]` |"));
	assert_non_null(strstr(buf, "| `access` | list of strings | 0 to 1000 entries | `[]` |"));
	free(buf);
}

/* A line of the page that starts with a control character must be one of
 * the requests the page is written with: a setting's text that began with
 * '.' or '\'' would otherwise be read as a request and vanish. */
static int man_request_known(const char *line)
{
	static const char *const known[] = { ".\\\" ", ".TH ", ".SH ", ".TP\n", ".B ", ".BR ", ".I ",
		".IR ", ".IB ", ".PP\n", ".nh\n", ".ad l\n", ".RS\n", ".RE\n", ".nf\n", ".fi\n",
		".br\n", NULL };
	size_t i;

	for (i = 0; known[i] != NULL; i++)
		if (strncmp(line, known[i], strlen(known[i])) == 0)
			return 1;
	return 0;
}

static void man_lists_every_setting(void **state)
{
	const struct ws_option *o;
	char *buf = NULL, want[160];
	const char *line, *end;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int n = 0;

	(void)state;
	ws_config_write_man(f, "9.8.7");
	fclose(f);
	assert_non_null(strstr(buf, ".TH WSGATE.CONF 5 \"\" \"wsgate 9.8.7\""));
	for (o = ws_options; o->name != NULL; o++, n++) {
		snprintf(want, sizeof(want), ".TP\n\\fB%s\\fR (", o->name);
		if (strstr(buf, want) == NULL)
			fail_msg("setting %s is not in wsgate.conf(5)", o->name);
	}
	assert_true(n > 40);
	assert_non_null(strstr(buf, "\\fBlisten_port\\fR (integer, 1 to 65535; default \\fB2222\\fR)\n"));
	assert_non_null(strstr(buf, "\\fBcreate\\fR (list of strings, 0 to 1000 entries; default \\fB[\"*\"]\\fR)\n"));
	assert_non_null(strstr(buf, "\\fBaccess\\fR (list of strings, 0 to 1000 entries; default \\fB[]\\fR)\n"));
	assert_non_null(strstr(buf, "\\fBimage\\fR (string, 1 to 255 characters; default \\fB\"workspace:latest\"\\fR)\n"));
	/* A hyphen is \- (pam_service's help says keyboard-interactive). */
	assert_non_null(strstr(buf, "keyboard\\-interactive"));
	assert_null(strstr(buf, "keyboard-interactive"));
	for (line = buf; *line != '\0'; line = end + 1) {
		if ((*line == '.' || *line == '\'') && !man_request_known(line))
			fail_msg("unexpected request in wsgate.conf(5): %.40s", line);
		if ((end = strchr(line, '\n')) == NULL) {
			fail_msg("wsgate.conf(5) does not end with a newline");
			break;
		}
	}
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(empty_and_valid_files),
		cmocka_unit_test(errors_name_file_and_line),
		cmocka_unit_test(relations_checked),
		cmocka_unit_test(lists),
		cmocka_unit_test(every_error_with_its_line),
		cmocka_unit_test(booleans_and_round_trip),
		cmocka_unit_test(packaged_config),
		cmocka_unit_test(doc_lists_every_setting),
		cmocka_unit_test(man_lists_every_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
