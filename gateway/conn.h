/* conn.h — the state of one client connection, shared by session.c (event
 * loop, bridging), login.c (authentication methods) and reach.c (access and
 * workspace start). Internal to the gateway. */
#ifndef WSGATE_CONN_H
#define WSGATE_CONN_H

#include <sys/types.h>

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>

#include "authkeys.h"
#include "names.h"
#include "session.h"

struct ws_bridges;
struct ws_pam;

/* A keyboard-interactive exchange in progress. */
struct ws_kbd {
	struct ws_pam *pam;      /* PAM helper, or NULL when asking for auth_url */
	int prompts;             /* prompts sent, answers expected */
};

struct ws_conn {
	const struct ws_session_ctx *ctx;
	ssh_session down, up;
	struct ws_bridges *bridges;
	struct ws_authkey_restrict restr;
	const char *peer_ip;
	int peer_port;
	pid_t monitor;                    /* its monitor (monitor.h), this process's parent */
	int authed, fatal, failures, told_denied;
	char login[WS_ACCOUNT_MAX + WS_NAME_MAX + 2]; /* login name, as first given */
	char named[WS_ACCOUNT_MAX + 1];   /* account from ACCOUNT+NAME, "" if none */
	char account[WS_ACCOUNT_MAX + 1]; /* who logged in */
	char name[WS_NAME_MAX + 1];       /* workspace */
	const char *method;
	char key_fp[128];                 /* fingerprint of the accepted key */
	char port_str[8];
	double started;                   /* when the session began (after login) */
	struct ws_kbd kbd;
};

/* Reports to the listener (max_startups, penalties): kind 'A' authenticated,
 * 'F' ended after failed logins, 'G' the login grace time ran out. */
void ws_conn_notify(struct ws_conn *c, char kind);

/* Sets the authentication methods offered on c->down. */
void ws_login_install(struct ws_conn *c);

/* Answers one message that arrived before login: authentication attempts
 * by their method, anything else refused. The caller frees msg. */
void ws_login_message(struct ws_conn *c, ssh_message msg);

/* Frees login state (a PAM helper still running); accepts a fresh c. */
void ws_login_cleanup(struct ws_conn *c);

/* Tells the client one line during authentication (an SSH banner: shown on
 * stderr by OpenSSH, never mixed into a data stream). */
void ws_tell(struct ws_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Outcome of ws_reach_workspace(). */
enum ws_reach {
	WS_REACH_OK,             /* c->up is logged in to the workspace */
	WS_REACH_DENIED,         /* the account may not enter (client told) */
	WS_REACH_FAILED,         /* the workspace could not be reached (told) */
};

/* Decides whether c->account (member of groups, NULL-terminated or NULL) may
 * enter c->name, creating or starting it as policy allows, then logs in to
 * its sshd as c->up. */
enum ws_reach ws_reach_workspace(struct ws_conn *c, char *const *groups);

#endif
