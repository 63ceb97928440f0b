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

/* Longest public key line read back ("type base64": an RSA key of 16384
 * bits fits). */
#define WS_KEY_LINE_MAX 4096

/* As ws_key_load_or_create, in a forked process that hands back only the
 * public half: the caller's memory never holds the private key (nor its
 * file's bytes), so no process forked from it inherits them. On WS_OK *pub
 * is the public key (free with ssh_key_free()); WS_ERR_SSH when it cannot
 * be loaded or made (the loader logs why), WS_ERR_IO when it cannot fork. */
ws_err ws_key_public_of(const char *path, ssh_key *pub);

/* Imports and signs with a throwaway ed25519 key once, so that what that
 * sets up (OpenSSL's signing code and tables, libssh's key import) is the
 * listener's, shared by every monitor it forks, not made again in each. */
void ws_key_warm(void);

#endif
