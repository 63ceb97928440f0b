/* engine.h — the one seam between wsgate and the container engine that holds
 * workspaces. Everything the workspace layer asks of an engine goes through
 * these calls, named by workspace and object kind; the engine's own names
 * ("workspace-NAME", "workspace-NAME.docker") and API paths are built here
 * and in the engine's implementation, nowhere else. Docker is the one
 * implementation today (engine_docker.c); another engine is another
 * struct ws_engine_ops. */
#ifndef WSGATE_ENGINE_H
#define WSGATE_ENGINE_H

#include <stddef.h>

#include "container.h"
#include "exec.h"
#include "spec.h"
#include "usage_json.h"
#include "wserr.h"

/* The objects of workspace NAME on the engine. */
enum ws_obj {
	WS_OBJ_CONTAINER,   /* workspace-NAME: the workspace itself */
	WS_OBJ_REMAKE,      /* workspace-NAME.remake: a replacement being made */
	WS_OBJ_HOME,        /* workspace-NAME: volume at /home/workspace */
	WS_OBJ_DOCKER,      /* workspace-NAME.docker: volume at /var/lib/docker */
	WS_OBJ_LEGACY_DOCKER, /* workspace-NAME-docker: the same, as wsgate 0.1 named it
	                         (which a workspace "NAME-docker" can also have as home) */
	WS_OBJ_STAGE_HOME,    /* workspace-NAME.restore: a restore's home, until checked */
	WS_OBJ_STAGE_DOCKER,  /* workspace-NAME.restore.docker: and its docker volume */
	WS_OBJ_HELPER,        /* workspace-NAME.helper: a backup's or restore's helper
	                         container (one at a time: its name is the lock) */
};

/* The network every workspace is on: a bridge whose members cannot reach
 * each other (inter-container traffic off), so one workspace's services are
 * never another's to connect to. */
#define WS_NETWORK "wsgate-workspaces"

/* Longest engine object name (a workspace name is at most 63). */
#define WS_OBJ_NAME_MAX WS_VOLUME_NAME_MAX

/* Volume roles, as labelled (WS_LABEL_ROLE). */
#define WS_ROLE_HOME "home"
#define WS_ROLE_DOCKER "docker"
/* A restore's volumes until the archive is checked: labelled with
 * WS_LABEL_STAGING, not as a workspace's, so nothing lists or mounts them. */
#define WS_ROLE_STAGING "staging"

/* Writes the engine's name for NAME's object kind into out. Workspace names
 * hold only [a-z0-9-], so names with a '.' can never be another workspace's
 * (workspace-proj.docker is never the home of a workspace "proj.docker"). */
void ws_obj_name(enum ws_obj kind, const char *name, char *out, size_t outlen);

/* A workspace-related object found by ws_engine_list(). */
struct ws_listed {
	char workspace[64];
	int is_volume;           /* 0: a container */
	char object[WS_OBJ_NAME_MAX];
	char owner[33];
};

struct ws_engine;

/* Opens a handle on the engine of kind ("docker") at where (its socket),
 * whose calls give up after timeout_s. NULL for an unknown kind or no memory.
 * Free with ws_engine_free. */
struct ws_engine *ws_engine_new(const char *kind, const char *where, int timeout_s);

/* Frees e; accepts NULL. */
void ws_engine_free(struct ws_engine *e);

/* Fills *c for NAME's container of kind (WS_OBJ_CONTAINER or WS_OBJ_REMAKE).
 * WS_ERR_NOT_FOUND when absent; WS_ERR_DOCKER_DOWN/WS_ERR_DOCKER with why. */
ws_err ws_engine_inspect(struct ws_engine *e, const char *name, enum ws_obj kind,
    struct ws_container *c, char *why, size_t whylen);

/* Creates NAME's container of kind from spec (its volumes must exist), with
 * sshd published on port, host key priv/pub. WS_ERR_CONFLICT when the name is
 * taken, WS_ERR_IMAGE_MISSING, or another error with why set. */
ws_err ws_engine_create(struct ws_engine *e, const char *name, enum ws_obj kind,
    const struct ws_spec *spec, int port, const char *priv, const char *pub,
    char *why, size_t whylen);

/* Runs action ("start", "stop", "unpause") on NAME's container of kind.
 * Already so is WS_OK; WS_ERR_NOT_FOUND when absent; otherwise why. */
ws_err ws_engine_action(struct ws_engine *e, const char *name, enum ws_obj kind,
    const char *action, char *why, size_t whylen);

/* Removes NAME's container of kind (forced, its volumes kept). Absent is
 * WS_OK with *found 0 (found may be NULL). */
ws_err ws_engine_remove(struct ws_engine *e, const char *name, enum ws_obj kind,
    int *found, char *why, size_t whylen);

/* Renames NAME's replacement container to NAME's container. */
ws_err ws_engine_promote(struct ws_engine *e, const char *name, char *why, size_t whylen);

/* Fills *v for the volume called vname. WS_ERR_NOT_FOUND when absent. */
ws_err ws_engine_volume(struct ws_engine *e, const char *vname, struct ws_volume *v,
    char *why, size_t whylen);

/* Creates NAME's volume of kind (WS_OBJ_HOME or WS_OBJ_DOCKER; a staging
 * kind is labelled as NAME's staging volume only), labelled with
 * the workspace, its role and owner (and clone, a repository URL or NULL, so
 * that a workspace made again on it keeps it). An existing volume of that
 * name is left as it is (check it with ws_engine_volume). */
ws_err ws_engine_volume_create(struct ws_engine *e, const char *name, enum ws_obj kind,
    const char *owner, const char *clone, char *why, size_t whylen);

/* Removes the volume vname. Absent is WS_OK with *found 0. */
ws_err ws_engine_volume_remove(struct ws_engine *e, const char *vname, int *found,
    char *why, size_t whylen);

/* Makes sure the network WS_NETWORK exists (made with inter-container
 * traffic off when missing). */
ws_err ws_engine_network(struct ws_engine *e, char *why, size_t whylen);

/* Writes into users (size len) the names of the containers that mount the
 * volume vname, space-separated ("" when none). */
ws_err ws_engine_volume_users(struct ws_engine *e, const char *vname, char *users, size_t len,
    char *why, size_t whylen);

/* Lists wsgate's containers and volumes (those labelled with a workspace),
 * in *out (n in *count; free with free()). */
ws_err ws_engine_list(struct ws_engine *e, struct ws_listed **out, size_t *count,
    char *why, size_t whylen);

/* Marks in used[] (port - port_min) every host port in [port_min, port_max]
 * a container publishes or a wsgate label reserves. */
ws_err ws_engine_ports_in_use(struct ws_engine *e, int port_min, int port_max,
    unsigned char *used, char *why, size_t whylen);

/* Runs cmd (bash -lc) as user in NAME's container; output lines to fn (with
 * index i); sets *exit_code. The handle's timeout bounds it. */
ws_err ws_engine_exec(struct ws_engine *e, const char *name, const char *user, const char *cmd,
    int i, ws_exec_line_fn fn, void *arg, int *exit_code, char *why, size_t whylen);

/* 1 when sshd session processes run in NAME's container (or it cannot tell). */
int ws_engine_sessions_open(struct ws_engine *e, const char *name);

/* The time of the last sshd session line in NAME's container log; 0 if none,
 * -1 when it cannot tell (the caller takes it as in use now). */
long ws_engine_last_session(struct ws_engine *e, const char *name);

/* Asks whether the engine answers at all (Docker: GET /_ping), for the
 * metrics' probe and /readyz. WS_OK, or WS_ERR_DOCKER_DOWN, WS_ERR_TIMEOUT,
 * WS_ERR_DOCKER with why. */
ws_err ws_engine_ping(struct ws_engine *e, char *why, size_t whylen);

/* A volume a helper mounts. */
struct ws_helper_mount {
	const char *volume;  /* the engine's volume name */
	const char *target;  /* where it appears in the helper */
	int readonly;
};

/* Where a helper's data is: it writes its output to this file, or reads
 * its input from it, a pipe the engine provides (in feeds it, out drains
 * it). Its stdout and stderr are for messages. */
#define WS_HELPER_DATA "/wsgate-io/data"

/* A short-lived helper container for work on volumes (a backup's tar, a
 * restore's): argv runs (no shell) from image as root, with only the
 * mounts, no network, a read-only root and the few capabilities copying
 * files needs. sys_admin adds CAP_SYS_ADMIN, without which trusted.*
 * attributes cannot be read or written: the overlay layers of a
 * workspace's own engine carry them. */
struct ws_helper {
	const char *workspace;            /* whose: its container is NAME's WS_OBJ_HELPER */
	const char *image;
	const char *const *argv;          /* NULL-terminated */
	const struct ws_helper_mount *mounts;
	size_t nmounts;
	int sys_admin;
	const char *purpose;              /* labels it ("backup", "restore", "copy") */
	/* Its input (WS_HELPER_DATA): puts up to len bytes in buf and returns
	 * how many, 0 at the end, -1 to stop. May block. At most one of in
	 * and out; neither: no data. */
	long (*in)(void *arg, unsigned char *buf, size_t len);
	/* Its output (WS_HELPER_DATA) as it comes: 0 to go on, -1 to stop. */
	int (*out)(void *arg, const unsigned char *buf, size_t len);
	void *arg;
	int idle_s;                       /* give up after this long with no byte either way */
	int exit_code;                    /* set on WS_OK */
	char err[512];                    /* set on WS_OK: the start of its stderr ("" none) */
};

/* Runs helper h to its end and removes it. WS_ERR_CONFLICT when another
 * helper of the same workspace runs (one left by a crash, not running, is
 * removed first). WS_OK when it ran to its end
 * (its exit status in h->exit_code, the start of its stderr in h->err);
 * WS_ERR_IO when h->in or h->out stopped it; WS_ERR_TIMEOUT after idle_s
 * without progress; WS_ERR_IMAGE_MISSING; others (a stream from the engine
 * that broke off: WS_ERR_DOCKER) with why. */
ws_err ws_engine_helper(struct ws_engine *e, struct ws_helper *h, char *why, size_t whylen);

/* Takes one sample of the counters of NAME's container (CPU time, memory,
 * processes) into *s: -1 in what a container that is not running lacks.
 * WS_ERR_NOT_FOUND when absent; otherwise why. */
ws_err ws_engine_stats(struct ws_engine *e, const char *name, struct ws_cstats *s,
    char *why, size_t whylen);

/* Reads the disk used by wsgate's volumes and containers (their own
 * layers) into *out (free with ws_du_free); look objects up by their names
 * (ws_obj_name) with ws_du_bytes. */
ws_err ws_engine_disk(struct ws_engine *e, struct ws_du **out, char *why, size_t whylen);

/* What an engine implements. Object names come ready-made (ws_obj_name). */
struct ws_engine_ops {
	const char *kind;
	void *(*open)(const char *where, int timeout_s);
	void (*close)(void *impl);
	ws_err (*inspect)(void *impl, const char *cname, struct ws_container *c, char *why, size_t whylen);
	ws_err (*create)(void *impl, const char *cname, const struct ws_spec *spec, const char *name,
	    int port, const char *priv, const char *pub, char *why, size_t whylen);
	ws_err (*action)(void *impl, const char *cname, const char *action, char *why, size_t whylen);
	ws_err (*remove)(void *impl, const char *cname, int *found, char *why, size_t whylen);
	ws_err (*rename)(void *impl, const char *from, const char *to, char *why, size_t whylen);
	ws_err (*volume)(void *impl, const char *vname, struct ws_volume *v, char *why, size_t whylen);
	ws_err (*volume_create)(void *impl, const char *vname, const char *name, const char *role,
	    const char *owner, const char *clone, char *why, size_t whylen);
	ws_err (*volume_remove)(void *impl, const char *vname, int *found, char *why, size_t whylen);
	ws_err (*network)(void *impl, const char *net, char *why, size_t whylen);
	ws_err (*volume_users)(void *impl, const char *vname, char *users, size_t len, char *why,
	    size_t whylen);
	ws_err (*list)(void *impl, struct ws_listed **out, size_t *count, char *why, size_t whylen);
	ws_err (*ports)(void *impl, int port_min, int port_max, unsigned char *used, char *why,
	    size_t whylen);
	ws_err (*exec)(void *impl, const char *cname, const char *user, const char *cmd, int i,
	    ws_exec_line_fn fn, void *arg, int *exit_code, char *why, size_t whylen);
	int (*sessions_open)(void *impl, const char *cname);
	long (*last_session)(void *impl, const char *cname);
	ws_err (*ping)(void *impl, char *why, size_t whylen);
	ws_err (*helper)(void *impl, const char *cname, struct ws_helper *h, char *why, size_t whylen);
	ws_err (*stats)(void *impl, const char *cname, struct ws_cstats *s, char *why, size_t whylen);
	ws_err (*disk)(void *impl, struct ws_du **out, char *why, size_t whylen);
};

/* The Docker Engine API implementation (engine_docker.c). */
extern const struct ws_engine_ops ws_engine_docker;

#endif
