/* confcheck.h — what `wsgate -t` checks beyond the file's own values, as
 * deep as `sshd -t`: keys load, addresses resolve, directories and files
 * exist, every account file and key file is read, and dangerous
 * combinations are warned about. */
#ifndef WSGATE_CONFCHECK_H
#define WSGATE_CONFCHECK_H

#include "config.h"
#include "diag.h"

/* Also load the private keys (wsgate -t). The listener never does: no
 * process that accepts connections may hold a private key's bytes (its
 * forked loaders read them). */
#define WS_CONFCHECK_KEYS 1

/* Runs every check on cfg (already loaded and checked by
 * ws_config_check_diag), each problem to d at the file:line of the setting
 * concerned; flags: WS_CONFCHECK_*. Reads files; writes nothing; never
 * blocks on the network beyond resolving listen_address and
 * publish_address. */
void ws_confcheck(const struct ws_config *cfg, struct ws_diag *d, int flags);

#endif
