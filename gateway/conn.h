/* conn.h — what the monitor (monitor.h) knows of its connection's login:
 * the state login.c (publickey, password), kbdint.c (keyboard-interactive)
 * and reach.c (access and the workspace) share. The SSH session itself is
 * the sandboxed child's (session.c): everything here comes from its
 * requests (monproto.h), checked again, and goes back as answers. Internal
 * to the gateway. */
#ifndef WSGATE_CONN_H
#define WSGATE_CONN_H

#include <sys/types.h>

#include "authkeys.h"
#include "monproto.h"
#include "names.h"
#include "pam.h"
#include "session.h"

struct ws_pam;
struct ws_mon;

#define WS_KBD_MAX_PROMPTS WS_MP_MAX_LIST
#define WS_KBD_MAX_INSTRUCTION 1024
/* Room for an owner login's groups (NUL-separated): more are dropped, with
 * a warning (fewer groups never let anyone further). */
#define WS_CONN_GROUPS_MAX 4096

/* A keyboard-interactive exchange in progress, and the prompts of the
 * answer being made. */
struct ws_kbd {
	struct ws_pam *pam;      /* PAM helper, or NULL when asking for auth_url */
	int prompts;             /* prompts sent, answers expected */
	char instruction[WS_KBD_MAX_INSTRUCTION];
	char text[WS_KBD_MAX_PROMPTS][WS_PAM_TEXT_MAX + 1];
	char echo[WS_KBD_MAX_PROMPTS + 1];  /* '0' or '1' each */
};

struct ws_conn {
	const struct ws_session_ctx *ctx;
	struct ws_mon *mon;               /* the monitor that answers for it */
	pid_t monitor;                    /* its pid (the listener knows it by it) */
	struct ws_authkey_restrict restr;
	const char *peer_ip;
	int peer_port;
	int authed, fatal, failures, told_denied;
	int queries;                      /* publickey queries answered PK_OK */
	char queried_fp[128];             /* the last key so answered (audited once) */
	char login[WS_ACCOUNT_MAX + WS_NAME_MAX + 2]; /* login name, as first given */
	char named[WS_ACCOUNT_MAX + 1];   /* account from ACCOUNT+NAME, "" if none */
	char account[WS_ACCOUNT_MAX + 1]; /* who logged in */
	char name[WS_NAME_MAX + 1];       /* workspace; "" for an ACCOUNT+ login (owner.h) */
	char *groups;                     /* an ACCOUNT+ login's groups, each with its NUL, */
	size_t groups_len;                /* for its commands' access decisions (heap: a
	                                     monitor keeps no room for them otherwise) */
	const char *method;
	char key_fp[128];                 /* fingerprint of the accepted key */
	char port_str[8];
	char kex[64], cipher[64];         /* of the workspace connection, as the child saw */
	int record;                       /* what is recorded once in (recording.h) */
	struct ws_kbd kbd;
};

/* Reports to the listener (max_startups, penalties): kind 'A' authenticated,
 * 'F' ended after failed logins, 'G' the login grace time ran out. */
void ws_conn_notify(struct ws_conn *c, char kind);

/* One authentication request of the child's (user: the login name it got;
 * keyline: the key as "type base64"; sig: enum ws_mp_sig). Each returns the
 * outcome for the answer (WS_MP_OUT_*); c->fatal set means the connection
 * must end after it; PROMPTS leaves them in c->kbd. */
int ws_login_pubkey(struct ws_conn *c, const char *user, const char *keyline, int sig);
int ws_login_passwd(struct ws_conn *c, const char *user, const char *password);
int ws_kbdint_start(struct ws_conn *c, const char *user);
int ws_kbdint_answers(struct ws_conn *c, char (*answers)[WS_PAM_TEXT_MAX + 1], int n);

/* Frees login state (a PAM helper still running); accepts a fresh c. */
void ws_login_cleanup(struct ws_conn *c);

/* Tells the client one line during authentication (an SSH banner, sent by
 * the child: shown on stderr by OpenSSH, never mixed into a data stream). */
void ws_tell(struct ws_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Outcome of ws_reach_workspace(). */
enum ws_reach {
	WS_REACH_OK,             /* the child is logged in to the workspace */
	WS_REACH_DENIED,         /* the account may not enter (client told) */
	WS_REACH_FAILED,         /* the workspace could not be reached (told) */
};

/* Decides whether c->account (member of groups, NULL-terminated or NULL) may
 * enter c->name, creating or starting it as policy allows, then has the
 * child log in to its sshd (monitor.h: ws_mon_try). */
enum ws_reach ws_reach_workspace(struct ws_conn *c, char *const *groups);

#endif
