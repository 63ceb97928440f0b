/* keys.h — the gateway's own keys on disk: its host key and its client key. */
#ifndef WSGATE_KEYS_H
#define WSGATE_KEYS_H

#include <stddef.h>

#include <libssh/libssh.h>

#include "wserr.h"

/* Loads the private key at path, generating an ed25519 key there (mode 0600,
 * parent directory created 0700) when the file does not exist. On WS_OK *key
 * holds it; the caller frees it with ssh_key_free(). */
ws_err ws_key_load_or_create(const char *path, ssh_key *key);

/* Loads the private key at path into *key (free with ssh_key_free()).
 * WS_ERR_NOT_FOUND when there is no such file, WS_ERR_SSH when unreadable. */
ws_err ws_key_load(const char *path, ssh_key *key);

/* Writes "type base64" of key's public half into out. Returns WS_ERR_SSH on
 * failure, WS_ERR_TOO_LARGE when outlen is too small. */
ws_err ws_key_public_line(const ssh_key key, char *out, size_t outlen);

#endif
