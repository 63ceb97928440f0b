#include "docker.h"

#include <curl/curl.h>
#include <errno.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "dynbuf.h"
#include "log.h"

/* Engine API version spoken; 1.41 is Docker 20.10 (Debian 12's docker.io). */
#define WS_DOCKER_API "/v1.41"
#define WS_DOCKER_MAX_DEPTH 64

struct ws_docker {
	CURL *curl;
	char *socket_path;
	long timeout_s;
	char unreachable[512]; /* why the last call got no answer, for a person */
};

struct ws_docker *ws_docker_new(const char *socket_path, int timeout_s)
{
	struct ws_docker *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->socket_path = strdup(socket_path);
	d->curl = curl_easy_init();
	d->timeout_s = timeout_s;
	if (d->socket_path == NULL || d->curl == NULL) {
		ws_docker_free(d);
		return NULL;
	}
	return d;
}

void ws_docker_free(struct ws_docker *d)
{
	if (d == NULL)
		return;
	if (d->curl != NULL)
		curl_easy_cleanup(d->curl);
	free(d->socket_path);
	free(d);
}

const char *ws_docker_socket(const struct ws_docker *d)
{
	return d->socket_path;
}

int ws_docker_timeout(const struct ws_docker *d)
{
	return (int)d->timeout_s;
}

static ws_err ws_docker_parse(struct ws_dynbuf *buf, long status, struct json_object **out)
{
	struct json_tokener *tok = NULL;
	struct json_object *obj = NULL;
	ws_err rc = WS_OK;

	if (ws_dynbuf_len(buf) == 0)
		goto out;
	tok = json_tokener_new_ex(WS_DOCKER_MAX_DEPTH);
	if (tok == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	obj = json_tokener_parse_ex(tok, ws_dynbuf_ptr(buf), (int)ws_dynbuf_len(buf));
	if (obj == NULL && status >= 400) {
		/* Some proxies answer errors in plain text: keep it as the message. */
		obj = json_object_new_object();
		if (obj == NULL ||
		    json_object_object_add(obj, "message",
		        json_object_new_string_len(ws_dynbuf_ptr(buf),
		            (int)strcspn(ws_dynbuf_ptr(buf), "\r\n"))) != 0) {
			json_object_put(obj);
			obj = NULL;
			rc = WS_ERR_NOMEM;
		}
	} else if (obj == NULL) {
		rc = WS_ERR_DOCKER;
	}
out:
	if (tok != NULL)
		json_tokener_free(tok);
	if (rc == WS_OK)
		*out = obj;
	return rc;
}

/* Why the socket's group cannot be named in a line: its number then. */
static void ws_group_name(gid_t gid, char *out, size_t outlen)
{
	struct group gr, *res = NULL;
	char buf[1024];

	if (getgrgid_r(gid, &gr, buf, sizeof(buf), &res) == 0 && res != NULL)
		snprintf(out, outlen, "%s", gr.gr_name);
	else
		snprintf(out, outlen, "gid %ld", (long)gid);
}

/* curl only says it could not connect; connect() itself says why: the
 * socket's permissions (a user outside its group), no socket there (the
 * engine is not running, or docker_socket names another path), or nobody
 * listening. Writes the line for a person into d->unreachable. */
static ws_err ws_docker_probe(struct ws_docker *d)
{
	struct sockaddr_un sa;
	struct stat st;
	char group[64];
	int fd, err = 0;

	if (stat(d->socket_path, &st) != 0) {
		err = errno;
		if (err == EACCES) {
			snprintf(d->unreachable, sizeof(d->unreachable), "permission denied on the way to the "
			    "Docker socket %s: run %s as root", d->socket_path, program_invocation_short_name);
			return WS_ERR_DOCKER_DENIED;
		}
		snprintf(d->unreachable, sizeof(d->unreachable), "no Docker socket at %s (%s): is the "
		    "engine running, and does docker_socket name its socket?", d->socket_path, strerror(err));
		return WS_ERR_DOCKER_NO_SOCKET;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(d->unreachable, sizeof(d->unreachable), "%s is not a socket: docker_socket must "
		    "name the engine's socket (usually /var/run/docker.sock)", d->socket_path);
		return WS_ERR_DOCKER_NO_SOCKET;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(d->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(d->unreachable, sizeof(d->unreachable), "the Docker socket's path %s is longer "
		    "than a socket's path may be (%zu bytes)", d->socket_path, sizeof(sa.sun_path) - 1);
		return WS_ERR_DOCKER_NO_SOCKET;
	}
	memcpy(sa.sun_path, d->socket_path, strlen(d->socket_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		err = errno;
	if (fd >= 0)
		close(fd);
	if (err == EACCES || err == EPERM) {
		ws_group_name(st.st_gid, group, sizeof(group));
		snprintf(d->unreachable, sizeof(d->unreachable), "permission denied on the Docker socket "
		    "%s: run %s as root or as a member of the group that owns it (%s)", d->socket_path,
		    program_invocation_short_name, group);
		return WS_ERR_DOCKER_DENIED;
	}
	if (err == ECONNREFUSED)
		snprintf(d->unreachable, sizeof(d->unreachable), "the Docker engine is not answering at %s "
		    "(nobody listens on the socket): is dockerd running?", d->socket_path);
	else
		snprintf(d->unreachable, sizeof(d->unreachable), "the Docker engine is not answering at %s%s%s",
		    d->socket_path, err ? ": " : "", err ? strerror(err) : "");
	return WS_ERR_DOCKER_DOWN;
}

void ws_docker_why(const struct ws_docker *d, ws_err rc, char *why, size_t whylen)
{
	if ((rc == WS_ERR_DOCKER_DOWN || rc == WS_ERR_DOCKER_DENIED || rc == WS_ERR_DOCKER_NO_SOCKET) &&
	    d->unreachable[0] != '\0')
		snprintf(why, whylen, "%s", d->unreachable);
	else if (rc == WS_ERR_TIMEOUT)
		snprintf(why, whylen, "the Docker engine at %s did not answer within %ld s", d->socket_path,
		    d->timeout_s);
	else
		snprintf(why, whylen, "the Docker engine did not answer (%s)", ws_err_str(rc));
}

int ws_docker_unreachable(ws_err rc)
{
	return rc == WS_ERR_DOCKER_DOWN || rc == WS_ERR_DOCKER_DENIED ||
	    rc == WS_ERR_DOCKER_NO_SOCKET || rc == WS_ERR_TIMEOUT;
}

ws_err ws_docker_request_raw(struct ws_docker *d, const char *method, const char *path,
    const char *body, size_t cap, long *status, struct ws_dynbuf **out)
{
	struct curl_slist *hdrs = NULL;
	struct ws_dynbuf *buf = NULL;
	char *url = NULL;
	size_t urllen;
	long code = 0;
	CURLcode cc;
	ws_err rc;

	if ((buf = ws_dynbuf_new(cap)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	urllen = strlen("http://docker" WS_DOCKER_API) + strlen(path) + 1;
	if ((url = malloc(urllen)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	snprintf(url, urllen, "http://docker" WS_DOCKER_API "%s", path);
	curl_easy_reset(d->curl);
	curl_easy_setopt(d->curl, CURLOPT_UNIX_SOCKET_PATH, d->socket_path);
	curl_easy_setopt(d->curl, CURLOPT_URL, url);
	curl_easy_setopt(d->curl, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(d->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(d->curl, CURLOPT_TIMEOUT, d->timeout_s);
	curl_easy_setopt(d->curl, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(d->curl, CURLOPT_WRITEFUNCTION, ws_dynbuf_write_cb);
	curl_easy_setopt(d->curl, CURLOPT_WRITEDATA, buf);
	curl_easy_setopt(d->curl, CURLOPT_PROTOCOLS_STR, "http");
	if (body != NULL || strcmp(method, "POST") == 0) {
		hdrs = curl_slist_append(NULL, "Content-Type: application/json");
		if (hdrs == NULL) {
			rc = WS_ERR_NOMEM;
			goto out;
		}
		curl_easy_setopt(d->curl, CURLOPT_HTTPHEADER, hdrs);
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(d->curl, CURLOPT_POSTFIELDSIZE, (long)(body ? strlen(body) : 0));
	}
	d->unreachable[0] = '\0';
	cc = curl_easy_perform(d->curl);
	switch (cc) {
	case CURLE_OK:
		break;
	case CURLE_COULDNT_CONNECT:
		ws_debug("docker %s %s: %s", method, path, curl_easy_strerror(cc));
		rc = ws_docker_probe(d);
		goto out;
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		ws_debug("docker %s %s: %s", method, path, curl_easy_strerror(cc));
		rc = WS_ERR_DOCKER_DOWN;
		goto out;
	case CURLE_OPERATION_TIMEDOUT:
		rc = WS_ERR_TIMEOUT;
		goto out;
	case CURLE_WRITE_ERROR:
		rc = WS_ERR_TOO_LARGE;
		goto out;
	default:
		ws_debug("docker %s %s: %s", method, path, curl_easy_strerror(cc));
		rc = WS_ERR_DOCKER;
		goto out;
	}
	curl_easy_getinfo(d->curl, CURLINFO_RESPONSE_CODE, &code);
	ws_debug("docker %s %s -> %ld", method, path, code);
	*status = code;
	*out = buf;
	buf = NULL;
	rc = WS_OK;
out:
	curl_slist_free_all(hdrs);
	ws_dynbuf_free(buf);
	free(url);
	return rc;
}

ws_err ws_docker_request(struct ws_docker *d, const char *method, const char *path,
    const char *body, long *status, struct json_object **reply)
{
	struct ws_dynbuf *buf = NULL;
	struct json_object *obj = NULL;
	long code = 0;
	ws_err rc;

	rc = ws_docker_request_raw(d, method, path, body, WS_DOCKER_MAX_REPLY, &code, &buf);
	if (rc != WS_OK)
		return rc;
	if ((rc = ws_docker_parse(buf, code, &obj)) == WS_OK) {
		*status = code;
		*reply = obj;
	}
	ws_dynbuf_free(buf);
	return rc;
}

const char *ws_docker_message(struct json_object *reply)
{
	struct json_object *m;

	if (reply != NULL && json_object_object_get_ex(reply, "message", &m) &&
	    json_object_is_type(m, json_type_string))
		return json_object_get_string(m);
	return "";
}

char *ws_docker_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *copy = e ? strdup(e) : NULL;

	curl_free(e);
	return copy;
}
