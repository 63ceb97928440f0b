/* cast.h — one terminal session written as an asciicast v2 file (what
 * `asciinema cat` and `asciinema play` read): a header line, then one JSON
 * array per event, [seconds, "o" | "i" | "r" | "m", data]. Output and
 * input are separate UTF-8 streams (jsonstr.h); the file never grows past
 * its cap: once the next event would pass it, a last marker says so and
 * nothing more is written. */
#ifndef WSGATE_CAST_H
#define WSGATE_CAST_H

#include <stddef.h>
#include <time.h>

#include "wserr.h"

/* Longest file name ws_cast_open makes (with its NUL). */
#define WS_CAST_NAME_MAX 160

/* Room kept below the cap for the marker that says it was reached. */
#define WS_CAST_RESERVE 160

struct ws_cast;

/* What a recording is of. */
struct ws_cast_info {
	const char *account, *workspace; /* they name the file: letters, digits,
	                                  * '_', '-', '.', not first, 1 to 64 */
	long pid;                       /* the connection's process */
	unsigned seq;                   /* its recording number (1, 2, ...) */
	time_t started;                 /* wall clock: name and header */
	int width, height;              /* the terminal's (the header's) */
	const char *term;               /* TERM as the client sent it (any
	                                 * bytes: escaped), or NULL */
	size_t max_bytes;               /* the file's cap, header included */
};

/* Creates TIME_ACCOUNT_WORKSPACE_PID-SEQ.cast (TIME as
 * 2026-11-30T09-12-03Z, UTC) in the directory dirfd, mode 0600, never
 * through a symbolic link nor over an existing file, and writes the
 * header. On WS_OK *out is the recording (close with ws_cast_close) and
 * name (namelen bytes, WS_CAST_NAME_MAX is enough) its file name.
 * WS_ERR_INVALID for a name that cannot be part of a file name,
 * WS_ERR_CONFLICT when the file exists, WS_ERR_TOO_LARGE when the cap
 * leaves no room for the header, WS_ERR_IO (errno set) or WS_ERR_NOMEM. */
ws_err ws_cast_open(int dirfd, const struct ws_cast_info *info, struct ws_cast **out,
    char *name, size_t namelen);

/* Appends len bytes the terminal showed (kind 'o') or the person typed
 * ('i') at t seconds since the start. Returns WS_OK; WS_ERR_TOO_LARGE when
 * the cap is reached (then and for every later event: nothing more is
 * written but the one marker saying so); WS_ERR_IO after a failed write
 * (nothing more is written); WS_ERR_INVALID for another kind. */
ws_err ws_cast_data(struct ws_cast *c, double t, char kind, const void *data, size_t len);

/* Appends a resize to cols x rows ("r", "COLSxROWS"). Returns as above. */
ws_err ws_cast_resize(struct ws_cast *c, double t, int cols, int rows);

/* Appends a marker ("m") with text (any bytes, escaped). Returns as above. */
ws_err ws_cast_marker(struct ws_cast *c, double t, const char *text);

/* Returns the bytes written so far, header included. */
size_t ws_cast_size(const struct ws_cast *c);

/* Ends the recording at t: a character left unfinished in either stream
 * becomes U+FFFD (when it fits), the file is closed and c freed. Returns
 * WS_OK, or WS_ERR_IO when a write or the close failed. Accepts NULL. */
ws_err ws_cast_close(struct ws_cast *c, double t);

#endif
