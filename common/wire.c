/* wire.c — SSH wire format reader (wire.h). */
#include "wire.h"

#include <string.h>

void ws_wire_init(struct ws_wire *r, const void *p, size_t len)
{
	r->p = p;
	r->left = p != NULL ? len : 0;
	r->err = 0;
}

uint8_t ws_wire_u8(struct ws_wire *r)
{
	uint8_t v;

	if (r->err || r->left < 1) {
		r->err = 1;
		return 0;
	}
	v = r->p[0];
	r->p++;
	r->left--;
	return v;
}

uint32_t ws_wire_u32(struct ws_wire *r)
{
	uint32_t v;

	if (r->err || r->left < 4) {
		r->err = 1;
		return 0;
	}
	v = (uint32_t)r->p[0] << 24 | (uint32_t)r->p[1] << 16 | (uint32_t)r->p[2] << 8 | r->p[3];
	r->p += 4;
	r->left -= 4;
	return v;
}

const unsigned char *ws_wire_str(struct ws_wire *r, size_t *len)
{
	uint32_t n = ws_wire_u32(r);
	const unsigned char *s = r->p;

	*len = 0;
	if (r->err || n > r->left) {
		r->err = 1;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	*len = n;
	return s;
}

int ws_wire_str_is(struct ws_wire *r, const char *t)
{
	size_t len;
	const unsigned char *s = ws_wire_str(r, &len);

	return s != NULL && len == strlen(t) && memcmp(s, t, len) == 0;
}

int ws_wire_ok(const struct ws_wire *r)
{
	return !r->err;
}

int ws_wire_done(const struct ws_wire *r)
{
	return !r->err && r->left == 0;
}
