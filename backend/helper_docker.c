/* helper_docker.c — engine.h's helper on Docker: create a container that
 * runs argv with the volumes and its data pipe (helperio.h) mounted, attach
 * to it as a bare stream (dockerstream.h) for its stderr and its end, start
 * it, move its data, wait for its exit status, remove it. Attaching before
 * starting loses no output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "docker.h"
#include "dockerstream.h"
#include "engine_docker_int.h"
#include "helperio.h"
#include "jsonbuild.h"
#include "log.h"

#define WS_LABEL_HELPER "org.wsgate.helper"
/* A helper's memory (no swap beyond it) and processes. Its tar or cp needs
 * little; a hostile archive can ask GNU tar for as much as it likes (a long
 * name or a pax header is held whole: a few MB of zstd make gigabytes), which
 * without a limit the host's memory pays for. */
#define WS_HELPER_MEMORY ((int64_t)1024 * 1024 * 1024)
#define WS_HELPER_PIDS 64

/* What copying files as root needs, and nothing else (Docker's default set
 * also has NET_RAW, SETUID, SETGID, KILL, AUDIT_WRITE, SYS_CHROOT...). */
static const char *const ws_helper_caps[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "MKNOD", "SETFCAP", NULL,
};

static struct json_object *ws_helper_hostconfig(const struct ws_helper *h, const char *io_dir)
{
	struct json_object *hc = json_object_new_object(), *mounts = json_object_new_array(),
	    *drop = json_object_new_array(), *add = json_object_new_array(),
	    *sec = json_object_new_array(), *log = json_object_new_object(), *m;
	size_t i;
	int bad = hc == NULL;

	bad |= ws_json_push(drop, json_object_new_string("ALL"));
	for (i = 0; ws_helper_caps[i] != NULL; i++)
		bad |= ws_json_push(add, json_object_new_string(ws_helper_caps[i]));
	if (h->sys_admin)
		bad |= ws_json_push(add, json_object_new_string("SYS_ADMIN"));
	bad |= ws_json_push(sec, json_object_new_string("no-new-privileges"));
	bad |= ws_json_add(log, "Type", json_object_new_string("none"));
	for (i = 0; i < h->nmounts; i++) {
		if ((m = json_object_new_object()) == NULL) {
			bad = 1;
			break;
		}
		bad |= ws_json_add(m, "Type", json_object_new_string("volume"));
		bad |= ws_json_add(m, "Source", json_object_new_string(h->mounts[i].volume));
		bad |= ws_json_add(m, "Target", json_object_new_string(h->mounts[i].target));
		bad |= ws_json_add(m, "ReadOnly", json_object_new_boolean(h->mounts[i].readonly));
		bad |= ws_json_push(mounts, m);
	}
	if (io_dir != NULL && (m = json_object_new_object()) != NULL) {
		bad |= ws_json_add(m, "Type", json_object_new_string("bind"));
		bad |= ws_json_add(m, "Source", json_object_new_string(io_dir));
		bad |= ws_json_add(m, "Target", json_object_new_string(WS_HELPER_IO_DIR));
		bad |= ws_json_push(mounts, m);
	} else if (io_dir != NULL) {
		bad = 1;
	}
	bad |= ws_json_add(hc, "Mounts", mounts);
	bad |= ws_json_add(hc, "CapDrop", drop);
	bad |= ws_json_add(hc, "CapAdd", add);
	bad |= ws_json_add(hc, "SecurityOpt", sec);
	bad |= ws_json_add(hc, "LogConfig", log);
	bad |= ws_json_add(hc, "NetworkMode", json_object_new_string("none"));
	bad |= ws_json_add(hc, "ReadonlyRootfs", json_object_new_boolean(1));
	bad |= ws_json_add(hc, "Memory", json_object_new_int64(WS_HELPER_MEMORY));
	bad |= ws_json_add(hc, "MemorySwap", json_object_new_int64(WS_HELPER_MEMORY));
	bad |= ws_json_add(hc, "PidsLimit", json_object_new_int64(WS_HELPER_PIDS));
	if (bad) {
		json_object_put(hc);
		return NULL;
	}
	return hc;
}

/* The create request's body, as a string the caller frees. */
static char *ws_helper_body(const struct ws_helper *h, const char *io_dir)
{
	struct json_object *b = json_object_new_object(), *argv = json_object_new_array(),
	    *labels = json_object_new_object();
	char *s = NULL;
	size_t i;
	int bad = b == NULL;

	for (i = 0; h->argv[i] != NULL; i++)
		bad |= ws_json_push(argv, json_object_new_string(h->argv[i]));
	bad |= ws_json_add(labels, WS_LABEL_HELPER, json_object_new_string(h->purpose));
	bad |= ws_json_add(b, "Image", json_object_new_string(h->image));
	/* An entrypoint of ours: the image's command is not appended to it. */
	bad |= ws_json_add(b, "Entrypoint", argv);
	bad |= ws_json_add(b, "User", json_object_new_string("0:0"));
	bad |= ws_json_add(b, "WorkingDir", json_object_new_string("/"));
	bad |= ws_json_add(b, "AttachStdout", json_object_new_boolean(1));
	bad |= ws_json_add(b, "AttachStderr", json_object_new_boolean(1));
	bad |= ws_json_add(b, "Tty", json_object_new_boolean(0));
	bad |= ws_json_add(b, "NetworkDisabled", json_object_new_boolean(1));
	bad |= ws_json_add(b, "Labels", labels);
	bad |= ws_json_add(b, "HostConfig", ws_helper_hostconfig(h, io_dir));
	if (!bad)
		s = strdup(json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
	json_object_put(b);
	return s;
}

/* Attaches (for its stderr and its end), starts and pumps the created
 * container id, its data through io. */
static ws_err ws_helper_attached(void *impl, struct ws_helper *h, struct ws_hio *io, const char *id,
    char *why, size_t whylen)
{
	unsigned char *extra = malloc(WS_DSTREAM_HEAD_MAX);
	char path[128];
	size_t nextra = 0;
	int fd = -1;
	ws_err rc;

	if (extra == NULL)
		return WS_ERR_NOMEM;
	if ((rc = ws_dstream_attach(ws_docker_socket(impl), id, ws_docker_timeout(impl), &fd, extra,
	    &nextra, why, whylen)) != WS_OK)
		goto out;
	snprintf(path, sizeof(path), "/containers/%s/start", id);
	if ((rc = ws_d_call(impl, "POST", path, NULL, 204, 304, NULL, why, whylen)) != WS_OK)
		goto out;
	rc = ws_hio_pump(io, h, fd, extra, nextra, why, whylen);
out:
	if (fd >= 0)
		close(fd);
	free(extra);
	return rc;
}

static ws_err ws_helper_wait(void *impl, const char *id, int *code, char *why, size_t whylen)
{
	struct json_object *r = NULL, *v;
	char path[128];
	ws_err rc;

	snprintf(path, sizeof(path), "/containers/%s/wait", id);
	if ((rc = ws_d_call(impl, "POST", path, NULL, 200, 200, &r, why, whylen)) != WS_OK)
		return rc;
	if (!json_object_object_get_ex(r, "StatusCode", &v) || !json_object_is_type(v, json_type_int)) {
		snprintf(why, whylen, "the engine's wait reply has no status code");
		rc = WS_ERR_DOCKER;
	} else {
		*code = json_object_get_int(v);
	}
	json_object_put(r);
	return rc;
}

/* The id of the container just created, from the reply. */
static ws_err ws_helper_id(struct json_object *r, char *id, size_t idlen)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(r, "Id", &v) || !json_object_is_type(v, json_type_string))
		return WS_ERR_DOCKER;
	s = json_object_get_string(v);
	if (strlen(s) >= idlen || strspn(s, "0123456789abcdef") != strlen(s))
		return WS_ERR_DOCKER;
	snprintf(id, idlen, "%s", s);
	return WS_OK;
}

/* A helper of that name is there: busy when it runs; one left by a crash
 * (stopped, or never started) goes. WS_OK when it went. */
static ws_err ws_helper_stale(void *impl, const char *cname, char *why, size_t whylen)
{
	struct json_object *r = NULL, *st, *running;
	char path[160];
	int busy;
	ws_err rc;

	snprintf(path, sizeof(path), "/containers/%s/json", cname);
	if ((rc = ws_d_call(impl, "GET", path, NULL, 200, 200, &r, why, whylen)) != WS_OK)
		return rc == WS_ERR_NOT_FOUND ? WS_OK : rc;
	busy = !json_object_object_get_ex(r, "State", &st) ||
	    !json_object_object_get_ex(st, "Running", &running) || json_object_get_boolean(running);
	json_object_put(r);
	if (busy)
		return WS_ERR_CONFLICT;
	ws_warn("removing %s, a helper left by an earlier backup or restore", cname);
	snprintf(path, sizeof(path), "/containers/%s?force=1&v=0", cname);
	return ws_d_call(impl, "DELETE", path, NULL, 204, 404, NULL, why, whylen);
}

/* Creates the helper container cname; the reply in *r. */
static ws_err ws_helper_create(void *impl, const char *cname, const char *body,
    struct json_object **r, char *why, size_t whylen)
{
	char path[160];
	ws_err rc;
	int tries;

	snprintf(path, sizeof(path), "/containers/create?name=%s", cname);
	for (tries = 0; tries < 2; tries++) {
		rc = ws_d_call(impl, "POST", path, body, 201, 201, r, why, whylen);
		if (rc != WS_ERR_CONFLICT)
			break;
		if ((rc = ws_helper_stale(impl, cname, why, whylen)) != WS_OK)
			break;
	}
	if (rc == WS_ERR_CONFLICT)
		snprintf(why, whylen, "another backup or restore of this workspace is running (%s)", cname);
	return rc;
}

ws_err ws_d_helper(void *impl, const char *cname, struct ws_helper *h, char *why, size_t whylen)
{
	struct json_object *r = NULL;
	struct ws_hio *io = NULL;
	char *body = NULL, id[80] = "", path[128], dwhy[200];
	int code = -1;
	ws_err rc;

	h->err[0] = '\0';
	/* The data goes through a pipe on this host (helperio.h). */
	if ((rc = ws_hio_new(&io, why, whylen)) != WS_OK)
		return rc;
	if ((body = ws_helper_body(h, ws_hio_dir(io))) == NULL) {
		snprintf(why, whylen, "out of memory");
		rc = WS_ERR_NOMEM;
		goto out;
	}
	rc = ws_helper_create(impl, cname, body, &r, why, whylen);
	if (rc == WS_ERR_NOT_FOUND) {
		snprintf(why, whylen, "image %s is not on the engine", h->image);
		rc = WS_ERR_IMAGE_MISSING;
	}
	if (rc != WS_OK)
		goto out;
	if (ws_helper_id(r, id, sizeof(id)) != WS_OK) {
		snprintf(why, whylen, "the engine's create reply has no container id");
		rc = WS_ERR_DOCKER;
		goto out;
	}
	if ((rc = ws_helper_attached(impl, h, io, id, why, whylen)) == WS_OK &&
	    (rc = ws_helper_wait(impl, id, &code, why, whylen)) == WS_OK)
		h->exit_code = code;
out:
	if (id[0] != '\0') {
		snprintf(path, sizeof(path), "/containers/%s?force=1&v=0", id);
		if (ws_d_call(impl, "DELETE", path, NULL, 204, 404, NULL, dwhy, sizeof(dwhy)) != WS_OK)
			ws_warn("could not remove helper container %.12s: %s", id, dwhy);
	}
	json_object_put(r);
	free(body);
	ws_hio_free(io);
	return rc;
}
