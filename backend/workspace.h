/* workspace.h — the workspace lifecycle wsgate needs to let someone in:
 * find workspace-NAME, start or unpause it, or create it (volume, port, pinned
 * host key, gateway key) when missing. All state lives in the engine (labels);
 * creation is one API call, so a half-made workspace cannot exist. */
#ifndef WSGATE_WORKSPACE_H
#define WSGATE_WORKSPACE_H

#include <stddef.h>

#include "container.h"
#include "docker.h"
#include "spec.h"
#include "wserr.h"

struct ws_workspace_params {
	struct ws_spec spec;         /* what a new workspace is made of */
	int port_min, port_max;      /* host port range for sshd */
	int may_create;              /* 0: a missing workspace is WS_ERR_NOT_FOUND */
	/* Called with a short line ("creating workspace 'x'") when the
	 * workspace is created or started; NULL for none. */
	void (*progress)(void *arg, const char *line);
	void *progress_arg;
	/* Called with the container found (NULL when there is none and it would
	 * be created) before anything is changed, and again after each change
	 * someone else may have made; returning 0 makes ensure stop with
	 * WS_ERR_DENIED. Not called for a container this call created. NULL:
	 * everyone may. */
	int (*admit)(void *arg, const struct ws_container *c);
	void *admit_arg;
};

struct ws_workspace_target {
	int port;                    /* host port of the workspace's sshd */
	char hostkey[512];           /* pinned public host key, "type base64" */
	int created;                 /* this call created the container */
	int started;                 /* this call started or unpaused it */
};

struct ws_config;

/* GET /containers/workspace-NAME/json into *c (whether wsgate made it or not:
 * see c->managed). WS_ERR_NOT_FOUND when absent; WS_ERR_DOCKER_DOWN or
 * WS_ERR_DOCKER with why set otherwise. */
ws_err ws_workspace_inspect(struct ws_docker *d, const char *name, struct ws_container *c,
    char *why, size_t whylen);

/* POSTs to /containers/workspace-NAME/ACTION (e.g. "start", "stop?t=10");
 * 204 and 304 (already so) are WS_OK, 404 WS_ERR_NOT_FOUND; otherwise msg
 * (size msglen) says why. */
ws_err ws_workspace_action(struct ws_docker *d, const char *name, const char *action,
    char *msg, size_t msglen);

/* Fills *wp for a workspace of owner from the (account's) settings cfg,
 * with the gateway's key line; progress and may_create stay unset. The
 * strings stay owned by cfg. */
void ws_workspace_params_from_config(struct ws_workspace_params *wp,
    const struct ws_config *cfg, const char *gateway_key, const char *owner);

/* Makes sure workspace-NAME exists and runs (name must be valid already).
 * On WS_OK fills *out. On failure returns the cause and writes one line for
 * the user into why (without a "wsgate:" prefix), except for WS_ERR_DENIED
 * (admit refused) and WS_ERR_NOT_FOUND (missing, may_create unset). */
ws_err ws_workspace_ensure(struct ws_docker *d, const struct ws_workspace_params *p,
    const char *name, struct ws_workspace_target *out, char *why, size_t whylen);

/* While waiting for sshd: returns WS_OK when workspace-NAME is still running,
 * otherwise an error with a line for the user in why (e.g. it exited). */
ws_err ws_workspace_check_running(struct ws_docker *d, const char *name,
    char *why, size_t whylen);

#endif
