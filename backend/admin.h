/* admin.h — workspaces as a whole, for the ws command and idle stop: list,
 * inspect (with sessions open and when last used), stop, delete. When a
 * workspace was last used is read from the engine (its sshd's log and
 * processes), so gateways keep no state of their own. */
#ifndef WSGATE_ADMIN_H
#define WSGATE_ADMIN_H

#include <stddef.h>
#include <time.h>

#include "container.h"
#include "docker.h"
#include "wserr.h"

struct ws_admin_info {
	struct ws_container c;
	int active;          /* sessions open now */
	time_t last_used;    /* last session activity (or start); 0 if unknown */
};

/* Fills *out for workspace-NAME. WS_ERR_NOT_FOUND when it does not exist (or
 * was not made by wsgate); other errors with why set. */
ws_err ws_admin_info(struct ws_docker *d, const char *name, struct ws_admin_info *out,
    char *why, size_t whylen);

/* Returns the names of all workspaces in *names (NULL-terminated, sorted;
 * free with ws_strv_free). */
ws_err ws_admin_list(struct ws_docker *d, char ***names, char *why, size_t whylen);

/* Stops workspace-NAME (sshd gets 10 s). Already stopped is success. */
ws_err ws_admin_stop(struct ws_docker *d, const char *name, char *why, size_t whylen);

/* Removes workspace-NAME and its volumes (workspace-NAME, -docker); its port
 * is free again. What is already gone is skipped. WS_ERR_NOT_FOUND when
 * nothing was there at all. */
ws_err ws_admin_delete(struct ws_docker *d, const char *name, char *why, size_t whylen);

/* Parses an RFC 3339 UTC time ("2026-11-29T03:08:37.68Z"); 0 when invalid
 * or before 1971 (the engine's "never": 0001-01-01). */
time_t ws_admin_parse_time(const char *s);

/* From a container log with timestamps (the engine's multiplexed stream),
 * returns the time of the last sshd session line (login or logout); 0 if none.
 * Pure: exposed for unit tests. */
time_t ws_admin_last_session(const unsigned char *buf, size_t len);

#endif
