/* keys.h — the gateway's host key on disk. (The user CA is userca.h.) */
#ifndef WSGATE_KEYS_H
#define WSGATE_KEYS_H

#include <stddef.h>

#include <libssh/libssh.h>

#include "wserr.h"

/* Loads the private key at path, generating an ed25519 key there (mode 0600,
 * parent directory created 0700) when the file does not exist. On WS_OK *key
 * holds it; the caller frees it with ssh_key_free(). */
ws_err ws_key_load_or_create(const char *path, ssh_key *key);

#endif
