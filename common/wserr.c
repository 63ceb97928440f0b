#include "wserr.h"

#include <stddef.h>

static const char *const ws_err_text[WS_ERR__COUNT] = {
	[WS_OK] = "success",
	[WS_ERR_NOMEM] = "out of memory",
	[WS_ERR_INVALID] = "invalid input",
	[WS_ERR_TOO_LARGE] = "input too large",
	[WS_ERR_IO] = "input/output error",
	[WS_ERR_TIMEOUT] = "timed out",
	[WS_ERR_NOT_FOUND] = "not found",
	[WS_ERR_CONFLICT] = "conflict",
	[WS_ERR_DOCKER_DOWN] = "Docker engine is not answering",
	[WS_ERR_DOCKER] = "Docker engine reported an error",
	[WS_ERR_IMAGE_MISSING] = "workspace image not found",
	[WS_ERR_PORTS_EXHAUSTED] = "no free port in the workspace port range",
	[WS_ERR_SSH] = "SSH error",
	[WS_ERR_HOSTKEY] = "workspace host key does not match its pinned key",
	[WS_ERR_DENIED] = "permission denied",
	[WS_ERR_CONFIG] = "invalid configuration",
	[WS_ERR_FOREIGN] = "not this workspace's own",
	[WS_ERR_DOCKER_DENIED] = "permission denied on the Docker socket",
	[WS_ERR_DOCKER_NO_SOCKET] = "no Docker socket at the configured path",
	[WS_ERR_CORRUPT] = "damaged, incomplete or foreign data",
};

const char *ws_err_str(ws_err err)
{
	if ((unsigned)err >= WS_ERR__COUNT || ws_err_text[err] == NULL)
		return "unknown error";
	return ws_err_text[err];
}
