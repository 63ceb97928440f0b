/* Fuzzes the recordings' escaper (jsonstr.h) with any bytes, cut in two
 * where the first byte says: the output must be the same however the input
 * is cut, within WS_JSONSTR_MAX, valid UTF-8 that json-c reads as one
 * string, and that string must be the input itself when the input is
 * valid UTF-8 (nothing changed but the escapes). */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "jsonstr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Escapes data in two chunks cut at cut, into out (quoted, NUL-ended).
 * Returns the length between the quotes. */
static size_t escape(const uint8_t *data, size_t size, size_t cut, char *out, size_t outlen)
{
	struct ws_jsonstr st = WS_JSONSTR_INIT;
	size_t n = 1, k;

	out[0] = '"';
	k = ws_jsonstr_escape(&st, data, cut, out + n, outlen - n);
	if (k > WS_JSONSTR_MAX(cut))
		abort();
	n += k;
	k = ws_jsonstr_escape(&st, data + cut, size - cut, out + n, outlen - n);
	if (k > WS_JSONSTR_MAX(size - cut))
		abort();
	n += k;
	n += ws_jsonstr_finish(&st, out + n, outlen - n);
	out[n] = '"';
	out[n + 1] = '\0';
	return n - 1;
}

/* Is p (len bytes) well-formed UTF-8, as Unicode's table 3-7 has it? */
static int utf8_valid(const uint8_t *p, size_t len)
{
	size_t i = 0, k, need;
	uint8_t lo, hi;

	while (i < len) {
		uint8_t c = p[i++];
		if (c < 0x80)
			continue;
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			need = 1;
		else if (c >= 0xe0 && c <= 0xef)
			need = 2, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
		else if (c >= 0xf0 && c <= 0xf4)
			need = 3, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
		else
			return 0;
		for (k = 0; k < need; k++, lo = 0x80, hi = 0xbf)
			if (i >= len || p[i] < lo || p[i++] > hi)
				return 0;
	}
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char a[WS_JSONSTR_MAX(4096) + 8], b[WS_JSONSTR_MAX(4096) + 8];
	json_object *o;
	size_t cut, na, nb;

	if (size < 1 || size > 4096)
		return 0;
	cut = data[0] % size;
	na = escape(data + 1, size - 1, 0, a, sizeof(a));
	nb = escape(data + 1, size - 1, cut, b, sizeof(b));
	if (na != nb || memcmp(a, b, na + 2) != 0)
		abort();
	/* Valid UTF-8, every control escaped: raw bytes below 0x20 or DEL
	 * would be no JSON (or not what asciicast wants). */
	if (!utf8_valid((const uint8_t *)a, na + 2) || strpbrk(a, "\x01\x02\x03\x04\x05\x06\x07"
	    "\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a"
	    "\x1b\x1c\x1d\x1e\x1f\x7f") != NULL)
		abort();
	if ((o = json_tokener_parse(a)) == NULL || !json_object_is_type(o, json_type_string))
		abort();
	if (utf8_valid(data + 1, size - 1) &&
	    ((size_t)json_object_get_string_len(o) != size - 1 ||
	    memcmp(json_object_get_string(o), data + 1, size - 1) != 0))
		abort();
	json_object_put(o);
	return 0;
}
