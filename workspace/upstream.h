/* upstream.h — the gateway's client session to a workspace's sshd: a key
 * of its own with a short-lived certificate from the user CA, for that
 * workspace only (userca.h). */
#ifndef WSGATE_UPSTREAM_H
#define WSGATE_UPSTREAM_H

#include <stddef.h>

#include <libssh/libssh.h>

#include "userca.h"
#include "wserr.h"

struct ws_upstream_params {
	const char *address;    /* where the sshd port is published */
	int port;
	int use_fd, fd;         /* use_fd: fd is a socket already connected there
	                         * (by the monitor, for a sandboxed process), which
	                         * the attempt takes over; otherwise it connects */
	ssh_key key;            /* a key with its certificate to log in with (the
	                         * caller's); NULL: one is made, signed with ca_path */
	const char *user;       /* account inside the workspace */
	const char *hostkey;    /* pinned "type base64"; the server must present it */
	const char *ca_path;    /* the user CA's private key file (read to sign, as root) */
	const char *name;       /* the workspace: its principal is certified */
	const char *key_id;     /* the certificate's key id (who, for the workspace's log) */
	/* authorized_keys restrictions of the person's key, put in the
	 * certificate (userca.h) */
	int no_pty, no_port_forwarding, no_agent_forwarding, no_x11_forwarding;
	int timeout_s;          /* handshake and request timeout */
};

/* Lifetime of a certificate: enough for one login, however slow. */
#define WS_UPSTREAM_CERT_LIFETIME 60

/* Fills *req for a certificate of p->name's principal (written to
 * principal, plen bytes, which req then points to) with p's key id and
 * restrictions, valid from now for WS_UPSTREAM_CERT_LIFETIME. */
void ws_upstream_cert_req(const struct ws_upstream_params *p, char *principal, size_t plen,
    struct ws_usercert_req *req);

/* Makes one connection attempt: TCP (unless p->fd), SSH handshake, host key check against
 * the pin, public-key login. On WS_OK *out is a connected, authenticated,
 * blocking session; the caller frees it with ssh_disconnect + ssh_free.
 * Returns WS_ERR_IO when sshd did not answer with a banner (worth retrying),
 * WS_ERR_HOSTKEY on a key mismatch and WS_ERR_DENIED when the certificate
 * is refused, with a line for the user in why. */
ws_err ws_upstream_connect(const struct ws_upstream_params *p, ssh_session *out,
    char *why, size_t whylen);

#endif
