/* workspace.h — a workspace as a whole: its container and two volumes on the
 * engine, owned by one account, brought from any state to "its sshd answers
 * with the pinned host key, its repository is cloned, post-start has run".
 * The gateway and the ws command both come through ws_workspace_bring_up();
 * everything it asks of the engine goes through engine.h.
 *
 * Ownership lives with the data: every volume wsgate makes is labelled with
 * its workspace, its role and its owner, and a container is only ever made
 * on volumes whose labels say they are this workspace's and this owner's. A
 * workspace whose container is gone but whose volumes stay is its owner's
 * still (an orphan): nobody else can make a workspace on them. */
#ifndef WSGATE_WORKSPACE_H
#define WSGATE_WORKSPACE_H

#include <stddef.h>

#include "container.h"
#include "engine.h"
#include "wserr.h"

struct ws_config;

/* The phases of a bring-up, as the metrics name them (in this order). */
enum ws_phase { WS_PHASE_CREATE, WS_PHASE_START, WS_PHASE_SSHD, WS_PHASE_CLONE, WS_PHASE_POST_START };

/* What a bring-up is asked to do, and for whom. */
struct ws_bringup {
	const struct ws_config *cfg;   /* settings; the owner's are derived from them */
	const char *user_ca;           /* "type base64" of the CA new containers trust */
	const char *ca_id;             /* its fingerprint: a stopped container labelled with
	                                  another (or none: made before the CA) is made
	                                  again to trust this one */
	const char *entrant;           /* the account asking; owner of what it creates */
	int may_create;                /* 0: a workspace with no container nor volumes is
	                                  WS_ERR_NOT_FOUND (ws start) */
	const char *clone_url;         /* for a new workspace: cloned into ~/repo, or NULL */
	const char *image;             /* for a new workspace: instead of cfg's, or NULL */
	int just_made;                 /* ws rebuild: its container was just made and
	                                  started: clone and post-start run as for a
	                                  created one */
	const char *adopt_owner;       /* ws adopt: the owner of volumes an older wsgate
	                                  made (which record none), or NULL */
	/* The access decision, on what the engine holds: called with the owner
	 * of an existing workspace (or orphan), or NULL for a new one, before
	 * anything is changed; 0 stops the bring-up with WS_ERR_DENIED. NULL:
	 * everyone may (the ws command). */
	int (*admit)(void *arg, const char *owner);
	void *admit_arg;
	/* Progress for the person waiting ("creating workspace 'x'"); NULL none. */
	void (*progress)(void *arg, const char *line);
	void *progress_arg;
	/* Output lines of the clone (i = 0) and post-start commands (i = 1..). */
	void (*output)(void *arg, int i, const char *line);
	void *output_arg;
	/* Logs in to the workspace's sshd on port, which must present hostkey
	 * ("type base64"), with the gateway's key. Returns WS_OK when in,
	 * WS_ERR_IO when nothing answered yet (tried again), or a final error
	 * with a line in why. The gateway keeps the session it made. */
	ws_err (*connect)(void *arg, int port, const char *hostkey, char *why, size_t whylen);
	void *connect_arg;
	/* Each phase as it ends: how long it took (seconds) and whether it
	 * did what it was for (a create or start another gateway did for us
	 * meanwhile is not ours: not told). NULL: none. */
	void (*phase)(void *arg, enum ws_phase ph, double seconds, int ok);
	void *phase_arg;
};

/* What a bring-up found and did. */
struct ws_brought {
	int port;                  /* host port of the workspace's sshd */
	char hostkey[512];         /* its pinned host key */
	char owner[33];            /* its owner */
	char clone[256];           /* its repository, "" if none */
	char ca[64];               /* the user CA its container was made for (label) */
	int created;               /* its container was made now (new, orphan, remade) */
	int started;               /* it was started or unpaused now */
	char note[512];            /* a problem that does not stop the login (a clone
	                              or post-start that failed), "" if none */
	int clone_failed;          /* the clone was tried and failed (see note) */
};

/* Takes workspace NAME (a valid name) from any state to running and
 * answering, as described above, with progress through p->progress. On
 * WS_OK fills *out. Otherwise returns the cause with one line for the
 * person in why (no "wsgate:" prefix), except WS_ERR_DENIED (admit said no)
 * and WS_ERR_NOT_FOUND (nothing there, may_create unset). */
ws_err ws_workspace_bring_up(const struct ws_bringup *p, const char *name,
    struct ws_brought *out, char *why, size_t whylen);

/* The container part of a bring-up: makes sure workspace NAME's container
 * exists and runs, on checked volumes, with its owner's settings. Fills
 * *out (port, hostkey, owner, created, started). Used by bring_up. */
ws_err ws_workspace_ensure(struct ws_engine *e, const struct ws_bringup *p, const char *name,
    struct ws_brought *out, char *why, size_t whylen);

/* ws rebuild's new container: makes NAME's replacement (WS_OBJ_REMAKE, not
 * started) on the volumes of c (its container as inspected), for c's owner
 * with the owner's settings, from p->image (NULL: the owner's image
 * setting), with sshd on c's port, which c must not be using (stopped).
 * A replacement left by an earlier attempt is removed first. */
ws_err ws_workspace_replacement(struct ws_engine *e, const struct ws_bringup *p, const char *name,
    const struct ws_container *c, char *why, size_t whylen);

/* Opens the engine cfg names, with calls bounded by timeout_s. */
struct ws_engine *ws_workspace_engine(const struct ws_config *cfg, int timeout_s);

#endif
