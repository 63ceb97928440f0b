/* keyline.h — an SSH public key as one line of text, "type base64": how
 * auth_url is told a key, how the connection process hands its monitor the
 * key a client offers, how a workspace's host key is pinned. */
#ifndef WSGATE_KEYLINE_H
#define WSGATE_KEYLINE_H

#include <libssh/libssh.h>

#include "wserr.h"

/* Returns "type base64" of key (free() it), or NULL. */
char *ws_keyline_make(const ssh_key key);

/* Reads line ("type base64", the type at most 63 bytes) into *key (free
 * with ssh_key_free()). WS_ERR_INVALID when it is not of that form,
 * WS_ERR_SSH when libssh does not take the key. */
ws_err ws_keyline_parse(const char *line, ssh_key *key);

/* Sets *blob (free() it) to key's public blob (RFC 4253 6.6) and *len to
 * its length. WS_ERR_SSH, WS_ERR_NOMEM or WS_ERR_INVALID otherwise. */
ws_err ws_keyline_blob(const ssh_key key, unsigned char **blob, size_t *len);

#endif
