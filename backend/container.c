#include "container.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const ws_cstate_names[] = {
	[WS_CSTATE_UNKNOWN] = "unknown", [WS_CSTATE_CREATED] = "created",
	[WS_CSTATE_RUNNING] = "running", [WS_CSTATE_PAUSED] = "paused",
	[WS_CSTATE_RESTARTING] = "restarting", [WS_CSTATE_REMOVING] = "removing",
	[WS_CSTATE_EXITED] = "exited", [WS_CSTATE_DEAD] = "dead",
};

const char *ws_cstate_str(enum ws_cstate state)
{
	if ((unsigned)state >= sizeof(ws_cstate_names) / sizeof(ws_cstate_names[0]))
		return "unknown";
	return ws_cstate_names[state];
}

static enum ws_cstate ws_cstate_parse(const char *s)
{
	size_t i;

	for (i = 1; s != NULL && i < sizeof(ws_cstate_names) / sizeof(ws_cstate_names[0]); i++)
		if (strcmp(s, ws_cstate_names[i]) == 0)
			return (enum ws_cstate)i;
	return WS_CSTATE_UNKNOWN;
}

/* Returns the string at obj.key, or NULL when absent or not a string. */
static const char *ws_json_str(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static struct json_object *ws_json_obj(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_object_get_ex(obj, key, &v) ||
	    !json_object_is_type(v, json_type_object))
		return NULL;
	return v;
}

/* Parses a port number string; returns 0 when not in 1..65535. */
static int ws_port_parse(const char *s)
{
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return 0;
	v = strtol(s, &end, 10);
	return (*end == '\0' && v > 0 && v <= 65535) ? (int)v : 0;
}

/* Host port bound to 22/tcp in a PortBindings or NetworkSettings.Ports map. */
static int ws_port_of(struct json_object *map)
{
	struct json_object *arr, *first;

	if (map == NULL || !json_object_object_get_ex(map, "22/tcp", &arr) ||
	    !json_object_is_type(arr, json_type_array) || json_object_array_length(arr) < 1)
		return 0;
	first = json_object_array_get_idx(arr, 0);
	if (!json_object_is_type(first, json_type_object))
		return 0;
	return ws_port_parse(ws_json_str(first, "HostPort"));
}

/* The named volumes mounted at the workspace's two places (Mounts). */
static void ws_mounts(struct ws_container *c, struct json_object *obj)
{
	struct json_object *mounts = NULL, *m;
	const char *type, *name, *dest;
	size_t i;

	if (!json_object_object_get_ex(obj, "Mounts", &mounts) ||
	    !json_object_is_type(mounts, json_type_array))
		return;
	for (i = 0; i < json_object_array_length(mounts); i++) {
		m = json_object_array_get_idx(mounts, i);
		type = ws_json_str(m, "Type");
		name = ws_json_str(m, "Name");
		dest = ws_json_str(m, "Destination");
		if (type == NULL || strcmp(type, "volume") != 0 || name == NULL || dest == NULL ||
		    strlen(name) >= WS_VOLUME_NAME_MAX)
			continue;
		if (strcmp(dest, "/home/workspace") == 0)
			snprintf(c->home_volume, sizeof(c->home_volume), "%s", name);
		else if (strcmp(dest, "/var/lib/docker") == 0)
			snprintf(c->docker_volume, sizeof(c->docker_volume), "%s", name);
	}
}

ws_err ws_container_parse(struct json_object *obj, struct ws_container *out)
{
	struct ws_container c;
	struct json_object *state, *config, *labels, *hostcfg, *v;
	const char *s;

	memset(&c, 0, sizeof(c));
	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return WS_ERR_INVALID;
	s = ws_json_str(obj, "Id");
	state = ws_json_obj(obj, "State");
	if (s == NULL || strlen(s) >= sizeof(c.id) || state == NULL)
		return WS_ERR_INVALID;
	snprintf(c.id, sizeof(c.id), "%s", s);
	c.state = ws_cstate_parse(ws_json_str(state, "Status"));
	if (json_object_object_get_ex(state, "ExitCode", &v) &&
	    json_object_is_type(v, json_type_int))
		c.exit_code = json_object_get_int(v);
	if ((s = ws_json_str(state, "Error")) != NULL)
		snprintf(c.error, sizeof(c.error), "%s", s);
	config = ws_json_obj(obj, "Config");
	labels = ws_json_obj(config, "Labels");
	c.managed = ws_json_str(labels, WS_LABEL_WORKSPACE) != NULL;
	if ((s = ws_json_str(labels, WS_LABEL_HOSTKEY)) != NULL && strlen(s) < sizeof(c.hostkey))
		snprintf(c.hostkey, sizeof(c.hostkey), "%s", s);
	/* An overlong owner is no owner: it cannot equal any account. */
	if ((s = ws_json_str(labels, WS_LABEL_OWNER)) != NULL && strlen(s) < sizeof(c.owner))
		snprintf(c.owner, sizeof(c.owner), "%s", s);
	/* Overlong values are cut: they are shown, never compared. */
	if ((s = ws_json_str(labels, WS_LABEL_WORKSPACE)) != NULL)
		snprintf(c.name, sizeof(c.name), "%.63s", s);
	/* An overlong repository is none: cut, it would clone another one. */
	if ((s = ws_json_str(labels, WS_LABEL_CLONE)) != NULL && strlen(s) < sizeof(c.clone))
		snprintf(c.clone, sizeof(c.clone), "%s", s);
	/* An overlong CA is none: it must equal the gateway's to count. */
	if ((s = ws_json_str(labels, WS_LABEL_CA)) != NULL && strlen(s) < sizeof(c.ca))
		snprintf(c.ca, sizeof(c.ca), "%s", s);
	if ((s = ws_json_str(config, "Image")) != NULL)
		snprintf(c.image, sizeof(c.image), "%.255s", s);
	if ((s = ws_json_str(obj, "Image")) != NULL)
		snprintf(c.image_id, sizeof(c.image_id), "%.79s", s);
	if ((s = ws_json_str(obj, "Created")) != NULL)
		snprintf(c.created, sizeof(c.created), "%.39s", s);
	if ((s = ws_json_str(state, "StartedAt")) != NULL)
		snprintf(c.started, sizeof(c.started), "%.39s", s);
	/* The configured binding survives stops; the live one shows Docker's pick. */
	hostcfg = ws_json_obj(obj, "HostConfig");
	c.port = ws_port_of(ws_json_obj(ws_json_obj(obj, "NetworkSettings"), "Ports"));
	if (c.port == 0)
		c.port = ws_port_of(ws_json_obj(hostcfg, "PortBindings"));
	ws_mounts(&c, obj);
	*out = c;
	return WS_OK;
}

/* A label value that fits, or "" (an overlong one matches nothing). */
static void ws_label_copy(struct json_object *labels, const char *key, char *out, size_t outlen)
{
	const char *s = ws_json_str(labels, key);

	out[0] = '\0';
	if (s != NULL && strlen(s) < outlen)
		snprintf(out, outlen, "%s", s);
}

ws_err ws_volume_parse(struct json_object *obj, struct ws_volume *out)
{
	struct ws_volume v;
	struct json_object *labels;
	const char *s;

	memset(&v, 0, sizeof(v));
	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    (s = ws_json_str(obj, "Name")) == NULL || strlen(s) >= sizeof(v.name))
		return WS_ERR_INVALID;
	snprintf(v.name, sizeof(v.name), "%s", s);
	labels = ws_json_obj(obj, "Labels");
	v.labelled = ws_json_str(labels, WS_LABEL_WORKSPACE) != NULL;
	ws_label_copy(labels, WS_LABEL_WORKSPACE, v.workspace, sizeof(v.workspace));
	ws_label_copy(labels, WS_LABEL_ROLE, v.role, sizeof(v.role));
	ws_label_copy(labels, WS_LABEL_OWNER, v.owner, sizeof(v.owner));
	ws_label_copy(labels, WS_LABEL_CLONE, v.clone, sizeof(v.clone));
	*out = v;
	return WS_OK;
}

static void ws_mark(unsigned char *used, int port_min, int port_max, int port)
{
	if (port >= port_min && port <= port_max)
		used[port - port_min] = 1;
}

ws_err ws_container_ports_in_use(struct json_object *obj, int port_min, int port_max,
    unsigned char *used)
{
	size_t i, j, n;

	if (obj == NULL || !json_object_is_type(obj, json_type_array))
		return WS_ERR_INVALID;
	n = json_object_array_length(obj);
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(obj, i), *ports, *p, *v;

		if (!json_object_is_type(c, json_type_object))
			continue;
		ws_mark(used, port_min, port_max,
		    ws_port_parse(ws_json_str(ws_json_obj(c, "Labels"), WS_LABEL_PORT)));
		if (!json_object_object_get_ex(c, "Ports", &ports) ||
		    !json_object_is_type(ports, json_type_array))
			continue;
		for (j = 0; j < json_object_array_length(ports); j++) {
			p = json_object_array_get_idx(ports, j);
			if (json_object_is_type(p, json_type_object) &&
			    json_object_object_get_ex(p, "PublicPort", &v) &&
			    json_object_is_type(v, json_type_int))
				ws_mark(used, port_min, port_max, json_object_get_int(v));
		}
	}
	return WS_OK;
}
