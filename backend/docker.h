/* docker.h — minimal Docker Engine API client over its unix socket (libcurl).
 * Replies are parsed with json-c; every reply is capped in size. */
#ifndef WSGATE_DOCKER_H
#define WSGATE_DOCKER_H

#include <json-c/json.h>

#include "wserr.h"

/* Largest Docker reply accepted (a container list of thousands fits). */
#define WS_DOCKER_MAX_REPLY ((size_t)16 * 1024 * 1024)

struct ws_docker;

/* Returns a client for the engine at socket_path whose calls give up after
 * timeout_s seconds, or NULL on allocation failure. Free with ws_docker_free. */
struct ws_docker *ws_docker_new(const char *socket_path, int timeout_s);

/* Frees d; accepts NULL. */
void ws_docker_free(struct ws_docker *d);

/* d's socket path (owned by d) and its calls' time limit in seconds. */
const char *ws_docker_socket(const struct ws_docker *d);
int ws_docker_timeout(const struct ws_docker *d);

/* Sends METHOD path (e.g. "/containers/x/json", no version prefix) with an
 * optional JSON body. On WS_OK, *status holds the HTTP status and *reply the
 * parsed body (NULL when empty; the caller frees it with json_object_put).
 * Returns WS_ERR_DOCKER_DOWN when the engine cannot be reached,
 * WS_ERR_DOCKER_DENIED when its socket's permissions keep us out,
 * WS_ERR_DOCKER_NO_SOCKET when there is no socket at its path (for these
 * three ws_docker_why() says more), WS_ERR_TIMEOUT, WS_ERR_TOO_LARGE or
 * WS_ERR_DOCKER for a malformed reply. */
ws_err ws_docker_request(struct ws_docker *d, const char *method, const char *path,
    const char *body, long *status, struct json_object **reply);

struct ws_dynbuf;

/* As ws_docker_request() for replies that are not JSON (logs, exec output):
 * on WS_OK *out holds up to cap bytes of body (free with ws_dynbuf_free). A
 * longer body is WS_ERR_TOO_LARGE. */
ws_err ws_docker_request_raw(struct ws_docker *d, const char *method, const char *path,
    const char *body, size_t cap, long *status, struct ws_dynbuf **out);

/* Writes into why (whylen bytes) one line for a person saying why d's last
 * call, which returned rc, got no answer: which socket, and what to do
 * (permissions, no socket there, nobody listening, a timeout). */
void ws_docker_why(const struct ws_docker *d, ws_err rc, char *why, size_t whylen);

/* Returns 1 when rc means the engine was not reached (down, its socket
 * missing or refusing us, a timeout), 0 otherwise. */
int ws_docker_unreachable(ws_err rc);

/* Returns the "message" field of a Docker error reply, or "" (never NULL);
 * owned by reply. */
const char *ws_docker_message(struct json_object *reply);

/* Returns a newly allocated URL-encoded copy of s (free with free()), or NULL. */
char *ws_docker_escape(const char *s);

#endif
