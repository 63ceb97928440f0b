/* preauth.h — the sandboxed child's side of logging in: each
 * authentication message of the client becomes a request to the monitor
 * (monproto.h), whose answer becomes the reply; meanwhile the monitor may
 * have the child tell the person a line, or log in to the workspace over a
 * socket it connected, with a certificate it signed for the child's own
 * session key. Nothing here decides who gets in. Internal to the gateway. */
#ifndef WSGATE_PREAUTH_H
#define WSGATE_PREAUTH_H

#include <stdint.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "authkeys.h"
#include "bridge.h"
#include "monproto.h"
#include "names.h"
#include "session.h"
#include "wserr.h"

struct ws_bridges;
struct ws_owner;

/* One connection, as its serving process holds it. */
struct ws_sess {
	const struct ws_session_ctx *ctx;
	ssh_session down, up;            /* the client's, the workspace's */
	struct ws_bridges *bridges;
	struct ws_owner *owner;          /* an ACCOUNT+ login's commands (owner.h) */
	struct ws_authkey_restrict restr; /* the accepted key's, from the monitor */
	const char *peer_ip;
	int peer_port;
	int mon;                         /* the request socket to the monitor */
	char *key64;                     /* its session key (private, base64) */
	char *key_pub;                   /* and its public half (base64) */
	int authed, fatal;
	unsigned grace_left;             /* seconds, from the monitor's last answer */
	int record;                      /* what is recorded (recording.h), as it said */
	char account[WS_ACCOUNT_MAX + 1], name[WS_NAME_MAX + 1];
	struct ws_mp *mp;                /* the message being read or written */
	uint64_t told_in, told_out;      /* the figures in the last STATS taken */
	unsigned told_kinds[WS_BRIDGE_KINDS];
};

/* Makes the session key certificates will be signed for, and s->mp.
 * Before the sandbox. Returns WS_OK or WS_ERR_NOMEM / WS_ERR_SSH. */
ws_err ws_preauth_init(struct ws_sess *s);

/* Has the monitor sign the key exchange (libssh's host key signing
 * callback): this process holds only the host key's public half. */
ws_err ws_preauth_hostkey(struct ws_sess *s);

/* Sends the monitor the session key's public half (its first message). */
ws_err ws_preauth_hello(struct ws_sess *s);

/* Sets the authentication methods offered on s->down. */
void ws_preauth_methods(struct ws_sess *s);

/* Answers one message that arrived before login, through the monitor:
 * authentication attempts by their method, anything else refused. Sets
 * s->authed (s->up logged in, s->account, s->name, s->restr, s->record) or
 * s->fatal.
 * The caller frees msg. */
void ws_preauth_message(struct ws_sess *s, ssh_message msg);

/* Tells the monitor the bridge's figures for the metrics (bytes so far,
 * channels open by type) when they changed since the last it took; never
 * waits (what the socket cannot take now goes next time). The caller calls
 * it at most once a second. */
void ws_preauth_stats(struct ws_sess *s, uint64_t bytes_in, uint64_t bytes_out,
    const unsigned kinds[WS_BRIDGE_KINDS]);

/* Tells the monitor the session's byte counts, at its end. */
void ws_preauth_end(struct ws_sess *s, uint64_t bytes_in, uint64_t bytes_out);

/* Frees what ws_preauth_init made; accepts a zeroed s. */
void ws_preauth_free(struct ws_sess *s);

#endif
