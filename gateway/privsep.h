/* privsep.h — the first step of privilege separation: once a connection has
 * logged in and reached its workspace, its process needs nothing but the two
 * SSH sockets it holds, so it gives up root for privsep_user (no groups,
 * no new privileges, not dumpable). The channel bridge, which parses most of
 * what a client sends, then runs unprivileged; the Docker socket and PAM are
 * out of its reach. Authentication still runs as root (PAM helper, Docker). */
#ifndef WSGATE_PRIVSEP_H
#define WSGATE_PRIVSEP_H

#include <stddef.h>

#include "wserr.h"

/* Checks that user exists (at start-up). "" means no dropping. Returns
 * WS_ERR_CONFIG with a reason in why otherwise. */
ws_err ws_privsep_check(const char *user, char *why, size_t whylen);

/* Becomes user for good (groups, gid, uid) when running as root and user is
 * not "". Returns WS_OK, or an error with why set: the caller must end the
 * connection rather than go on with privileges. */
ws_err ws_privsep_drop(const char *user, char *why, size_t whylen);

#endif
