/* wserr.h — the one error type of wsgate. */
#ifndef WSGATE_WSERR_H
#define WSGATE_WSERR_H

typedef enum {
	WS_OK = 0,
	WS_ERR_NOMEM,           /* allocation failed */
	WS_ERR_INVALID,         /* argument or input is malformed */
	WS_ERR_TOO_LARGE,       /* input exceeds its size cap */
	WS_ERR_IO,              /* read/write/socket error */
	WS_ERR_TIMEOUT,         /* deadline passed */
	WS_ERR_NOT_FOUND,       /* object does not exist */
	WS_ERR_CONFLICT,        /* object already exists / state conflict */
	WS_ERR_DOCKER_DOWN,     /* Docker engine does not answer */
	WS_ERR_DOCKER,          /* Docker engine answered an error */
	WS_ERR_IMAGE_MISSING,   /* workspace image not present */
	WS_ERR_PORTS_EXHAUSTED, /* no free port in the configured range */
	WS_ERR_SSH,             /* SSH protocol or libssh failure */
	WS_ERR_HOSTKEY,         /* workspace host key does not match its pin */
	WS_ERR_DENIED,          /* authentication or authorization refused */
	WS_ERR_CONFIG,          /* configuration is invalid */
	WS_ERR_FOREIGN,         /* an object is not this workspace's or this owner's */
	WS_ERR_DOCKER_DENIED,   /* the Docker socket refuses this user (its permissions) */
	WS_ERR_DOCKER_NO_SOCKET, /* no Docker socket where docker_socket says */
	WS_ERR_CORRUPT,         /* a stream or archive is damaged, cut short or not ours */
	WS_ERR__COUNT
} ws_err;

/* Returns a static, human-readable description of err; never NULL. */
const char *ws_err_str(ws_err err);

#endif
