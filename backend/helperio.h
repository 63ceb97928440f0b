/* helperio.h — a helper's data, moved through a pipe on this host instead
 * of the engine's attach stream (which Docker copies through its daemon at
 * a fraction of a pipe's speed): a FIFO in a private directory (0700) that
 * the engine mounts into the helper, so that WS_HELPER_DATA is it. The
 * engine's stream still carries the helper's stderr, and its end says that
 * the helper has ended. Local engines only: the engine must see this
 * host's files (a unix socket's engine does). */
#ifndef WSGATE_HELPERIO_H
#define WSGATE_HELPERIO_H

#include <stddef.h>

#include "engine.h"
#include "wserr.h"

/* Where the directory is mounted in the helper (WS_HELPER_DATA is in it). */
#define WS_HELPER_IO_DIR "/wsgate-io"

struct ws_hio;

/* Makes the private directory and its FIFO. On WS_OK *out is the pipe (free
 * with ws_hio_free); otherwise why says what failed. */
ws_err ws_hio_new(struct ws_hio **out, char *why, size_t whylen);

/* The directory to mount at WS_HELPER_IO_DIR; owned by io. */
const char *ws_hio_dir(const struct ws_hio *io);

/* Closes and removes the FIFO and its directory; accepts NULL. */
void ws_hio_free(struct ws_hio *io);

/* Moves h's data (h->in feeds the FIFO, h->out drains it) and the helper's
 * stderr (frames read from afd, the extra bytes that came with the attach
 * reply first) until the helper has ended and all its data is moved. The
 * start of its stderr goes to h->err. WS_OK, WS_ERR_IO when h->in or h->out
 * stopped it, WS_ERR_TIMEOUT after h->idle_s without progress,
 * WS_ERR_DOCKER for a stream from the engine that is not framed. */
ws_err ws_hio_pump(struct ws_hio *io, struct ws_helper *h, int afd, const unsigned char *extra,
    size_t nextra, char *why, size_t whylen);

#endif
