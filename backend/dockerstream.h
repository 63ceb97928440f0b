/* dockerstream.h — a container's standard streams as one raw connection:
 * the engine's attach, upgraded to a bare stream (Docker's "hijacking"),
 * for helpers whose output is data (a tar stream), not a reply. libcurl
 * cannot write and read such a connection both ways, so this speaks the one
 * HTTP request itself over the engine's unix socket. */
#ifndef WSGATE_DOCKERSTREAM_H
#define WSGATE_DOCKERSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "wserr.h"

/* Longest reply head the engine may send before the stream starts. */
#define WS_DSTREAM_HEAD_MAX 8192

/* The engine multiplexes stdout and stderr (no tty) as frames: one byte
 * naming the stream, three zero bytes, a 32-bit big-endian length, then
 * that many bytes. The demultiplexer's state: */
struct ws_demux {
	unsigned char hdr[8];
	size_t hlen;        /* header bytes held */
	uint32_t left;      /* payload bytes of the current frame still to come */
	int stream;         /* 1 stdout, 2 stderr */
};

/* Called with each piece of payload as it comes: stream 1 or 2. Returns 0
 * to go on, -1 to stop (ws_demux_feed then returns WS_ERR_IO). */
typedef int (*ws_demux_fn)(void *arg, int stream, const unsigned char *buf, size_t len);

/* Feeds len bytes of the multiplexed stream through d to fn, without
 * copying payload. Returns WS_OK, WS_ERR_CORRUPT for a header that is no
 * frame's (an unknown stream, padding that is not zero), or WS_ERR_IO when
 * fn stopped. Frames may be cut anywhere between calls. */
ws_err ws_demux_feed(struct ws_demux *d, const unsigned char *buf, size_t len, ws_demux_fn fn,
    void *arg);

/* Returns 1 when d sits between frames (a stream may end here), 0 inside
 * one. */
int ws_demux_idle(const struct ws_demux *d);

/* Connects to the engine's socket, asks to attach to container id's
 * stdout and stderr and reads the reply head, within timeout_s. On WS_OK
 * *fd is the bare stream and *extra (up to WS_DSTREAM_HEAD_MAX bytes, count
 * in *nextra) holds stream bytes that came with the head. Otherwise why
 * says what the engine answered. */
ws_err ws_dstream_attach(const char *socket_path, const char *id, int timeout_s,
    int *fd, unsigned char *extra, size_t *nextra, char *why, size_t whylen);

/* Parses a reply head (head, len bytes, ending in an empty line): WS_OK for
 * "101" or "200", else WS_ERR_DOCKER with the status line in why. Exposed
 * for tests. */
ws_err ws_dstream_head_ok(const char *head, size_t len, char *why, size_t whylen);

#endif
