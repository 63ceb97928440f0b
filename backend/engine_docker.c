/* engine_docker.c — the Docker Engine API behind engine.h. Every Docker path
 * wsgate uses is written here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "dynbuf.h"
#include "engine.h"
#include "engine_docker_int.h"
#include "log.h"
#include "jail.h"
#include "sshdlog.h"

/* filters={"label":["org.wsgate.workspace"]}: wsgate's objects only. */
#define WS_D_LABEL_FILTER "filters=%7B%22label%22%3A%5B%22" WS_LABEL_WORKSPACE "%22%5D%7D"

/* Largest container log read to find the last session (its tail). */
#define WS_DOCKER_MAX_LOG ((size_t)256 * 1024)
/* Largest process list read (docker top: a line per process). */
#define WS_DOCKER_MAX_TOP ((size_t)1024 * 1024)
/* Deepest JSON a process list may nest (it is two levels). */
#define WS_TOP_MAX_DEPTH 8

static void *ws_d_open(const char *where, int timeout_s)
{
	return ws_docker_new(where, timeout_s);
}

static void ws_d_close(void *impl)
{
	ws_docker_free(impl);
}


/* (engine_docker_int.h) One API call and what its status means: ok (or ok2) is WS_OK with the
 * reply in *reply (when asked for; the caller puts it), 404 WS_ERR_NOT_FOUND,
 * 409 WS_ERR_CONFLICT, anything else WS_ERR_DOCKER; the engine's message, or
 * why it did not answer, goes to why. */
ws_err ws_d_call(void *impl, const char *method, const char *path, const char *body,
    long ok, long ok2, struct json_object **reply, char *why, size_t whylen)
{
	struct json_object *r = NULL;
	long status = 0;
	ws_err rc = ws_docker_request(impl, method, path, body, &status, &r);

	if (rc != WS_OK) {
		ws_docker_why(impl, rc, why, whylen);
		rc = ws_docker_unreachable(rc) ? rc : WS_ERR_DOCKER;
	} else if (status == ok || status == ok2) {
		if (reply != NULL) {
			*reply = r;
			r = NULL;
		}
	} else {
		snprintf(why, whylen, "%s", ws_docker_message(r));
		rc = status == 404 ? WS_ERR_NOT_FOUND : status == 409 ? WS_ERR_CONFLICT : WS_ERR_DOCKER;
	}
	json_object_put(r);
	return rc;
}

static ws_err ws_d_inspect(void *impl, const char *cname, struct ws_container *c, char *why,
    size_t whylen)
{
	struct json_object *reply = NULL;
	char path[160];
	ws_err rc;

	snprintf(path, sizeof(path), "/containers/%s/json", cname);
	if ((rc = ws_d_call(impl, "GET", path, NULL, 200, 200, &reply, why, whylen)) == WS_OK &&
	    ws_container_parse(reply, c) != WS_OK) {
		snprintf(why, whylen, "the Docker engine sent an unreadable reply");
		rc = WS_ERR_DOCKER;
	}
	json_object_put(reply);
	return rc;
}

static ws_err ws_d_create(void *impl, const char *cname, const struct ws_spec *spec,
    const char *name, int port, const char *priv, const char *pub, char *why, size_t whylen)
{
	struct json_object *body = NULL;
	char path[160];
	ws_err rc;

	if ((rc = ws_spec_body(spec, name, port, priv, pub, &body, why, whylen)) != WS_OK)
		return rc;
	snprintf(path, sizeof(path), "/containers/create?name=%s", cname);
	rc = ws_d_call(impl, "POST", path, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN),
	    201, 201, NULL, why, whylen);
	if (rc == WS_ERR_NOT_FOUND) {
		snprintf(why, whylen, "image %s not found (build it: packaging/image/build.sh)",
		    spec->image);
		rc = WS_ERR_IMAGE_MISSING;
	}
	json_object_put(body);
	return rc;
}

static ws_err ws_d_action(void *impl, const char *cname, const char *action, char *why,
    size_t whylen)
{
	char path[160];

	/* sshd gets 10 s to end its sessions before it is killed. */
	snprintf(path, sizeof(path), "/containers/%s/%s", cname,
	    strcmp(action, "stop") == 0 ? "stop?t=10" : action);
	return ws_d_call(impl, "POST", path, NULL, 204, 304, NULL, why, whylen);
}

/* DELETE path: found (204/200), or not there (404). */
static ws_err ws_d_delete(void *impl, const char *path, int *found, char *why, size_t whylen)
{
	ws_err rc = ws_d_call(impl, "DELETE", path, NULL, 204, 200, NULL, why, whylen);

	*found = rc == WS_OK;
	return rc == WS_ERR_NOT_FOUND ? WS_OK : rc;
}

static ws_err ws_d_remove(void *impl, const char *cname, int *found, char *why, size_t whylen)
{
	char path[160];

	/* v=0: volumes are the user's data; they go only by name, on purpose. */
	snprintf(path, sizeof(path), "/containers/%s?force=1&v=0", cname);
	return ws_d_delete(impl, path, found, why, whylen);
}

static ws_err ws_d_rename(void *impl, const char *from, const char *to, char *why, size_t whylen)
{
	char path[260];

	snprintf(path, sizeof(path), "/containers/%s/rename?name=%s", from, to);
	return ws_d_call(impl, "POST", path, NULL, 204, 204, NULL, why, whylen);
}

static ws_err ws_d_volume(void *impl, const char *vname, struct ws_volume *v, char *why,
    size_t whylen)
{
	struct json_object *reply = NULL;
	char path[160];
	ws_err rc;

	snprintf(path, sizeof(path), "/volumes/%s", vname);
	if ((rc = ws_d_call(impl, "GET", path, NULL, 200, 200, &reply, why, whylen)) == WS_OK &&
	    ws_volume_parse(reply, v) != WS_OK) {
		snprintf(why, whylen, "the Docker engine sent an unreadable reply");
		rc = WS_ERR_DOCKER;
	}
	json_object_put(reply);
	return rc;
}

static ws_err ws_d_volume_create(void *impl, const char *vname, const char *name,
    const char *role, const char *owner, const char *clone, char *why, size_t whylen)
{
	struct json_object *body = json_object_new_object(), *labels = json_object_new_object();
	ws_err rc = WS_ERR_NOMEM;

	int staging = strcmp(role, WS_ROLE_STAGING) == 0;

	if (body == NULL || labels == NULL ||
	    json_object_object_add(labels, staging ? WS_LABEL_STAGING : WS_LABEL_WORKSPACE,
	        json_object_new_string(name)) != 0 ||
	    json_object_object_add(labels, WS_LABEL_ROLE, json_object_new_string(role)) != 0 ||
	    json_object_object_add(labels, WS_LABEL_OWNER, json_object_new_string(owner)) != 0 ||
	    (clone != NULL && clone[0] != '\0' &&
	    json_object_object_add(labels, WS_LABEL_CLONE, json_object_new_string(clone)) != 0) ||
	    json_object_object_add(body, "Name", json_object_new_string(vname)) != 0) {
		json_object_put(labels);
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if (json_object_object_add(body, "Labels", labels) != 0) {
		json_object_put(labels);
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	rc = ws_d_call(impl, "POST", "/volumes/create",
	    json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), 201, 200, NULL, why, whylen);
out:
	json_object_put(body);
	return rc;
}

static ws_err ws_d_volume_remove(void *impl, const char *vname, int *found, char *why,
    size_t whylen)
{
	char path[160];

	snprintf(path, sizeof(path), "/volumes/%s", vname);
	return ws_d_delete(impl, path, found, why, whylen);
}

static ws_err ws_d_network(void *impl, const char *net, char *why, size_t whylen)
{
	char path[160];
	const char *body;
	ws_err rc;

	snprintf(path, sizeof(path), "/networks/%s", net);
	if ((rc = ws_d_call(impl, "GET", path, NULL, 200, 200, NULL, why, whylen)) != WS_ERR_NOT_FOUND)
		return rc;
	body = "{\"Name\":\"" WS_NETWORK "\",\"Driver\":\"bridge\",\"CheckDuplicate\":true,"
	    "\"Options\":{\"com.docker.network.bridge.enable_icc\":\"false\"},"
	    "\"Labels\":{\"org.wsgate.network\":\"workspaces\"}}";
	rc = ws_d_call(impl, "POST", "/networks/create", body, 201, 201, NULL, why, whylen);
	return rc == WS_ERR_CONFLICT ? WS_OK : rc;   /* made by someone else meanwhile */
}

static ws_err ws_d_volume_users(void *impl, const char *vname, char *users, size_t len,
    char *why, size_t whylen)
{
	struct json_object *reply = NULL, *names;
	char path[300], *esc = ws_docker_escape(vname);
	size_t i, n = 0;
	ws_err rc;

	if (esc == NULL)
		return WS_ERR_NOMEM;
	/* filters={"volume":["VNAME"]} */
	snprintf(path, sizeof(path), "/containers/json?all=1&filters=%%7B%%22volume%%22%%3A%%5B%%22%s%%22%%5D%%7D", esc);
	free(esc);
	users[0] = '\0';
	if ((rc = ws_d_call(impl, "GET", path, NULL, 200, 200, &reply, why, whylen)) != WS_OK)
		return rc;
	for (i = 0; json_object_is_type(reply, json_type_array) && i < json_object_array_length(reply); i++) {
		const char *c = NULL;

		if (json_object_object_get_ex(json_object_array_get_idx(reply, i), "Names", &names) &&
		    json_object_is_type(names, json_type_array) && json_object_array_length(names) > 0)
			c = json_object_get_string(json_object_array_get_idx(names, 0));
		if (c == NULL)
			continue;
		c += c[0] == '/';
		n += (size_t)snprintf(users + n, n < len ? len - n : 0, "%s%s", n ? " " : "", c);
		if (n >= len)
			break;
	}
	json_object_put(reply);
	return WS_OK;
}

/* Appends to *out what a list reply holds: containers (names from their
 * label) or volumes. */
static ws_err ws_d_collect(struct json_object *arr, int volumes, struct ws_listed **out,
    size_t *count)
{
	struct json_object *item, *labels, *names, *v;
	struct ws_listed *grown, *l;
	const char *ws, *obj;
	size_t i, n = json_object_array_length(arr);

	if ((grown = realloc(*out, (*count + n + 1) * sizeof(**out))) == NULL)
		return WS_ERR_NOMEM;
	*out = grown;
	for (i = 0; i < n; i++) {
		item = json_object_array_get_idx(arr, i);
		if (!json_object_object_get_ex(item, "Labels", &labels) ||
		    !json_object_object_get_ex(labels, WS_LABEL_WORKSPACE, &v) ||
		    (ws = json_object_get_string(v)) == NULL || strlen(ws) >= sizeof(grown->workspace))
			continue;
		obj = NULL;
		if (volumes && json_object_object_get_ex(item, "Name", &v))
			obj = json_object_get_string(v);
		else if (!volumes && json_object_object_get_ex(item, "Names", &names) &&
		    json_object_is_type(names, json_type_array) && json_object_array_length(names) > 0)
			obj = json_object_get_string(json_object_array_get_idx(names, 0));
		if (obj == NULL)
			continue;
		obj += obj[0] == '/';   /* container names come as "/name" */
		l = &grown[(*count)++];
		memset(l, 0, sizeof(*l));
		l->is_volume = volumes;
		snprintf(l->workspace, sizeof(l->workspace), "%s", ws);
		snprintf(l->object, sizeof(l->object), "%.*s", (int)sizeof(l->object) - 1, obj);
		if (json_object_object_get_ex(labels, WS_LABEL_OWNER, &v) &&
		    json_object_get_string(v) != NULL && strlen(json_object_get_string(v)) < sizeof(l->owner))
			snprintf(l->owner, sizeof(l->owner), "%s", json_object_get_string(v));
	}
	return WS_OK;
}

static ws_err ws_d_list(void *impl, struct ws_listed **out, size_t *count, char *why,
    size_t whylen)
{
	struct json_object *reply = NULL, *vols;
	struct ws_listed *list = NULL;
	size_t n = 0;
	long status = 0;
	ws_err rc;

	rc = ws_docker_request(impl, "GET", "/containers/json?all=1&" WS_D_LABEL_FILTER, NULL,
	    &status, &reply);
	if (rc == WS_OK && (status != 200 || !json_object_is_type(reply, json_type_array)))
		rc = WS_ERR_DOCKER;
	if (rc == WS_OK)
		rc = ws_d_collect(reply, 0, &list, &n);
	json_object_put(reply);
	reply = NULL;
	if (rc == WS_OK)
		rc = ws_docker_request(impl, "GET", "/volumes?" WS_D_LABEL_FILTER, NULL, &status, &reply);
	if (rc == WS_OK && (status != 200 || !json_object_object_get_ex(reply, "Volumes", &vols) ||
	    !json_object_is_type(vols, json_type_array)))
		rc = WS_ERR_DOCKER;
	if (rc == WS_OK)
		rc = ws_d_collect(vols, 1, &list, &n);
	if (ws_docker_unreachable(rc)) {
		ws_docker_why(impl, rc, why, whylen);
		free(list);
	} else if (rc != WS_OK) {
		snprintf(why, whylen, "the Docker engine did not list workspaces (%s)", ws_err_str(rc));
		free(list);
	} else {
		*out = list;
		*count = n;
	}
	json_object_put(reply);
	return rc;
}

static ws_err ws_d_ports(void *impl, int port_min, int port_max, unsigned char *used, char *why,
    size_t whylen)
{
	struct json_object *reply = NULL;
	long status = 0;
	ws_err rc = ws_docker_request(impl, "GET", "/containers/json?all=1", NULL, &status, &reply);

	if (rc == WS_OK && status != 200)
		rc = WS_ERR_DOCKER;
	if (rc == WS_OK)
		rc = ws_container_ports_in_use(reply, port_min, port_max, used);
	if (ws_docker_unreachable(rc))
		ws_docker_why(impl, rc, why, whylen);
	else if (rc != WS_OK)
		snprintf(why, whylen, "the Docker engine did not list containers (%s)", ws_err_str(rc));
	json_object_put(reply);
	return rc;
}

static ws_err ws_d_exec(void *impl, const char *cname, const char *user, const char *cmd, int i,
    ws_exec_line_fn fn, void *arg, int *exit_code, char *why, size_t whylen)
{
	return ws_exec_run(impl, cname, user, cmd, i, fn, arg, exit_code, why, whylen);
}

/* In a jail: does the engine's process list (docker top's JSON) show an
 * sshd session? Writes '1', '0', or '?' when it is not one. */
static void ws_top_jailed(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put,
    void *ctx)
{
	struct json_tokener *tok = json_tokener_new_ex(WS_TOP_MAX_DEPTH);
	struct json_object *reply = NULL, *procs, *titles, *row, *cmd;
	size_t i, col = 1;
	char open = '0';

	(void)arg;
	if (tok != NULL && len <= WS_DOCKER_MAX_TOP)
		reply = json_tokener_parse_ex(tok, (const char *)in, (int)len);
	json_tokener_free(tok);
	if (reply == NULL || !json_object_object_get_ex(reply, "Processes", &procs) ||
	    !json_object_is_type(procs, json_type_array)) {
		put(ctx, "?", 1);
		json_object_put(reply);
		return;
	}
	if (json_object_object_get_ex(reply, "Titles", &titles) &&
	    json_object_is_type(titles, json_type_array))
		for (i = 0; i < json_object_array_length(titles); i++) {
			const char *t = json_object_get_string(json_object_array_get_idx(titles, i));
			if (t != NULL && strcmp(t, "COMMAND") == 0)
				col = i;
		}
	for (i = 0; i < json_object_array_length(procs) && open == '0'; i++) {
		row = json_object_array_get_idx(procs, i);
		cmd = json_object_is_type(row, json_type_array) ? json_object_array_get_idx(row, col) : NULL;
		if (cmd != NULL && json_object_is_type(cmd, json_type_string) &&
		    strncmp(json_object_get_string(cmd), "sshd: workspace", 15) == 0)
			open = '1';
	}
	put(ctx, &open, 1);
	json_object_put(reply);
}

/* Are sshd session processes running in it (docker top)? The list names
 * the workspace's processes as it wrote them: read in a jail (jail.h). */
static int ws_d_sessions_open(void *impl, const char *cname)
{
	struct ws_dynbuf *buf = NULL, *ans = ws_dynbuf_new(8);
	char path[200];
	long status = 0;
	int open = 1;

	/* The engine needs a PID column to match processes to the container. */
	snprintf(path, sizeof(path), "/containers/%s/top?ps_args=-eo%%20pid,args", cname);
	if (ans != NULL &&
	    ws_docker_request_raw(impl, "GET", path, NULL, WS_DOCKER_MAX_TOP, &status, &buf) == WS_OK &&
	    status == 200 &&
	    ws_jail_run("a process list", ws_top_jailed, (const unsigned char *)ws_dynbuf_ptr(buf),
	    ws_dynbuf_len(buf), NULL, ans) == WS_OK && ws_dynbuf_len(ans) == 1 &&
	    ws_dynbuf_ptr(ans)[0] != '?')
		open = ws_dynbuf_ptr(ans)[0] == '1';
	else
		ws_warn("cannot list the processes of %s; taking it as in use", cname);
	ws_dynbuf_free(buf);
	ws_dynbuf_free(ans);
	return open;
}

/* In a jail: the time of the last sshd session line of a log, in decimal. */
static void ws_log_jailed(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put,
    void *ctx)
{
	char t[24];
	int n = snprintf(t, sizeof(t), "%ld", (long)ws_sshdlog_last_session(in, len));

	(void)arg;
	put(ctx, t, (size_t)n);
}

static long ws_d_last_session(void *impl, const char *cname)
{
	struct ws_dynbuf *buf = NULL, *ans = ws_dynbuf_new(24);
	char path[200], *end = NULL;
	long status = 0, t = 0;

	snprintf(path, sizeof(path),
	    "/containers/%s/logs?stdout=1&stderr=1&timestamps=1&tail=200", cname);
	if (ans != NULL &&
	    ws_docker_request_raw(impl, "GET", path, NULL, WS_DOCKER_MAX_LOG, &status, &buf) == WS_OK &&
	    status == 200) {
		/* Read, but not understood: it cannot tell (-1), not "never". */
		t = -1;
		if (ws_jail_run("an sshd log", ws_log_jailed, (const unsigned char *)ws_dynbuf_ptr(buf),
		    ws_dynbuf_len(buf), NULL, ans) == WS_OK) {
			t = strtol(ws_dynbuf_ptr(ans), &end, 10);
			if (end == ws_dynbuf_ptr(ans) || *end != '\0' || t < 0)
				t = -1;
		}
	}
	ws_dynbuf_free(buf);
	ws_dynbuf_free(ans);
	return t;
}

/* GET /_ping: "OK" from an engine that answers (the body is not read). */
static ws_err ws_d_ping(void *impl, char *why, size_t whylen)
{
	struct ws_dynbuf *out = NULL;
	long status = 0;
	ws_err rc = ws_docker_request_raw(impl, "GET", "/_ping", NULL, 64, &status, &out);

	ws_dynbuf_free(out);
	if (rc != WS_OK) {
		ws_docker_why(impl, rc, why, whylen);
		return rc == WS_ERR_DOCKER_DOWN || rc == WS_ERR_DOCKER_DENIED ||
		    rc == WS_ERR_DOCKER_NO_SOCKET || rc == WS_ERR_TIMEOUT ? rc : WS_ERR_DOCKER;
	}
	if (status != 200) {
		snprintf(why, whylen, "the Docker engine answered /_ping with status %ld", status);
		return WS_ERR_DOCKER;
	}
	return WS_OK;
}

/* One sample, at once: one-shot=true (API 1.41) skips the engine's own
 * second sample a second later; the caller takes two to have a CPU rate. */
static ws_err ws_d_stats(void *impl, const char *cname, struct ws_cstats *st, char *why,
    size_t whylen)
{
	struct json_object *reply = NULL;
	char path[200];
	ws_err rc;

	snprintf(path, sizeof(path), "/containers/%s/stats?stream=false&one-shot=true", cname);
	if ((rc = ws_d_call(impl, "GET", path, NULL, 200, 200, &reply, why, whylen)) == WS_OK &&
	    ws_cstats_parse(reply, st) != WS_OK) {
		snprintf(why, whylen, "the Docker engine sent an unreadable reply");
		rc = WS_ERR_DOCKER;
	}
	json_object_put(reply);
	return rc;
}

/* GET /system/df: the engine measures every volume as it answers. */
static ws_err ws_d_disk(void *impl, struct ws_du **out, char *why, size_t whylen)
{
	struct json_object *reply = NULL;
	ws_err rc = ws_d_call(impl, "GET", "/system/df", NULL, 200, 200, &reply, why, whylen);

	if (rc == WS_OK && (rc = ws_du_parse(reply, out)) != WS_OK)
		snprintf(why, whylen, "%s", rc == WS_ERR_NOMEM ? "out of memory" :
		    "the Docker engine sent an unreadable reply to /system/df");
	if (rc == WS_ERR_INVALID)
		rc = WS_ERR_DOCKER;
	json_object_put(reply);
	return rc;
}

const struct ws_engine_ops ws_engine_docker = {
	.kind = "docker",
	.open = ws_d_open,
	.close = ws_d_close,
	.inspect = ws_d_inspect,
	.create = ws_d_create,
	.action = ws_d_action,
	.remove = ws_d_remove,
	.rename = ws_d_rename,
	.volume = ws_d_volume,
	.volume_create = ws_d_volume_create,
	.volume_remove = ws_d_volume_remove,
	.network = ws_d_network,
	.volume_users = ws_d_volume_users,
	.list = ws_d_list,
	.ports = ws_d_ports,
	.exec = ws_d_exec,
	.sessions_open = ws_d_sessions_open,
	.last_session = ws_d_last_session,
	.ping = ws_d_ping,
	.helper = ws_d_helper,
	.stats = ws_d_stats,
	.disk = ws_d_disk,
};
