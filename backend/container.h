/* container.h — what wsgate reads from Docker's container and volume JSON.
 * Pure parsing: no I/O, so it is unit-tested and fuzzed on recorded replies. */
#ifndef WSGATE_CONTAINER_H
#define WSGATE_CONTAINER_H

#include <json-c/json.h>

#include "wserr.h"

/* Labels wsgate puts on the containers and volumes it creates. */
#define WS_LABEL_WORKSPACE "org.wsgate.workspace"
#define WS_LABEL_PORT "org.wsgate.port"
#define WS_LABEL_HOSTKEY "org.wsgate.hostkey"
#define WS_LABEL_OWNER "org.wsgate.owner"
#define WS_LABEL_CLONE "org.wsgate.clone"
#define WS_LABEL_CA "org.wsgate.ca"          /* fingerprint of the user CA its sshd trusts */
#define WS_LABEL_ROLE "org.wsgate.role"      /* volumes: "home" or "docker" */
#define WS_LABEL_STAGING "org.wsgate.staging" /* a restore's volume: its workspace */

/* Longest engine volume name wsgate uses or accepts. */
#define WS_VOLUME_NAME_MAX 96

enum ws_cstate {
	WS_CSTATE_UNKNOWN = 0,
	WS_CSTATE_CREATED,
	WS_CSTATE_RUNNING,
	WS_CSTATE_PAUSED,
	WS_CSTATE_RESTARTING,
	WS_CSTATE_REMOVING,
	WS_CSTATE_EXITED,
	WS_CSTATE_DEAD,
};

struct ws_container {
	enum ws_cstate state;
	int exit_code;
	int port;           /* published host port of 22/tcp, 0 if none */
	int managed;        /* carries wsgate's workspace label */
	char id[65];
	char hostkey[512];  /* pinned "type base64" public key, "" if none */
	char owner[33];     /* owner account label, "" if none */
	char name[64];      /* workspace name label, "" if none */
	char clone[256];    /* repository label, "" if none */
	char ca[64];        /* user CA label (a fingerprint), "" if none or overlong */
	char image[256];    /* Config.Image */
	char image_id[80];  /* Image: the id it was made from ("sha256:...") */
	char created[40];   /* Created, RFC 3339 */
	char started[40];   /* State.StartedAt, RFC 3339 ("0001-..." if never) */
	char error[256];    /* State.Error, "" if none */
	/* The volumes mounted at /home/workspace and /var/lib/docker, "" if
	 * none (or a name too long to be wsgate's). */
	char home_volume[WS_VOLUME_NAME_MAX];
	char docker_volume[WS_VOLUME_NAME_MAX];
};

/* What wsgate reads of a volume (GET /volumes/{name}). */
struct ws_volume {
	char name[WS_VOLUME_NAME_MAX];
	int labelled;            /* carries WS_LABEL_WORKSPACE */
	char workspace[64];      /* WS_LABEL_WORKSPACE, "" if none or overlong */
	char role[16];           /* WS_LABEL_ROLE, "" if none (made before roles) */
	char owner[33];          /* WS_LABEL_OWNER, "" if none or overlong */
	char clone[256];         /* WS_LABEL_CLONE (home volumes), "" if none */
};

/* Fills *c from the reply of GET /containers/{name}/json. Returns
 * WS_ERR_INVALID when obj is not such a reply; *c is set only on WS_OK. */
ws_err ws_container_parse(struct json_object *obj, struct ws_container *c);

/* Fills *v from the reply of GET /volumes/{name}. Overlong label values are
 * taken as absent (they cannot match anything). WS_ERR_INVALID when obj is
 * not such a reply; *v is set only on WS_OK. */
ws_err ws_volume_parse(struct json_object *obj, struct ws_volume *v);

/* Returns the name of state ("running", ...). */
const char *ws_cstate_str(enum ws_cstate state);

/* From the reply of GET /containers/json (a list), marks in used[] (indexed
 * port - port_min, length port_max - port_min + 1) every host port that a
 * container publishes or that a wsgate label reserves. Returns WS_ERR_INVALID
 * when obj is not a list. */
ws_err ws_container_ports_in_use(struct json_object *obj, int port_min, int port_max,
    unsigned char *used);

#endif
