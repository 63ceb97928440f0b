/* engine_docker_int.h — what the Docker engine's files share (not a seam:
 * only the Docker engine's files include it). */
#ifndef WSGATE_ENGINE_DOCKER_INT_H
#define WSGATE_ENGINE_DOCKER_INT_H

#include <json-c/json.h>
#include <stddef.h>

#include "engine.h"

/* One API call on impl (a struct ws_docker) and what its status means: ok
 * (or ok2) is WS_OK with the reply in *reply when asked for (the caller
 * puts it), 404 WS_ERR_NOT_FOUND, 409 WS_ERR_CONFLICT, anything else
 * WS_ERR_DOCKER; the engine's message, or why it did not answer, in why. */
ws_err ws_d_call(void *impl, const char *method, const char *path, const char *body,
    long ok, long ok2, struct json_object **reply, char *why, size_t whylen);

/* The helper op (helper_docker.c). */
ws_err ws_d_helper(void *impl, const char *cname, struct ws_helper *h, char *why, size_t whylen);

#endif
