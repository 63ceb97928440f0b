/* wire.h — reading SSH wire format (RFC 4251 5: u32 big-endian, strings
 * with a u32 length) out of a buffer, with every read bounds-checked. A
 * short read sticks: later reads return nothing and ws_wire_ok() says so. */
#ifndef WSGATE_WIRE_H
#define WSGATE_WIRE_H

#include <stddef.h>
#include <stdint.h>

struct ws_wire {
	const unsigned char *p;  /* next byte */
	size_t left;             /* bytes after it */
	int err;                 /* a read went past the end */
};

/* Starts reading len bytes at p (not copied: they must outlive r). */
void ws_wire_init(struct ws_wire *r, const void *p, size_t len);

/* The next byte or u32; 0 past the end. */
uint8_t ws_wire_u8(struct ws_wire *r);
uint32_t ws_wire_u32(struct ws_wire *r);

/* The next string: a pointer into the buffer (not NUL-terminated) and its
 * length in *len; NULL (and *len 0) past the end. */
const unsigned char *ws_wire_str(struct ws_wire *r, size_t *len);

/* Returns 1 when the next string is exactly the text t (and reads it). */
int ws_wire_str_is(struct ws_wire *r, const char *t);

/* Returns 1 when no read went past the end. */
int ws_wire_ok(const struct ws_wire *r);

/* Returns 1 when every byte was read, none past the end. */
int ws_wire_done(const struct ws_wire *r);

#endif
