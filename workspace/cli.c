/* ws — manage workspaces and the key directory with the gateway's own code
 * and settings. This file reads the command line and dispatches through the
 * command table (each entry: its name, synopsis, help, the options it takes,
 * what its operands are, whether it needs the engine, its function); the
 * commands themselves are in cli_ws.c and cli_key.c. Conventions (clig.dev):
 * help and results on stdout, messages on stderr, usage errors exit 2 with a
 * hint, ws help COMMAND and ws COMMAND --help for one command. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "jail.h"
#include "log.h"
#include "names.h"
#include "privsep.h"
#include "version.h"
#include "workspace.h"

#define WS_DEFAULT_CONF "/etc/wsgate/wsgate.conf"

struct ws_cmd {
	const char *name;    /* "list", or "key add" for a key subcommand */
	const char *args;    /* its synopsis after the name */
	const char *summary; /* one line, for the list of commands */
	const char *help;    /* more, for ws help NAME */
	unsigned opts;       /* WS_O_* it takes */
	int min_args, max_args; /* how many operands follow the name */
	int needs_name;      /* the first operand, when given, is a workspace NAME */
	int engine;          /* it talks to the Docker engine */
	int owner;           /* in the owner's set: an account may run it over SSH
	                        (ssh ACCOUNT+@gateway COMMAND), checked by ws_cli_may */
	int (*run)(struct ws_cli *w, int argc, char **argv);
};

/* The table's owner flag. */
#define WS_OWNER 1
#define WS_ADMIN 0

static const struct ws_cmd ws_cmds[] = {
	{ "create", "NAME [--clone URL] [--image IMAGE] [--owner ACCOUNT]",
	  "make a workspace and start it",
	  "Makes workspace NAME (a container and two volumes, labelled as its owner's)\n"
	  "and brings it up as a login would: sshd answers, the repository is cloned,\n"
	  "post-start commands run. Progress goes to stderr, the result to stdout.\n",
	  WS_O_CLONE | WS_O_IMAGE | WS_O_OWNER, 1, 1, 1, 1, WS_ADMIN, ws_cmd_create },
	{ "start", "NAME", "start a workspace (an orphan is made whole again)",
	  "Starts workspace NAME. Its container is made again on its volumes when it\n"
	  "is gone (an orphan) or its port was taken meanwhile.\n",
	  0, 1, 1, 1, 1, WS_OWNER, ws_cmd_start },
	{ "stop", "NAME", "stop a workspace",
	  "Stops workspace NAME (sshd gets 10 s to end its sessions). The volumes keep\n"
	  "the data; the next login or ws start starts it again.\n",
	  0, 1, 1, 1, 1, WS_OWNER, ws_cmd_stop },
	{ "delete", "NAME [--yes] [--force]", "delete a workspace, its container and volumes",
	  "Deletes workspace NAME: its container and the volumes labelled as NAME's.\n"
	  "Asks first on the terminal; without one, only --yes deletes.\n",
	  WS_O_YES | WS_O_FORCE, 1, 1, 1, 1, WS_ADMIN, ws_cmd_delete },
	{ "list", "[--json | --names]", "list the workspaces",
	  "Lists every workspace: name, state (or orphaned), port, owner, disk used\n"
	  "(volumes and its container's own layer), created, last used. --names asks\n"
	  "the engine nothing about each one.\n",
	  WS_O_JSON | WS_O_NAMES, 0, 0, 0, 1, WS_OWNER, ws_cmd_list },
	{ "status", "NAME [--json]", "show one workspace",
	  "Shows workspace NAME: container, state, port, image, volumes, owner,\n"
	  "repository, when it was made and last used.\n",
	  WS_O_JSON, 1, 1, 1, 1, WS_ADMIN, ws_cmd_status },
	{ "stats", "[NAME] [--json]", "show the resources workspaces use",
	  "Shows, for workspace NAME or every workspace, its state, CPU use (measured\n"
	  "over half a second; 100% is one CPU busy), memory in use and its limit,\n"
	  "processes, the disk its home and Docker volumes and its container's own\n"
	  "layer take, and its last login; then the totals. Sizes are as du -h shows\n"
	  "them, '-' is not known (a stopped workspace uses no CPU or memory). --json\n"
	  "gives exact byte counts: one object for NAME, else the workspaces and the\n"
	  "totals.\n",
	  WS_O_JSON, 0, 1, 1, 1, WS_OWNER, ws_cmd_stats },
	{ "adopt", "NAME --owner ACCOUNT", "give wsgate 0.1 volumes an owner and a container",
	  "Makes a container for workspace NAME's volumes from wsgate 0.1, which have\n"
	  "none and record no owner, for ACCOUNT; the data is untouched.\n",
	  WS_O_OWNER, 1, 1, 1, 1, WS_ADMIN, ws_cmd_adopt },
	{ "backup", "NAME [-o FILE|-]", "back a workspace up into one archive",
	  "Writes workspace NAME's two volumes and what it is (owner, image, clone,\n"
	  "labels) as one zstd-compressed archive to FILE (written beside it and\n"
	  "renamed when whole, mode 0600) or stdout (not a terminal). A running\n"
	  "workspace is paused while its volumes are read, so the copy is of one\n"
	  "moment; its sessions wait and go on. The manifest holds each part's\n"
	  "sha256. tar --zstd -tvf FILE lists it. Progress shows on a terminal.\n",
	  WS_O_OUTPUT, 1, 1, 1, 1, WS_OWNER, ws_cmd_backup },
	{ "restore", "NAME [-i FILE|-] [--owner ACCOUNT] [--force]", "make a workspace from an archive",
	  "Makes workspace NAME (any name: it gets volumes and a port of its own)\n"
	  "from an archive of ws backup, read from FILE or stdin, and starts it.\n"
	  "Every sum is checked before anything becomes visible: a damaged, cut\n"
	  "short or foreign archive is refused (exit 6) with a line saying which\n"
	  "part failed, and leaves nothing behind. An existing NAME is refused\n"
	  "(exit 4) unless --force, which replaces it once the archive is checked.\n"
	  "The owner is the archive's unless --owner says.\n",
	  WS_O_INPUT | WS_O_OWNER | WS_O_FORCE, 1, 1, 1, 1, WS_OWNER, ws_cmd_restore },
	{ "rebuild", "NAME [--image IMAGE] [--no-backup]", "remake a workspace on a new container",
	  "Backs workspace NAME up into backup_dir (unless --no-backup), then makes\n"
	  "it a new container from IMAGE (default: the image setting) with\n"
	  "the same volumes, owner, settings and port. The old container is kept,\n"
	  "stopped, until the new one's sshd answers; if it does not, the new one\n"
	  "goes and the old one runs again. What was installed outside the volumes\n"
	  "(the container's own layer) does not carry over.\n",
	  WS_O_IMAGE | WS_O_NO_BACKUP, 1, 1, 1, 1, WS_OWNER, ws_cmd_rebuild },
	{ "key add", "ACCOUNT [FILE|-]", "add public keys for an account",
	  "Adds public keys, in authorized_keys format, read from FILE or stdin (-),\n"
	  "to ACCOUNT's file in the key directory (keys_dir). Every line is read as\n"
	  "the gateway reads it: if any would be skipped, nothing changes and each is\n"
	  "named as FILE:LINE: reason. Keys ACCOUNT has already are skipped with a\n"
	  "note. The file is replaced whole (mode 0644); the directory is made when\n"
	  "missing. Needs no engine.\n",
	  0, 1, 2, 0, 0, WS_ADMIN, ws_cmd_key_add },
	{ "key list", "[ACCOUNT] [--names]", "list an account's keys, or the accounts",
	  "With ACCOUNT: a line per key, its type, SHA256 fingerprint (as ssh-keygen -l\n"
	  "prints it) and comment; lines the gateway skips are named on stderr.\n"
	  "Without: every account of the key directory with its number of keys, and a\n"
	  "warning for each file whose name is no account name (the gateway ignores\n"
	  "it). Needs no engine.\n",
	  WS_O_NAMES, 0, 1, 0, 0, WS_ADMIN, ws_cmd_key_list },
	{ "key remove", "ACCOUNT FINGERPRINT|COMMENT", "remove an account's keys",
	  "Removes ACCOUNT's keys whose fingerprint (SHA256:..., as ws key list shows\n"
	  "it) or comment is the one given; other lines stay as they are. Exit 3 when\n"
	  "no key matches. Needs no engine.\n",
	  0, 2, 2, 0, 0, WS_ADMIN, ws_cmd_key_remove },
	{ "help", "[COMMAND]", "show this help, or one command's",
	  "Shows the commands, options and exit codes, or one command's help.\n",
	  0, 0, 2, 0, 0, WS_OWNER, NULL },
};
#define WS_NCMDS (sizeof(ws_cmds) / sizeof(ws_cmds[0]))

/* Who runs this process's command line (ws_cli_run): NULL for the
 * administrator. Help, the search for a command and its suggestions see
 * only what this one may run. */
static const struct ws_cli_as *ws_as;

static int ws_visible(const struct ws_cmd *c)
{
	return ws_as == NULL || c->owner;
}

/* The command options, as help shows them. */
static const struct {
	unsigned flag;
	const char *spelling, *help;
	const char *owner_help;   /* what an owner over SSH is told, if other */
} ws_opt_help[] = {
	{ WS_O_JSON, "--json", "print JSON", NULL },
	{ WS_O_NAMES, "--names", "print only the names, one a line", NULL },
	{ WS_O_YES, "--yes", "do not ask", NULL },
	{ WS_O_FORCE, "--force", "delete: a workspace-NAME container wsgate did not make too; restore: replace NAME",
	  "restore: replace NAME, once the archive is checked" },
	{ WS_O_CLONE, "--clone URL", "clone URL into /home/workspace/repo", NULL },
	{ WS_O_IMAGE, "--image IMAGE", "make it from IMAGE (default: the image setting)", NULL },
	{ WS_O_OWNER, "--owner ACCOUNT", "whose it is (create: $SUDO_USER, or you; restore: the archive's)", NULL },
	{ WS_O_OUTPUT, "-o FILE", "write the archive to FILE (- or none: stdout)", NULL },
	{ WS_O_INPUT, "-i FILE", "read the archive from FILE (- or none: stdin)", NULL },
	{ WS_O_NO_BACKUP, "--no-backup", "rebuild without taking a backup first", NULL },
};
#define WS_NOPTS (sizeof(ws_opt_help) / sizeof(ws_opt_help[0]))

/* The synopses an owner over SSH sees, where the options it may give differ
 * (no files, no --owner, no --image). */
static const struct {
	const char *name, *args;
} ws_owner_args[] = {
	{ "backup", "NAME" },
	{ "restore", "NAME [--force]" },
	{ "rebuild", "NAME [--no-backup]" },
};

/* c's synopsis after its name, as the one asking may use it. */
static const char *ws_args_of(const struct ws_cmd *c)
{
	size_t i;

	for (i = 0; ws_as != NULL && i < sizeof(ws_owner_args) / sizeof(ws_owner_args[0]); i++)
		if (strcmp(ws_owner_args[i].name, c->name) == 0)
			return ws_owner_args[i].args;
	return c->args;
}

static const char ws_exit_help[] =
	"exit status:\n"
	"  0  done\n"
	"  1  the engine or something else failed\n"
	"  2  usage: unknown command or option, invalid name, key line or configuration\n"
	"  3  no such workspace, account or key\n"
	"  4  the workspace already exists\n"
	"  5  deletion not confirmed\n"
	"  6  the archive is damaged, cut short or not a wsgate backup\n";

/* "name args" padded to a column, or on a line of its own when longer. */
static void ws_print_synopsis(FILE *out, const struct ws_cmd *c)
{
	char line[128];

	snprintf(line, sizeof(line), "%s %s", c->name, ws_args_of(c));
	if (strlen(line) < 30)
		fprintf(out, "  %-30s %s\n", line, c->summary);
	else
		fprintf(out, "  %s\n  %-30s %s\n", line, "", c->summary);
}

/* The owner's help (ssh ACCOUNT+@gateway help). */
static void ws_help_owner(FILE *out)
{
	size_t i;

	fprintf(out, "usage: ssh -p PORT %s+@GATEWAY COMMAND [ARGS...]\n\n"
	    "Manages the workspaces you own or may enter, as the administrator's ws\n"
	    "does, with the same checks and exit codes.\n\ncommands:\n", ws_as->who.account);
	for (i = 0; i < WS_NCMDS; i++)
		if (ws_visible(&ws_cmds[i]))
			ws_print_synopsis(out, &ws_cmds[i]);
	fprintf(out, "\ncommand options (help COMMAND says which command takes which):\n");
	for (i = 0; i < WS_NOPTS; i++)
		if (ws_opt_help[i].flag & WS_O_OWNER_SET)
			fprintf(out, "      %-19s %s\n", ws_opt_help[i].spelling, ws_opt_help[i].owner_help != NULL ?
			    ws_opt_help[i].owner_help : ws_opt_help[i].help);
	fprintf(out, "\n%s\nhelp COMMAND shows one command's help (e.g. help list).\n", ws_exit_help);
}

static void ws_help_all(FILE *out)
{
	size_t i;

	if (ws_as != NULL) {
		ws_help_owner(out);
		return;
	}
	fprintf(out, "usage: ws [-f CONF] COMMAND [ARGS...]\n\n"
	    "Manages wsgate's workspaces and key directory with the gateway's own\n"
	    "settings and code.\n\ncommands:\n");
	for (i = 0; i < WS_NCMDS; i++)
		ws_print_synopsis(out, &ws_cmds[i]);
	fprintf(out, "\noptions:\n"
	    "  -f, --config CONF       the gateway's settings (default " WS_DEFAULT_CONF ";\n"
	    "                          a file named here must exist)\n"
	    "  -h, --help              this help; with a command, that command's\n"
	    "      --version           print ws's version\n"
	    "\ncommand options (ws help COMMAND says which command takes which):\n");
	for (i = 0; i < WS_NOPTS; i++)
		fprintf(out, "      %-19s %s\n", ws_opt_help[i].spelling, ws_opt_help[i].help);
	fprintf(out, "\n%s\nws help COMMAND shows one command's help (e.g. ws help key add).\n",
	    ws_exit_help);
}

static void ws_help_cmd(FILE *out, const struct ws_cmd *c)
{
	size_t i;

	fprintf(out, "usage: %s %s %s\n\n%s", ws_as != NULL ? "ssh ACCOUNT+@GATEWAY" : "ws [-f CONF]",
	    c->name, ws_args_of(c), c->help);
	if ((c->opts & (ws_as != NULL ? WS_O_OWNER_SET : ~0u)) != 0)
		fprintf(out, "\noptions:\n");
	for (i = 0; i < WS_NOPTS; i++)
		if (c->opts & ws_opt_help[i].flag & (ws_as != NULL ? WS_O_OWNER_SET : ~0u))
			fprintf(out, "  %-19s %s\n", ws_opt_help[i].spelling, ws_as != NULL &&
			    ws_opt_help[i].owner_help != NULL ? ws_opt_help[i].owner_help : ws_opt_help[i].help);
}

/* ws help key, ws key --help: every key command. */
static void ws_help_group(FILE *out, const char *group)
{
	size_t i, len = strlen(group);
	int first = 1;

	for (i = 0; i < WS_NCMDS; i++) {
		if (strncmp(ws_cmds[i].name, group, len) != 0 || ws_cmds[i].name[len] != ' ')
			continue;
		if (!first)
			fprintf(out, "\n");
		ws_help_cmd(out, &ws_cmds[i]);
		first = 0;
	}
}

/* A usage error: one line, the hint, exit 2. */
static int ws_usage_error(const char *hint, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int ws_usage_error(const char *hint, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ws: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	fprintf(stderr, " (see '%shelp%s%s')\n", ws_as != NULL ? "" : "ws ", hint[0] ? " " : "", hint);
	return WS_EXIT_USAGE;
}

/* Optimal string alignment distance (edits, swaps of neighbours counted
 * once) between a and b, both shorter than 32 bytes; larger otherwise. */
static size_t ws_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[33][33], best;

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* The command word nearest to word among the group's (top level: group
 * ""), when one is close enough to be a slip; else NULL. */
static const char *ws_nearest(const char *group, const char *word)
{
	const char *best = NULL, *w;
	size_t i, d, bestd = 3, glen = strlen(group);

	for (i = 0; i < WS_NCMDS; i++) {
		w = ws_cmds[i].name;
		if (!ws_visible(&ws_cmds[i]))
			continue;
		if (glen > 0 && (strncmp(w, group, glen) != 0 || w[glen] != ' '))
			continue;
		if (glen > 0)
			w += glen + 1;
		else if (strchr(w, ' ') != NULL)
			w = "key"; /* the group's own word */
		/* at most 2 edits, and fewer than half the word's letters */
		d = ws_distance(word, w);
		if (d < bestd && d * 2 < strlen(word) + 1 && strcmp(word, w) != 0) {
			best = w;
			bestd = d;
		}
	}
	return best;
}

/* Says 'unknown command', with a suggestion when one is near. */
static int ws_unknown(const char *group, const char *word)
{
	const char *near = ws_nearest(group, word), *sep = group[0] ? " " : "";
	char cmd[100], hint[40], mean[60] = "";

	snprintf(cmd, sizeof(cmd), "%s%s%.64s", group, sep, word);
	snprintf(hint, sizeof(hint), "%shelp%s%s", ws_as != NULL ? "" : "ws ", sep, group);
	if (near != NULL)
		snprintf(mean, sizeof(mean), ": did you mean '%s%s%s'?", group, sep, near);
	fprintf(stderr, "ws: unknown command '%s' (see '%s')%s\n", cmd, hint, mean);
	return WS_EXIT_USAGE;
}

/* Finds the command named by words[0] (and words[1] for a group). Returns
 * it, or NULL having said why (exit code in *ret); *used is how many words
 * named it. A group named alone with want_group returns NULL, *ret -1. */
static const struct ws_cmd *ws_find(int n, char **words, int *used, int *ret, int want_group)
{
	char full[80];
	size_t i;

	*ret = -1;
	if (strcmp(words[0], "key") == 0 && ws_as == NULL) {
		if (n < 2) {
			if (!want_group)
				*ret = ws_usage_error("key", "key needs a command: add, list or remove");
			return NULL;
		}
		snprintf(full, sizeof(full), "key %.60s", words[1]);
		*used = 2;
	} else {
		snprintf(full, sizeof(full), "%.60s", words[0]);
		*used = 1;
	}
	for (i = 0; i < WS_NCMDS; i++)
		if (strcmp(ws_cmds[i].name, full) == 0 && ws_visible(&ws_cmds[i]))
			return &ws_cmds[i];
	*ret = *used == 2 ? ws_unknown("key", words[1]) : ws_unknown("", words[0]);
	return NULL;
}

/* ws help [COMMAND]: to stdout, exit 0. */
static int ws_help(int argc, char **argv)
{
	const struct ws_cmd *c;
	int used, ret;

	if (argc == 0) {
		ws_help_all(stdout);
		return WS_EXIT_OK;
	}
	if ((c = ws_find(argc, argv, &used, &ret, 1)) == NULL && ret < 0) {
		ws_help_group(stdout, argv[0]);
		return WS_EXIT_OK;
	}
	if (c == NULL)
		return ret;
	if (used != argc)
		return ws_usage_error("", "help takes one command, not '%.64s'", argv[used]);
	ws_help_cmd(stdout, c);
	return WS_EXIT_OK;
}

/* The operands' count and the workspace NAME are as c wants them. */
static int ws_check_operands(const struct ws_cmd *c, int argc, char **argv)
{
	char why[200];

	if (argc < c->min_args)
		return ws_usage_error(c->name, "%s needs %s: ws %s %s", c->name,
		    c->min_args == 1 ? "an argument" : "more arguments", c->name, ws_args_of(c));
	if (argc > c->max_args)
		return ws_usage_error(c->name, "%s: unexpected argument '%.64s'", c->name, argv[c->max_args]);
	if (c->needs_name && argc > 0 && ws_name_check(argv[0], why, sizeof(why)) != WS_OK) {
		fprintf(stderr, "ws: '%.64s': %s\n", argv[0], why);
		return WS_EXIT_USAGE;
	}
	return WS_EXIT_OK;
}

/* Loads the settings (the administrator's: from conf; an account's are
 * the gateway's, w->cfg already), the engine when c needs it, and runs c. */
static int ws_run(const struct ws_cmd *c, struct ws_cli *w, const char *conf, int conf_given,
    int argc, char **argv)
{
	struct ws_config *own = NULL;
	char err[600];
	int ret = WS_EXIT_FAIL;

	if (w->as == NULL) {
		if ((own = ws_config_new()) == NULL)
			return WS_EXIT_FAIL;
		w->cfg = own;
		/* Only the default file may be absent: a file named with -f is meant. */
		if (ws_config_load(own, conf, !conf_given, err, sizeof(err)) != WS_OK ||
		    ws_config_check(own, err, sizeof(err)) != WS_OK) {
			fprintf(stderr, "ws: %s\n", err);
			ret = WS_EXIT_USAGE;
			goto out;
		}
		/* The command speaks for itself; the log only adds warnings. */
		ws_log_set_level(WS_LOG_WARN);
	}
	if (c->engine) {
		/* What workspaces write is parsed in jails (jail.h), as the
		 * gateway's sandbox user when it exists (setup.sh makes it). */
		if (ws_privsep_check(w->cfg->privsep_user, err, sizeof(err)) == WS_OK)
			ws_jail_user(w->cfg->privsep_user);
		if ((w->e = ws_workspace_engine(w->cfg, w->cfg->docker_timeout)) == NULL)
			goto out;
	}
	ret = c->run(w, argc, argv);
out:
	ws_engine_free(w->e);
	w->e = NULL;
	ws_config_free(own);
	return ret;
}

/* The spelling of a command option, for messages. */
static const char *ws_opt_name(unsigned flag)
{
	size_t i;

	for (i = 0; i < WS_NOPTS; i++)
		if (ws_opt_help[i].flag == flag)
			return ws_opt_help[i].spelling;
	return "?";
}

/* Runs the command c found in argv (used words named it) with the options
 * given: help, the options it takes, its operands, then ws_run. */
static int ws_dispatch(const struct ws_cmd *c, struct ws_cli *w, unsigned given, int help,
    const char *conf, int conf_given, int argc, char **argv)
{
	unsigned allowed = c->opts & (w->as != NULL ? WS_O_OWNER_SET : ~0u), bad;
	int ret;

	if (help) {
		ws_help_cmd(stdout, c);
		return WS_EXIT_OK;
	}
	if ((bad = given & ~allowed) != 0)
		return ws_usage_error(c->name, "%s does not take %.*s", c->name,
		    (int)strcspn(ws_opt_name(bad & -bad), " "), ws_opt_name(bad & -bad));
	if (w->json && w->names)
		return ws_usage_error(c->name, "%s takes --json or --names, not both", c->name);
	if ((ret = ws_check_operands(c, argc, argv)) != WS_EXIT_OK)
		return ret;
	return ws_run(c, w, conf, conf_given, argc, argv);
}

int ws_cli_run(int argc, char **argv, const struct ws_cli_as *as)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'f' }, { "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "json", no_argument, NULL, 'j' }, { "names", no_argument, NULL, 'n' },
		{ "yes", no_argument, NULL, 'y' }, { "force", no_argument, NULL, 'F' },
		{ "clone", required_argument, NULL, 'c' }, { "image", required_argument, NULL, 'I' },
		{ "owner", required_argument, NULL, 'O' }, { "no-backup", no_argument, NULL, 'B' },
		{ NULL, 0, NULL, 0 },
	};
	const struct ws_cmd *c;
	struct ws_cli w;
	const char *conf = WS_DEFAULT_CONF;
	unsigned given = 0;
	int opt, help = 0, version = 0, conf_given = 0, used, ret;

	memset(&w, 0, sizeof(w));
	w.as = as;
	w.cfg = as != NULL ? as->cfg : NULL;
	ws_as = as;
	optind = 0; /* afresh: a process (or a test) may run more than one */
	opterr = 0; /* our own messages, with the hint */
	while ((opt = getopt_long(argc, argv, ":f:ho:i:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			/* An account's settings are the gateway's. */
			if (as != NULL)
				return ws_usage_error("", "option '-f' is the administrator's");
			conf = optarg;
			conf_given = 1;
			break;
		case 'h': help = 1; break;
		case 'V': version = 1; break;
		case 'j': w.json = 1; given |= WS_O_JSON; break;
		case 'n': w.names = 1; given |= WS_O_NAMES; break;
		case 'y': w.yes = 1; given |= WS_O_YES; break;
		case 'F': w.force = 1; given |= WS_O_FORCE; break;
		case 'c': w.clone = optarg; given |= WS_O_CLONE; break;
		case 'I': w.image = optarg; given |= WS_O_IMAGE; break;
		case 'O': w.owner = optarg; given |= WS_O_OWNER; break;
		case 'o': w.output = optarg; given |= WS_O_OUTPUT; break;
		case 'i': w.input = optarg; given |= WS_O_INPUT; break;
		case 'B': w.no_backup = 1; given |= WS_O_NO_BACKUP; break;
		case ':':
			return ws_usage_error("", "option '%.64s' needs a value", argv[optind - 1]);
		default:
			if (optopt != 0)
				return ws_usage_error("", "unknown option '-%c'", optopt);
			return ws_usage_error("", "unknown option '%.64s'", argv[optind - 1]);
		}
	}
	if (version) {
		printf("ws %s\n", WS_VERSION);
		return WS_EXIT_OK;
	}
	argc -= optind;
	argv += optind;
	if (argc == 0 && help) {
		ws_help_all(stdout);
		return WS_EXIT_OK;
	}
	if (argc == 0 && as == NULL) {
		fprintf(stderr, "usage: ws [-f CONF] COMMAND [ARGS...]\n"
		    "commands: create, start, stop, delete, list, status, stats, adopt, backup, restore,\n"
		    "          rebuild, key add|list|remove, help\n");
		return ws_usage_error("", "no command given");
	}
	if (argc == 0)
		return ws_usage_error("", "no command given");
	if (strcmp(argv[0], "help") == 0) {
		if (given != 0)
			return ws_usage_error("help", "help takes no options but -f");
		return ws_help(argc - 1, argv + 1);
	}
	if ((c = ws_find(argc, argv, &used, &ret, help)) == NULL) {
		if (ret >= 0)
			return ret;
		ws_help_group(stdout, argv[0]); /* ws key --help */
		return WS_EXIT_OK;
	}
	return ws_dispatch(c, &w, given, help, conf, conf_given, argc - used, argv + used);
}
