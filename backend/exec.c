#include "exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"
#include "jail.h"
#include "log.h"

#define WS_EXEC_LINE_MAX 1024

/* Feeds bytes to fn line by line, keeping a partial line in *line. */
static void ws_lines(const unsigned char *p, size_t n, char *line, size_t *used, int i,
    ws_exec_line_fn fn, void *arg)
{
	size_t k;

	for (k = 0; k < n; k++) {
		if (p[k] == '\n' || *used == WS_EXEC_LINE_MAX - 1) {
			line[*used] = '\0';
			fn(arg, i, line);
			*used = 0;
			if (p[k] == '\n')
				continue;
		}
		if (p[k] != '\r')
			line[(*used)++] = p[k] == '\0' ? '?' : (char)p[k];
	}
}

void ws_exec_demux(const unsigned char *buf, size_t len, int i, ws_exec_line_fn fn, void *arg)
{
	char line[WS_EXEC_LINE_MAX];
	size_t off = 0, used = 0, size;

	while (len - off >= 8) {
		size = ((size_t)buf[off + 4] << 24) | ((size_t)buf[off + 5] << 16) |
		    ((size_t)buf[off + 6] << 8) | (size_t)buf[off + 7];
		off += 8;
		if (size > len - off)
			size = len - off;
		ws_lines(buf + off, size, line, &used, i, fn, arg);
		off += size;
	}
	if (used > 0) {
		line[used] = '\0';
		fn(arg, i, line);
	}
}

/* POST /containers/CNAME/exec: returns the exec id in id. */
static ws_err ws_exec_create(struct ws_docker *d, const char *cname, const char *user,
    const char *cmd, char *id, size_t idlen, char *why, size_t whylen)
{
	struct json_object *body = json_object_new_object(), *argv = json_object_new_array();
	struct json_object *reply = NULL, *v;
	char path[160];
	long status = 0;
	ws_err rc = WS_ERR_NOMEM;

	if (body == NULL || argv == NULL ||
	    json_object_array_add(argv, json_object_new_string("bash")) != 0 ||
	    json_object_array_add(argv, json_object_new_string("-lc")) != 0 ||
	    json_object_array_add(argv, json_object_new_string(cmd)) != 0 ||
	    json_object_object_add(body, "Cmd", argv) != 0) {
		json_object_put(argv);
		goto out;
	}
	if (json_object_object_add(body, "User", json_object_new_string(user)) != 0 ||
	    json_object_object_add(body, "AttachStdout", json_object_new_boolean(1)) != 0 ||
	    json_object_object_add(body, "AttachStderr", json_object_new_boolean(1)) != 0 ||
	    json_object_object_add(body, "WorkingDir", json_object_new_string("/home/workspace")) != 0)
		goto out;
	snprintf(path, sizeof(path), "/containers/%s/exec", cname);
	rc = ws_docker_request(d, "POST", path,
	    json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), &status, &reply);
	if (rc != WS_OK) {
		ws_docker_why(d, rc, why, whylen);
	} else if (status != 201 || !json_object_object_get_ex(reply, "Id", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(why, whylen, "exec refused: %s", ws_docker_message(reply));
		rc = WS_ERR_DOCKER;
	} else {
		snprintf(id, idlen, "%.64s", json_object_get_string(v));
	}
out:
	json_object_put(body);
	json_object_put(reply);
	return rc;
}

/* The jail's side of ws_exec_lines: each line, with a newline. */
struct ws_jailed_lines {
	ws_jail_put_fn put;
	void *ctx;
};

static void ws_put_line(void *arg, int i, const char *line)
{
	struct ws_jailed_lines *j = arg;

	(void)i;
	j->put(j->ctx, line, strlen(line));
	j->put(j->ctx, "\n", 1);
}

static void ws_demux_jailed(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put,
    void *ctx)
{
	struct ws_jailed_lines j = { put, ctx };

	(void)arg;
	ws_exec_demux(in, len, 0, ws_put_line, &j);
}

/* The output's lines to fn, demultiplexed in a jail (jail.h): the stream
 * is the workspace's to shape. What comes back is split again here, each
 * line cut to WS_EXEC_LINE_MAX. */
static void ws_exec_lines(const unsigned char *buf, size_t len, int i, ws_exec_line_fn fn, void *arg)
{
	struct ws_dynbuf *out = ws_dynbuf_new(2 * WS_EXEC_MAX_OUTPUT + 2);
	char line[WS_EXEC_LINE_MAX];
	const char *p, *end, *nl;
	size_t n;

	if (out == NULL || ws_jail_run("a command's output", ws_demux_jailed, buf, len, NULL, out) !=
	    WS_OK) {
		ws_warn("the output of a command could not be read");
		goto out;
	}
	p = ws_dynbuf_ptr(out);
	end = p + ws_dynbuf_len(out);
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl != NULL ? nl : end) - p);
		snprintf(line, sizeof(line), "%.*s", (int)(n < sizeof(line) ? n : sizeof(line) - 1), p);
		fn(arg, i, line);
		p += n + 1;
	}
out:
	ws_dynbuf_free(out);
}

ws_err ws_exec_run(struct ws_docker *d, const char *cname, const char *user, const char *cmd,
    int i, ws_exec_line_fn fn, void *arg, int *exit_code, char *why, size_t whylen)
{
	struct ws_dynbuf *out = NULL;
	struct json_object *reply = NULL, *v;
	char id[80], path[200];
	long status = 0;
	ws_err rc;

	if ((rc = ws_exec_create(d, cname, user, cmd, id, sizeof(id), why, whylen)) != WS_OK)
		return rc;
	snprintf(path, sizeof(path), "/exec/%s/start", id);
	rc = ws_docker_request_raw(d, "POST", path, "{\"Detach\":false,\"Tty\":false}",
	    WS_EXEC_MAX_OUTPUT, &status, &out);
	if (rc == WS_ERR_TOO_LARGE) {
		ws_warn("output of a command in %s cut at %zu KiB", cname, WS_EXEC_MAX_OUTPUT / 1024);
	} else if (rc != WS_OK) {
		snprintf(why, whylen, "exec did not finish: %s", ws_err_str(rc));
		goto out;
	} else {
		ws_exec_lines((const unsigned char *)ws_dynbuf_ptr(out), ws_dynbuf_len(out), i, fn, arg);
	}
	snprintf(path, sizeof(path), "/exec/%s/json", id);
	rc = ws_docker_request(d, "GET", path, NULL, &status, &reply);
	if (rc != WS_OK || status != 200 || !json_object_object_get_ex(reply, "ExitCode", &v)) {
		snprintf(why, whylen, "exec result unreadable");
		rc = rc == WS_OK ? WS_ERR_DOCKER : rc;
		goto out;
	}
	*exit_code = json_object_get_int(v);
	rc = WS_OK;
out:
	json_object_put(reply);
	ws_dynbuf_free(out);
	return rc;
}
