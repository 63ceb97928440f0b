/* admin.h — workspaces as a whole, for the ws command and idle stop: list
 * (orphans too), inspect (with sessions open and when last used), stop,
 * delete. When a workspace was last used is read from the engine (its
 * sshd's log and processes), so gateways keep no state of their own. */
#ifndef WSGATE_ADMIN_H
#define WSGATE_ADMIN_H

#include <stddef.h>
#include <time.h>

#include "container.h"
#include "engine.h"
#include "wserr.h"

struct ws_admin_info {
	int orphan;                          /* no container, only volumes */
	struct ws_container c;               /* the container (when not an orphan) */
	char owner[33];                      /* the container's or the volumes' owner */
	char home_volume[WS_VOLUME_NAME_MAX];   /* "" when it has none */
	char docker_volume[WS_VOLUME_NAME_MAX];
	int active;                          /* sessions open now */
	time_t last_used;                    /* last session activity (or start); 0 if unknown */
};

/* Fills *out for workspace NAME: its container (wsgate's), or its volumes
 * when the container is gone. WS_ERR_NOT_FOUND when neither is there (a
 * container wsgate did not make counts as nothing); other errors with why. */
ws_err ws_admin_info(struct ws_engine *e, const char *name, struct ws_admin_info *out,
    char *why, size_t whylen);

/* Returns the names of all workspaces, orphans included, in *names
 * (NULL-terminated, sorted, unique; free with ws_strv_free). */
ws_err ws_admin_list(struct ws_engine *e, char ***names, char *why, size_t whylen);

/* Stops workspace NAME (sshd gets 10 s). Already stopped is success. */
ws_err ws_admin_stop(struct ws_engine *e, const char *name, char *why, size_t whylen);

/* Removes workspace NAME: its container and the volumes labelled as its own;
 * its port is free again. A workspace-NAME container wsgate did not make is
 * refused (WS_ERR_CONFLICT, why set) unless force. WS_ERR_NOT_FOUND when
 * nothing was there at all. */
ws_err ws_admin_delete(struct ws_engine *e, const char *name, int force, char *why, size_t whylen);

#endif
