/* volumes.h — a workspace's two volumes: what their labels say about whose
 * they are, and making them so that they say it. The workspace layer makes a
 * container only on volumes these checks passed. */
#ifndef WSGATE_VOLUMES_H
#define WSGATE_VOLUMES_H

#include <stddef.h>

#include "engine.h"
#include "wserr.h"

/* What the volumes of a workspace without a container are. */
enum ws_vols_state {
	WS_VOLS_NONE,      /* none: a new workspace */
	WS_VOLS_OWNED,     /* labelled with an owner: that owner's orphan */
	WS_VOLS_LEGACY,    /* made by wsgate 0.1 (workspace label only): ws adopt */
	WS_VOLS_FOREIGN,   /* another workspace's, not wsgate's, or in another's use */
	WS_VOLS_BUSY,      /* its own, but a backup's or restore's helper has them */
};

struct ws_vols {
	enum ws_vols_state state;
	char owner[33];                   /* OWNED: whose */
	char clone[256];                  /* OWNED: the repository they record */
	char home[WS_OBJ_NAME_MAX];       /* the volumes to mount; "" = to be made */
	char docker[WS_OBJ_NAME_MAX];
	char detail[300];                 /* FOREIGN: what is wrong (for the log and
	                                     administrators; it may name others) */
};

/* Reads workspace NAME's volumes when it has no container into *out. Volumes
 * other containers mount (but NAME's own, and its replacement) are FOREIGN.
 * Errors only when the engine fails (why set). */
ws_err ws_vols_read(struct ws_engine *e, const char *name, struct ws_vols *out, char *why,
    size_t whylen);

/* Checks that vname is NAME's volume of role ("home", "docker") and owner's.
 * One made by wsgate 0.1 (no role, no owner) passes only when legacy_ok.
 * WS_ERR_FOREIGN with detail set when not; WS_ERR_NOT_FOUND when absent. */
ws_err ws_vols_check(struct ws_engine *e, const char *name, const char *vname, const char *role,
    const char *owner, int legacy_ok, char *detail, size_t len);

/* Makes the volumes v lacks ("" names) for owner, the home first (it is the
 * claim: a racing creator's check fails before it makes the second), then
 * checks both. Sets v's names and *fresh (both were made now). WS_ERR_FOREIGN
 * (detail set) when a check fails. */
ws_err ws_vols_make(struct ws_engine *e, const char *name, const char *owner, const char *clone,
    struct ws_vols *v, int *fresh, char *detail, size_t len);

#endif
