/* config.h — wsgate settings: defaults, loading from a libconfig file, checks.
 * Every setting is described once, in the table in options.c. */
#ifndef WSGATE_CONFIG_H
#define WSGATE_CONFIG_H

#include <stdio.h>

#include "diag.h"
#include "wserr.h"

struct ws_config {
	char *listen_address;
	int listen_port;
	char *host_key;
	char *user_ca_key;
	char *client_key;       /* legacy: workspaces made before the CA */
	char *keys_dir;
	int host_accounts;
	int host_uid_min;
	char *pam_service;
	char *auth_url;
	int auth_url_timeout;
	char **access;          /* NULL-terminated */
	char **create;          /* NULL-terminated */
	char **env, **files, **post_start;
	int cpu_millis, memory_mb, post_start_timeout, clone_timeout, idle_stop;
	char *docker_in_docker;
	char *accounts_dir;
	char *docker_socket;
	char *image;
	char *publish_address;
	int port_min;
	int port_max;
	char *workspace_user;
	int docker_timeout;
	int sshd_wait_timeout;
	int login_grace_time;
	int max_auth_tries;
	int max_channels;
	int max_session_memory; /* MiB */
	char *max_startups;     /* "N" or "START:RATE:FULL": ws_startups_parse() */
	int per_source_max_startups; /* 0 = no per-source cap */
	int penalty_authfail, penalty_grace, penalty_crash, penalty_min, penalty_max;
	char **penalty_exempt;  /* NULL-terminated address patterns */
	int client_alive_interval;
	int client_alive_count_max;
	char *privsep_user;
	char *record;           /* recording.h: off, output or input */
	char **record_workspaces; /* NULL-terminated "NAME" or "NAME:MODE" */
	char *record_dir;
	char *backup_dir;
	int backup_idle_timeout;
	int restore_max_mb;
	int record_max_mb;
	char *audit_log;
	char *log_level;
	char *metrics_listen;   /* "" = off, else ADDRESS:PORT (hostport.h) */
	char *log_format;       /* "text" or "json" */
	char *log_target;       /* "stderr", "syslog", "journal" or a file's path */
	/* Where each option (by its index in ws_options) was last set, as
	 * "file:line"; NULL for a default. Owned. */
	char **where;
};

/* max_startups as OpenSSH's MaxStartups: below start every connection is
 * taken; from start on, a new one is dropped with probability rate% rising
 * linearly to 100% at full. */
struct ws_startups {
	int start, rate, full;
};

/* Parses max_startups, "N" (start = full = N) or "START:RATE:FULL", into
 * *out. Returns WS_OK, or WS_ERR_CONFIG with the reason in why (1 <= START
 * <= FULL <= 100000, RATE 1 to 100). ws_config_check() has checked
 * cfg->max_startups with it. */
ws_err ws_startups_parse(const char *text, struct ws_startups *out, char *why, size_t whylen);

/* Returns a config holding every default, or NULL on allocation failure.
 * Free with ws_config_free(). */
struct ws_config *ws_config_new(void);

/* Frees cfg and its strings; accepts NULL. */
void ws_config_free(struct ws_config *cfg);

/* Reads path into cfg (settings absent from the file keep their values).
 * "@include" paths are relative to path's directory. A missing file is not
 * an error when missing_ok is set. Every problem found goes to d, each at
 * its file:line (an included file's own); reading goes on past a bad
 * setting, so all are reported. Returns WS_ERR_IO when the file cannot be
 * read or parsed (one error: nothing was applied), WS_ERR_CONFIG when a
 * setting is wrong (cfg then holds the good ones), WS_ERR_NOMEM, or WS_OK. */
ws_err ws_config_load_diag(struct ws_config *cfg, const char *path, int missing_ok,
    struct ws_diag *d);

/* As ws_config_load_diag(), reporting the first error as "file:line:
 * reason" in err (size errlen). */
ws_err ws_config_load(struct ws_config *cfg, const char *path, int missing_ok,
    char *err, size_t errlen);

/* Returns "file:line" where the setting called name was last set, or NULL
 * when it holds its default (or no such setting). Lives as long as cfg. */
const char *ws_config_where(const struct ws_config *cfg, const char *name);

/* Returns a deep copy of cfg, or NULL on allocation failure. */
struct ws_config *ws_config_dup(const struct ws_config *cfg);

/* Returns in *out a copy of cfg with account's file (accounts_dir/ACCOUNT.conf)
 * applied: only per-account settings are allowed there, and its lists add to
 * the global ones. A missing file, or account "" (a workspace without an
 * owner), gives a plain copy. On failure returns
 * WS_ERR_CONFIG with "file:line: reason" in err. Free with ws_config_free. */
ws_err ws_config_for_account(const struct ws_config *cfg, const char *account,
    struct ws_config **out, char *err, size_t errlen);

/* As ws_config_for_account() with every problem in d; out may be NULL (a
 * check only). */
ws_err ws_config_for_account_diag(const struct ws_config *cfg, const char *account,
    struct ws_config **out, struct ws_diag *d);

/* Checks every value against the option table (choices, each value's and
 * list entry's checker) and relations between settings (e.g. port_min <=
 * port_max), each problem to d at the setting's file:line. Touches no file:
 * see confcheck.h for what wsgate -t adds. Returns WS_ERR_CONFIG when any
 * error was found. */
ws_err ws_config_check_diag(const struct ws_config *cfg, struct ws_diag *d);

/* As ws_config_check_diag(), the first error in err. */
ws_err ws_config_check(const struct ws_config *cfg, char *err, size_t errlen);

/* Writes cfg as a configuration file that wsgate reads back to the same
 * settings (every setting, in table order): wsgate -T. */
void ws_config_write(const struct ws_config *cfg, FILE *out);

#endif
