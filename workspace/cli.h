/* cli.h — the parts of the ws command: what its commands share, its exit
 * codes, and each command's function. cli.c reads the command line and
 * dispatches through its command table (ws_cli_run: the ws program, and the
 * gateway's monitor for an owner's command over SSH, docs/workspaces.md);
 * cli_ws.c runs the workspace commands, cli_key.c the key directory's. */
#ifndef WSGATE_CLI_H
#define WSGATE_CLI_H

#include "config.h"
#include "policy.h"
#include "engine.h"
#include "userca.h"

/* Exit codes, for scripts (ws help lists them). */
enum {
	WS_EXIT_OK,          /* done */
	WS_EXIT_FAIL,        /* the engine or anything else failed */
	WS_EXIT_USAGE,       /* unknown command or option, bad name, key line or config */
	WS_EXIT_MISSING,     /* no such workspace, account or key */
	WS_EXIT_EXISTS,      /* the workspace already exists */
	WS_EXIT_UNCONFIRMED, /* deletion not confirmed */
	WS_EXIT_ARCHIVE,     /* the archive is damaged, cut short or not a wsgate backup */
};

/* The command options (a command's table entry says which it takes). */
enum {
	WS_O_JSON = 1 << 0,
	WS_O_NAMES = 1 << 1,
	WS_O_YES = 1 << 2,
	WS_O_FORCE = 1 << 3,
	WS_O_CLONE = 1 << 4,
	WS_O_IMAGE = 1 << 5,
	WS_O_OWNER = 1 << 6,
	WS_O_OUTPUT = 1 << 7,
	WS_O_INPUT = 1 << 8,
	WS_O_NO_BACKUP = 1 << 9,
};

/* The options an owner may give over SSH (ws_cli_run with an account):
 * never -f, --owner, --image, --clone, nor a file to read or write (backup
 * writes to stdout, restore reads stdin). */
#define WS_O_OWNER_SET (WS_O_JSON | WS_O_NAMES | WS_O_FORCE | WS_O_NO_BACKUP)

/* Who runs the commands when it is not the administrator: an account that
 * logged in as ACCOUNT+ (its groups as the login found them), with the
 * gateway's settings (the engine, and the access and create lists that
 * decide, as at a login). Nothing is loaded from a file. */
struct ws_cli_as {
	struct ws_principal who;
	const struct ws_config *cfg;
};

/* What a command runs with: the settings, the engine (NULL for commands
 * that need none), the options given, and who asks (NULL: the
 * administrator, who may do anything). */
struct ws_cli {
	const struct ws_config *cfg;
	const struct ws_cli_as *as;
	struct ws_engine *e;
	char ca_pub[WS_USERCA_PUB_MAX]; /* the user CA's "type base64" (loaded when needed) */
	char ca_fp[WS_USERCA_FP_MAX];   /* and its fingerprint */
	const char *name;               /* the workspace being brought up */
	int json, names, yes, force;
	const char *clone, *image, *owner;
	const char *output, *input;     /* backup -o, restore -i ("-": stdout, stdin) */
	int no_backup;
};

struct ws_bringup;

/* Prints the line for a backend result (no such workspace: exit 3) and
 * returns its exit code. */
int ws_fail(ws_err rc, const char *name, const char *why);

/* Loads the user CA's public half into w (ca_pub, ca_fp); -1 having said
 * why on stderr. */
int ws_cli_key(struct ws_cli *w);

/* Fills *b for workspace NAME as ws brings workspaces up: w's settings and
 * CA, progress on stderr, the sshd check that ws_cli_connect makes, w->image. */
void ws_cli_bringup_init(struct ws_cli *w, const char *name, struct ws_bringup *b);

/* Brings NAME up (cmd "create", "start", "adopt", "restore" or "rebuild"
 * says what it may do and how the result line reads) and returns the exit
 * code. */
int ws_cli_bring_up(struct ws_cli *w, const char *name, const char *cmd);
/* Runs one ws command line (argv[0] the program's name, as main's) and
 * returns its exit code; results on stdout, messages on stderr (binary
 * streams both ways: a command may read stdin to its end). as NULL: the ws
 * program, as the administrator (-f, every command). Otherwise the owner's
 * commands only (the table's owner flag), the options of WS_O_OWNER_SET,
 * with as->cfg, and each command decides through ws_cli_may(). */
int ws_cli_run(int argc, char **argv, const struct ws_cli_as *as);

/* What a command needs of workspace NAME (ws_cli_may): */
enum {
	WS_MAY_READ = 1 << 0,   /* see or use it (list, stats, start, stop, backup):
	                         * its owner, or someone the access list lets in */
	WS_MAY_OWN = 1 << 1,    /* change what it is (restore onto it, rebuild):
	                         * its owner only; stricter than READ when both given */
	WS_MAY_CREATE = 1 << 2, /* make it when it does not exist (restore to a new
	                         * name): the create list; the account becomes owner */
};

/* The decision alone, on what the engine holds: owner is NAME's owner label
 * ("" when it has none), or NULL when NAME does not exist. Returns 1 when as
 * may do what may asks (as NULL: always), 0 otherwise. No I/O. */
int ws_cli_allowed(const struct ws_cli_as *as, const char *name, const char *owner,
    unsigned may);

/* The one check every owner command makes before it touches workspace NAME:
 * for the administrator (w->as NULL) it returns WS_EXIT_OK at once, without
 * a call to the engine; otherwise it reads NAME's owner (ws_admin_info) and
 * returns WS_EXIT_OK when ws_cli_allowed() says yes. A refusal says
 * "ws: no workspace 'NAME'" on stderr and returns WS_EXIT_MISSING, the same
 * line and code as for a workspace that does not exist, so that nobody
 * learns what exists that is not theirs; an engine that fails returns
 * WS_EXIT_FAIL (said). */
int ws_cli_may(struct ws_cli *w, const char *name, unsigned may);

/* Each command gets its operands (after its name; their count is within
 * the table's bounds, a workspace NAME checked) and returns an exit code,
 * having said on stderr what went wrong. */
int ws_cmd_create(struct ws_cli *w, int argc, char **argv);
int ws_cmd_start(struct ws_cli *w, int argc, char **argv);
int ws_cmd_adopt(struct ws_cli *w, int argc, char **argv);
int ws_cmd_stop(struct ws_cli *w, int argc, char **argv);
int ws_cmd_delete(struct ws_cli *w, int argc, char **argv);
int ws_cmd_list(struct ws_cli *w, int argc, char **argv);
int ws_cmd_status(struct ws_cli *w, int argc, char **argv);
int ws_cmd_backup(struct ws_cli *w, int argc, char **argv);
int ws_cmd_restore(struct ws_cli *w, int argc, char **argv);
int ws_cmd_rebuild(struct ws_cli *w, int argc, char **argv);
int ws_cmd_stats(struct ws_cli *w, int argc, char **argv);   /* cli_stats.c */
int ws_cmd_key_add(struct ws_cli *w, int argc, char **argv);
int ws_cmd_key_list(struct ws_cli *w, int argc, char **argv);
int ws_cmd_key_remove(struct ws_cli *w, int argc, char **argv);

#endif
