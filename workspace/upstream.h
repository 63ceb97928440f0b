/* upstream.h — the gateway's client session to a workspace's sshd. */
#ifndef WSGATE_UPSTREAM_H
#define WSGATE_UPSTREAM_H

#include <stddef.h>

#include <libssh/libssh.h>

#include "wserr.h"

struct ws_upstream_params {
	const char *address;    /* where the sshd port is published */
	int port;
	const char *user;       /* account inside the workspace */
	const char *hostkey;    /* pinned "type base64"; the server must present it */
	ssh_key client_key;     /* the gateway's key (borrowed) */
	int timeout_s;          /* handshake and request timeout */
};

/* Makes one connection attempt: TCP, SSH handshake, host key check against
 * the pin, public-key login. On WS_OK *out is a connected, authenticated,
 * blocking session; the caller frees it with ssh_disconnect + ssh_free.
 * Returns WS_ERR_IO when sshd did not answer with a banner (worth retrying),
 * WS_ERR_HOSTKEY on a key mismatch and WS_ERR_DENIED when the gateway's key
 * is refused (both final), with a line for the user in why. */
ws_err ws_upstream_connect(const struct ws_upstream_params *p, ssh_session *out,
    char *why, size_t whylen);

#endif
