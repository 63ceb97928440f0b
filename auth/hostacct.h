/* hostacct.h — host (Unix) accounts as wsgate accounts: lookup, groups, and
 * the locked-password check OpenSSH makes before any login. */
#ifndef WSGATE_HOSTACCT_H
#define WSGATE_HOSTACCT_H

#include <stddef.h>
#include <sys/types.h>

#include "wserr.h"

/* Returns WS_OK when name is a host account with uid >= uid_min, filling
 * *uid, *gid and home (size homelen); WS_ERR_NOT_FOUND otherwise. */
ws_err ws_hostacct_lookup(const char *name, long uid_min, uid_t *uid, gid_t *gid,
    char *home, size_t homelen);

/* Returns the host groups of name (primary gid) as a NULL-terminated list in
 * *out, which the caller frees with ws_strv_free(); an empty list when name
 * has none. WS_ERR_NOMEM on allocation failure. */
ws_err ws_hostacct_groups(const char *name, gid_t gid, char ***out);

/* Returns 1 when the account's password is locked ('!' in the shadow file,
 * as passwd -l and usermod -L leave it), 0 otherwise or when unknown. */
int ws_hostacct_locked(const char *name);

#endif
