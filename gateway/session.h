/* session.h — one client connection, from key exchange to its last channel:
 * authenticate, bring up the workspace, bridge. Runs in its own process. */
#ifndef WSGATE_SESSION_H
#define WSGATE_SESSION_H

#include <libssh/libssh.h>
#include <libssh/server.h>
#include <sys/types.h>

#include "config.h"

struct ws_session_ctx {
	const struct ws_config *cfg;
	ssh_bind bind;            /* the host key's public half and the algorithms
	                           * (the private key is read by each monitor) */
	const char *hostkey_line; /* that public half, "type base64" */
	const char *user_ca;      /* the user CA's "type base64": new workspaces trust it */
	const char *ca_fp;        /* its fingerprint (never the private key: that is read
	                           * from cfg->user_ca_key only to sign, as root) */
	int notify_fd;            /* the child reports to the listener here */
};

/* What a connection's process tells the listener (one atomic pipe write). */
struct ws_notice {
	pid_t pid;
	char kind;                /* 'A' authenticated, 'F' ended after failed logins,
	                           * 'G' still not logged in when the grace time ended,
	                           * 'C' its process died of a signal before login */
	char ip[63];
};

/* Fills *n: the connection known to the listener by pid (its monitor),
 * kind, and the client's address ip. */
void ws_notice_make(struct ws_notice *n, pid_t pid, char kind, const char *ip);

/* Serves the accepted TCP connection fd (taken over: closed on return) to its
 * end, in the process its monitor forked (monitor.h: this process's parent;
 * its descriptor 2 takes the log lines, mon its requests). peer is the
 * client's address, for logs. Before the key exchange the process enters
 * its sandbox (privsep.h); the monitor decides every login (preauth.h).
 * Returns the process exit code: 0 after a normal end, 1 otherwise. */
int ws_session_serve(const struct ws_session_ctx *ctx, int fd, const char *peer_ip,
    int peer_port, int mon);

/* Returns 1 when passwords (and keyboard-interactive) are offered at all:
 * PAM or auth_url is set. */
int ws_login_passwords(const struct ws_config *cfg);

#endif
