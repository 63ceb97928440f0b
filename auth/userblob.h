/* userblob.h — a publickey signature checked again by the monitor, as
 * OpenSSH's monitor.c does (monitor_valid_userblob, then the key's verify):
 * the bytes the client signed (RFC 4252 section 7) must be a request of
 * this connection (its session identifier), for this user and this key,
 * for "ssh-connection", and, for publickey-hostbound-v00@openssh.com, bound
 * to our host key; then the signature must verify over them. The sandboxed
 * process that received them may be lying: nothing it says is taken. */
#ifndef WSGATE_USERBLOB_H
#define WSGATE_USERBLOB_H

#include <libssh/libssh.h>
#include <stddef.h>

#include "wserr.h"

/* What the signed bytes must hold (all of it the monitor's own). */
struct ws_userblob_want {
	const unsigned char *session_id;  /* the first exchange hash we signed */
	size_t session_id_len;
	const char *user;                 /* the login name asked for */
	const unsigned char *key;         /* the key's public blob */
	size_t key_len;
	const unsigned char *hostkey;     /* our host key's public blob */
	size_t hostkey_len;
};

/* Returns WS_OK when data (len bytes) is exactly a signed publickey request
 * as w describes, WS_ERR_INVALID otherwise (why: a short reason). */
ws_err ws_userblob_check(const unsigned char *data, size_t len,
    const struct ws_userblob_want *w, const char **why);

/* Checks data as ws_userblob_check, then that sig (a signature blob, siglen
 * bytes) is of the algorithm the request names and not SHA-1's (ssh-rsa,
 * ssh-dss), then verifies it over data with key, under libssh's default
 * rules (a key too small is refused). Returns WS_OK, WS_ERR_INVALID (data),
 * WS_ERR_SSH (an algorithm refused: the client's choice), WS_ERR_DENIED
 * (the signature), WS_ERR_NOMEM; *why says why on all but WS_OK. */
ws_err ws_userblob_verify(ssh_key key, const unsigned char *sig, size_t siglen,
    const unsigned char *data, size_t len, const struct ws_userblob_want *w,
    const char **why);

#endif
