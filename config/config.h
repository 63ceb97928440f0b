/* config.h — wsgate settings: defaults, loading from a libconfig file, checks.
 * Every setting is described once, in the table in options.c. */
#ifndef WSGATE_CONFIG_H
#define WSGATE_CONFIG_H

#include <stdio.h>

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
	char *audit_log;
	char *log_level;
	char *metrics_listen;   /* "" = off, else ADDRESS:PORT (hostport.h) */
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

/* Reads path into cfg (settings absent from the file keep their values). A
 * missing file is not an error when missing_ok is set. On failure returns
 * WS_ERR_CONFIG and writes "file:line: reason" into err (size errlen). */
ws_err ws_config_load(struct ws_config *cfg, const char *path, int missing_ok,
    char *err, size_t errlen);

/* Returns a deep copy of cfg, or NULL on allocation failure. */
struct ws_config *ws_config_dup(const struct ws_config *cfg);

/* Returns in *out a copy of cfg with account's file (accounts_dir/ACCOUNT.conf)
 * applied: only per-account settings are allowed there, and its lists add to
 * the global ones. A missing file, or account "" (a workspace without an
 * owner), gives a plain copy. On failure returns
 * WS_ERR_CONFIG with "file:line: reason" in err. Free with ws_config_free. */
ws_err ws_config_for_account(const struct ws_config *cfg, const char *account,
    struct ws_config **out, char *err, size_t errlen);

/* Checks relations between settings (e.g. port_min <= port_max). Returns
 * WS_ERR_CONFIG with a reason in err on failure. */
ws_err ws_config_check(const struct ws_config *cfg, char *err, size_t errlen);

/* Writes the settings reference (Markdown table, generated from the option
 * table) to out. */
void ws_config_write_doc(FILE *out);

#endif
