/* rebuild.h — a workspace on a new container (a new image, or the same one
 * made again) with the same volumes, owner, settings and port. The old
 * container is stopped, not removed, until the new one's sshd answers;
 * if it does not, the new one goes and the old one is started again. */
#ifndef WSGATE_REBUILD_H
#define WSGATE_REBUILD_H

#include <stddef.h>

#include "engine.h"
#include "workspace.h"
#include "wserr.h"

/* How a rebuild ended. */
struct ws_rebuilt {
	int port;
	char old_image[256];
	char new_image[256];
	int rolled_back;   /* it failed and the old container is back */
};

/* Rebuilds workspace NAME from p->image (NULL: its owner's image setting),
 * with p->connect to tell that the new sshd answers and p->progress for
 * lines. WS_OK once the new container is NAME's (the caller brings it up
 * for its clone and post-start); WS_ERR_NOT_FOUND without a container;
 * otherwise why says what failed and whether the old one is back (*out
 * tells too). */
ws_err ws_rebuild_run(struct ws_engine *e, const struct ws_bringup *p, const char *name,
    struct ws_rebuilt *out, char *why, size_t whylen);

#endif
