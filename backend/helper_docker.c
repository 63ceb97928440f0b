/* helper_docker.c — engine.h's helper on Docker: create a container that
 * runs argv with the volumes mounted, attach to it as a bare stream
 * (dockerstream.h), start it, pump its stdin and stdout, wait for its exit
 * status, remove it. Attaching before starting loses no output. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "container.h"
#include "docker.h"
#include "dockerstream.h"
#include "engine_docker_int.h"
#include "log.h"

#define WS_HELPER_BUF 65536
#define WS_LABEL_HELPER "org.wsgate.helper"

/* What copying files as root needs, and nothing else (Docker's default set
 * also has NET_RAW, SETUID, SETGID, KILL, AUDIT_WRITE, SYS_CHROOT...). */
static const char *const ws_helper_caps[] = {
	"CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "MKNOD", "SETFCAP", NULL,
};

static int ws_jadd(struct json_object *o, const char *k, struct json_object *v)
{
	if (v == NULL)
		return 1;
	if (json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		return 1;
	}
	return 0;
}

static int ws_jpush(struct json_object *a, struct json_object *v)
{
	if (v == NULL)
		return 1;
	if (json_object_array_add(a, v) != 0) {
		json_object_put(v);
		return 1;
	}
	return 0;
}

static struct json_object *ws_helper_hostconfig(const struct ws_helper *h)
{
	struct json_object *hc = json_object_new_object(), *mounts = json_object_new_array(),
	    *drop = json_object_new_array(), *add = json_object_new_array(),
	    *sec = json_object_new_array(), *log = json_object_new_object(), *m;
	size_t i;
	int bad = hc == NULL;

	bad |= ws_jpush(drop, json_object_new_string("ALL"));
	for (i = 0; ws_helper_caps[i] != NULL; i++)
		bad |= ws_jpush(add, json_object_new_string(ws_helper_caps[i]));
	if (h->sys_admin)
		bad |= ws_jpush(add, json_object_new_string("SYS_ADMIN"));
	bad |= ws_jpush(sec, json_object_new_string("no-new-privileges"));
	bad |= ws_jadd(log, "Type", json_object_new_string("none"));
	for (i = 0; i < h->nmounts; i++) {
		if ((m = json_object_new_object()) == NULL) {
			bad = 1;
			break;
		}
		bad |= ws_jadd(m, "Type", json_object_new_string("volume"));
		bad |= ws_jadd(m, "Source", json_object_new_string(h->mounts[i].volume));
		bad |= ws_jadd(m, "Target", json_object_new_string(h->mounts[i].target));
		bad |= ws_jadd(m, "ReadOnly", json_object_new_boolean(h->mounts[i].readonly));
		bad |= ws_jpush(mounts, m);
	}
	bad |= ws_jadd(hc, "Mounts", mounts);
	bad |= ws_jadd(hc, "CapDrop", drop);
	bad |= ws_jadd(hc, "CapAdd", add);
	bad |= ws_jadd(hc, "SecurityOpt", sec);
	bad |= ws_jadd(hc, "LogConfig", log);
	bad |= ws_jadd(hc, "NetworkMode", json_object_new_string("none"));
	bad |= ws_jadd(hc, "ReadonlyRootfs", json_object_new_boolean(1));
	if (bad) {
		json_object_put(hc);
		return NULL;
	}
	return hc;
}

/* The create request's body, as a string the caller frees. */
static char *ws_helper_body(const struct ws_helper *h)
{
	struct json_object *b = json_object_new_object(), *argv = json_object_new_array(),
	    *labels = json_object_new_object();
	char *s = NULL;
	size_t i;
	int bad = b == NULL, in = h->in != NULL;

	for (i = 0; h->argv[i] != NULL; i++)
		bad |= ws_jpush(argv, json_object_new_string(h->argv[i]));
	bad |= ws_jadd(labels, WS_LABEL_HELPER, json_object_new_string(h->purpose));
	bad |= ws_jadd(b, "Image", json_object_new_string(h->image));
	/* An entrypoint of ours: the image's command is not appended to it. */
	bad |= ws_jadd(b, "Entrypoint", argv);
	bad |= ws_jadd(b, "User", json_object_new_string("0:0"));
	bad |= ws_jadd(b, "WorkingDir", json_object_new_string("/"));
	bad |= ws_jadd(b, "AttachStdin", json_object_new_boolean(in));
	bad |= ws_jadd(b, "OpenStdin", json_object_new_boolean(in));
	bad |= ws_jadd(b, "StdinOnce", json_object_new_boolean(in));
	bad |= ws_jadd(b, "AttachStdout", json_object_new_boolean(1));
	bad |= ws_jadd(b, "AttachStderr", json_object_new_boolean(1));
	bad |= ws_jadd(b, "Tty", json_object_new_boolean(0));
	bad |= ws_jadd(b, "NetworkDisabled", json_object_new_boolean(1));
	bad |= ws_jadd(b, "Labels", labels);
	bad |= ws_jadd(b, "HostConfig", ws_helper_hostconfig(h));
	if (!bad)
		s = strdup(json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
	json_object_put(b);
	return s;
}

/* The pump's state. */
struct ws_pump {
	struct ws_helper *h;
	struct ws_demux demux;
	size_t errlen;
	unsigned char ibuf[WS_HELPER_BUF], rbuf[WS_HELPER_BUF];
	size_t ilen, ioff;
	int in_done;
};

static int ws_pump_sink(void *arg, int stream, const unsigned char *buf, size_t len)
{
	struct ws_pump *p = arg;
	struct ws_helper *h = p->h;
	size_t take;

	if (stream == 1)
		return h->out != NULL ? h->out(h->arg, buf, len) : 0;
	/* stderr: its first line or so, for the message */
	take = sizeof(h->err) - 1 - p->errlen;
	if (take > len)
		take = len;
	memcpy(h->err + p->errlen, buf, take);
	p->errlen += take;
	h->err[p->errlen] = '\0';
	return 0;
}

/* More stdin when the last is sent: 0, or -1 when in stopped us. */
static int ws_pump_refill(struct ws_pump *p, int fd)
{
	long n;

	if (p->in_done || p->ioff < p->ilen)
		return 0;
	if ((n = p->h->in(p->h->arg, p->ibuf, sizeof(p->ibuf))) < 0)
		return -1;
	if (n == 0) {
		/* The end of its stdin (StdinOnce: the engine closes it). */
		p->in_done = 1;
		shutdown(fd, SHUT_WR);
		return 0;
	}
	p->ilen = (size_t)n;
	p->ioff = 0;
	return 0;
}

/* Moves bytes both ways until the engine closes the stream. */
static ws_err ws_pump_run(struct ws_pump *p, int fd, char *why, size_t whylen)
{
	struct pollfd pf;
	ssize_t n;
	int ready;
	ws_err rc;

	for (;;) {
		if (ws_pump_refill(p, fd) != 0)
			return WS_ERR_IO;
		pf.fd = fd;
		pf.events = POLLIN | (!p->in_done && p->ioff < p->ilen ? POLLOUT : 0);
		pf.revents = 0;
		ready = poll(&pf, 1, p->h->idle_s * 1000);
		if (ready < 0 && errno == EINTR)
			continue;
		if (ready == 0) {
			snprintf(why, whylen, "the helper moved no byte for %d s", p->h->idle_s);
			return WS_ERR_TIMEOUT;
		}
		if (ready < 0)
			return WS_ERR_IO;
		if (pf.revents & POLLOUT) {
			n = send(fd, p->ibuf + p->ioff, p->ilen - p->ioff, MSG_NOSIGNAL);
			if (n > 0)
				p->ioff += (size_t)n;
			else if (n < 0 && errno != EAGAIN && errno != EINTR)
				p->in_done = 1; /* it stopped reading: its exit says why */
		}
		if (!(pf.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(fd, p->rbuf, sizeof(p->rbuf), 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			break;
		if ((rc = ws_demux_feed(&p->demux, p->rbuf, (size_t)n, ws_pump_sink, p)) != WS_OK) {
			if (rc == WS_ERR_CORRUPT) {
				snprintf(why, whylen, "the engine's stream from the helper is not framed");
				rc = WS_ERR_DOCKER;   /* the engine's fault, not the data's */
			}
			return rc;
		}
	}
	if (!ws_demux_idle(&p->demux)) {
		snprintf(why, whylen, "the engine's stream from the helper broke off inside a frame");
		return WS_ERR_DOCKER;
	}
	return WS_OK;
}

/* Attaches, starts and pumps the created container id. */
static ws_err ws_helper_attached(void *impl, struct ws_helper *h, const char *id, char *why,
    size_t whylen)
{
	struct ws_pump *p = calloc(1, sizeof(*p));
	char path[128];
	size_t nextra = 0;
	int fd = -1;
	ws_err rc;

	if (p == NULL)
		return WS_ERR_NOMEM;
	p->h = h;
	p->in_done = h->in == NULL;
	if ((rc = ws_dstream_attach(ws_docker_socket(impl), id, h->in != NULL, ws_docker_timeout(impl),
	    &fd, p->rbuf, &nextra, why, whylen)) != WS_OK)
		goto out;
	snprintf(path, sizeof(path), "/containers/%s/start", id);
	if ((rc = ws_d_call(impl, "POST", path, NULL, 204, 304, NULL, why, whylen)) != WS_OK)
		goto out;
	if (nextra > 0 &&
	    (rc = ws_demux_feed(&p->demux, p->rbuf, nextra, ws_pump_sink, p)) != WS_OK)
		goto out;
	rc = ws_pump_run(p, fd, why, whylen);
out:
	if (fd >= 0)
		close(fd);
	free(p);
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

ws_err ws_d_helper(void *impl, struct ws_helper *h, char *why, size_t whylen)
{
	struct json_object *r = NULL;
	char *body = NULL, id[80] = "", path[128], dwhy[200];
	int code = -1;
	ws_err rc;

	h->err[0] = '\0';
	if ((body = ws_helper_body(h)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return WS_ERR_NOMEM;
	}
	rc = ws_d_call(impl, "POST", "/containers/create", body, 201, 201, &r, why, whylen);
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
	if ((rc = ws_helper_attached(impl, h, id, why, whylen)) == WS_OK &&
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
	return rc;
}
