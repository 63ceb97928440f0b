#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "exec.h"
#include "log.h"
#include "strv.h"
#include "workspace.h"

#define WS_ADMIN_MAX_LOG ((size_t)256 * 1024)

time_t ws_admin_parse_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	if (tm.tm_year < 71)
		return 0;
	return timegm(&tm);
}

/* Remembers the newest time of an sshd session line. */
static void ws_log_line(void *arg, int i, const char *line)
{
	time_t *last = arg, t;

	(void)i;
	if (strstr(line, " Accepted ") == NULL && strstr(line, " Disconnected from user ") == NULL &&
	    strstr(line, " Received disconnect from ") == NULL)
		return;
	if ((t = ws_admin_parse_time(line)) > *last)
		*last = t;
}

time_t ws_admin_last_session(const unsigned char *buf, size_t len)
{
	time_t last = 0;

	ws_exec_demux(buf, len, 0, ws_log_line, &last);
	return last;
}

/* Are sshd session processes running in it (docker top)? */
static int ws_sessions_open(struct ws_docker *d, const char *name)
{
	struct json_object *reply = NULL, *procs, *titles, *row, *cmd;
	char path[200];
	long status = 0;
	size_t i, col = 1;
	int open = 0;

	/* The engine needs a PID column to match processes to the container. */
	snprintf(path, sizeof(path), "/containers/workspace-%s/top?ps_args=-eo%%20pid,args", name);
	if (ws_docker_request(d, "GET", path, NULL, &status, &reply) != WS_OK || status != 200 ||
	    !json_object_object_get_ex(reply, "Processes", &procs) ||
	    !json_object_is_type(procs, json_type_array)) {
		ws_warn("cannot list the processes of workspace %s; taking it as in use", name);
		open = 1;
		goto out;
	}
	if (json_object_object_get_ex(reply, "Titles", &titles) &&
	    json_object_is_type(titles, json_type_array))
		for (i = 0; i < json_object_array_length(titles); i++) {
			const char *t = json_object_get_string(json_object_array_get_idx(titles, i));
			if (t != NULL && strcmp(t, "COMMAND") == 0)
				col = i;
		}
	for (i = 0; i < json_object_array_length(procs) && !open; i++) {
		row = json_object_array_get_idx(procs, i);
		cmd = json_object_is_type(row, json_type_array) ? json_object_array_get_idx(row, col) : NULL;
		if (cmd != NULL && json_object_is_type(cmd, json_type_string) &&
		    strncmp(json_object_get_string(cmd), "sshd: workspace", 15) == 0)
			open = 1;
	}
out:
	json_object_put(reply);
	return open;
}

static time_t ws_last_log(struct ws_docker *d, const char *name)
{
	struct ws_dynbuf *buf = NULL;
	char path[200];
	long status = 0;
	time_t t = 0;

	snprintf(path, sizeof(path),
	    "/containers/workspace-%s/logs?stdout=1&stderr=1&timestamps=1&tail=200", name);
	if (ws_docker_request_raw(d, "GET", path, NULL, WS_ADMIN_MAX_LOG, &status, &buf) == WS_OK &&
	    status == 200)
		t = ws_admin_last_session((const unsigned char *)ws_dynbuf_ptr(buf), ws_dynbuf_len(buf));
	ws_dynbuf_free(buf);
	return t;
}

ws_err ws_admin_info(struct ws_docker *d, const char *name, struct ws_admin_info *out,
    char *why, size_t whylen)
{
	struct ws_admin_info a;
	time_t t;
	ws_err rc;

	memset(&a, 0, sizeof(a));
	if ((rc = ws_workspace_inspect(d, name, &a.c, why, whylen)) != WS_OK)
		return rc;
	if (!a.c.managed)
		return WS_ERR_NOT_FOUND;
	a.last_used = ws_admin_parse_time(a.c.started);
	if (a.last_used == 0)
		a.last_used = ws_admin_parse_time(a.c.created);
	if (a.c.state == WS_CSTATE_RUNNING) {
		a.active = ws_sessions_open(d, name);
		if (a.active)
			a.last_used = time(NULL);
	}
	if (!a.active && (t = ws_last_log(d, name)) > a.last_used)
		a.last_used = t;
	*out = a;
	return WS_OK;
}

static int ws_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

ws_err ws_admin_list(struct ws_docker *d, char ***names, char *why, size_t whylen)
{
	struct json_object *reply = NULL, *labels, *v;
	char **list = NULL;
	long status = 0;
	size_t i, n, k = 0;
	ws_err rc;

	rc = ws_docker_request(d, "GET",
	    "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22" WS_LABEL_WORKSPACE "%22%5D%7D",
	    NULL, &status, &reply);
	if (rc != WS_OK || status != 200 || !json_object_is_type(reply, json_type_array)) {
		snprintf(why, whylen, "the Docker engine did not list containers (%s)",
		    rc != WS_OK ? ws_err_str(rc) : ws_docker_message(reply));
		rc = rc != WS_OK ? rc : WS_ERR_DOCKER;
		goto out;
	}
	n = json_object_array_length(reply);
	rc = WS_ERR_NOMEM;
	if ((list = calloc(n + 1, sizeof(*list))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(reply, i);
		if (!json_object_object_get_ex(c, "Labels", &labels) ||
		    !json_object_object_get_ex(labels, WS_LABEL_WORKSPACE, &v) ||
		    !json_object_is_type(v, json_type_string))
			continue;
		if ((list[k++] = strdup(json_object_get_string(v))) == NULL)
			goto out;
	}
	qsort(list, k, sizeof(*list), ws_cmp);
	*names = list;
	list = NULL;
	rc = WS_OK;
out:
	ws_strv_free(list);
	json_object_put(reply);
	return rc;
}

ws_err ws_admin_stop(struct ws_docker *d, const char *name, char *why, size_t whylen)
{
	return ws_workspace_action(d, name, "stop?t=10", why, whylen);
}

/* DELETE path; 404 counts as done. Sets *found when something was there. */
static ws_err ws_delete(struct ws_docker *d, const char *path, int *found, char *why,
    size_t whylen)
{
	struct json_object *reply = NULL;
	long status = 0;
	ws_err rc = ws_docker_request(d, "DELETE", path, NULL, &status, &reply);

	if (rc != WS_OK) {
		snprintf(why, whylen, "the Docker engine did not answer (%s)", ws_err_str(rc));
	} else if (status == 204 || status == 200) {
		*found = 1;
	} else if (status != 404) {
		snprintf(why, whylen, "Docker engine error: %s", ws_docker_message(reply));
		rc = WS_ERR_DOCKER;
	}
	json_object_put(reply);
	return rc;
}

ws_err ws_admin_delete(struct ws_docker *d, const char *name, char *why, size_t whylen)
{
	char path[200];
	int found = 0;
	ws_err rc;

	/* The container first: its volumes cannot go while it holds them. */
	snprintf(path, sizeof(path), "/containers/workspace-%s?force=1&v=0", name);
	if ((rc = ws_delete(d, path, &found, why, whylen)) != WS_OK)
		return rc;
	snprintf(path, sizeof(path), "/volumes/workspace-%s", name);
	if ((rc = ws_delete(d, path, &found, why, whylen)) != WS_OK)
		return rc;
	snprintf(path, sizeof(path), "/volumes/workspace-%s-docker", name);
	if ((rc = ws_delete(d, path, &found, why, whylen)) != WS_OK)
		return rc;
	return found ? WS_OK : WS_ERR_NOT_FOUND;
}
