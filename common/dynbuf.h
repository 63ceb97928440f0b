/* dynbuf.h — growable byte buffer with a hard size cap, for untrusted input. */
#ifndef WSGATE_DYNBUF_H
#define WSGATE_DYNBUF_H

#include <stddef.h>

#include "wserr.h"

struct ws_dynbuf;

/* Returns a new empty buffer that refuses to grow past cap bytes, or NULL on
 * allocation failure. Free with ws_dynbuf_free(). */
struct ws_dynbuf *ws_dynbuf_new(size_t cap);

/* Frees buf; accepts NULL. */
void ws_dynbuf_free(struct ws_dynbuf *buf);

/* Appends len bytes. Returns WS_ERR_TOO_LARGE (buffer unchanged) when the cap
 * would be exceeded, WS_ERR_NOMEM on allocation failure. */
ws_err ws_dynbuf_add(struct ws_dynbuf *buf, const void *data, size_t len);

/* Returns the contents, always NUL-terminated (the NUL is not counted); owned
 * by buf, valid until the next add or free. */
const char *ws_dynbuf_ptr(const struct ws_dynbuf *buf);

/* Returns the number of bytes held. */
size_t ws_dynbuf_len(const struct ws_dynbuf *buf);

/* Empties buf, keeping its memory. */
void ws_dynbuf_reset(struct ws_dynbuf *buf);

/* Appends everything read from fd up to end of file. Returns WS_ERR_TOO_LARGE
 * past the cap, WS_ERR_IO on a read error, WS_ERR_NOMEM; what was read before
 * stays in buf. */
ws_err ws_dynbuf_add_fd(struct ws_dynbuf *buf, int fd);

/* A libcurl CURLOPT_WRITEFUNCTION appending to the ws_dynbuf in userdata;
 * past the cap it takes nothing, which makes curl fail the transfer. */
size_t ws_dynbuf_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata);

#endif
