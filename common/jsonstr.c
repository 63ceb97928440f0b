#include "jsonstr.h"

#include <string.h>

/* U+FFFD REPLACEMENT CHARACTER in UTF-8. */
static const char ws_fffd[3] = { (char)0xef, (char)0xbf, (char)0xbd };

/* A control character (C0, DEL, C1) as \u00XX: the format wants
 * every one that does not print escaped. Returns 6. */
static size_t ws_u00(unsigned c, char *o)
{
	static const char hex[] = "0123456789abcdef";

	o[0] = '\\';
	o[1] = 'u';
	o[2] = '0';
	o[3] = '0';
	o[4] = hex[(c >> 4) & 15];
	o[5] = hex[c & 15];
	return 6;
}

/* An ASCII byte as JSON wants it inside a string. Returns bytes written
 * (at most 6). */
static size_t ws_ascii(unsigned char c, char *o)
{
	char e = c == '"' || c == '\\' ? (char)c : c == '\n' ? 'n' : c == '\r' ? 'r' :
	    c == '\t' ? 't' : '\0';

	if (e != '\0') {
		o[0] = '\\';
		o[1] = e;
		return 2;
	}
	if (c >= 0x20 && c != 0x7f) {
		o[0] = (char)c;
		return 1;
	}
	return ws_u00(c, o);
}

/* Begins a character with lead byte c: how many continuation bytes it
 * needs and the range of the first (Unicode's table 3-7: no overlong
 * forms, no surrogates, nothing past U+10FFFF). Returns 0 for a byte that
 * cannot begin one. */
static unsigned ws_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c == 0xe0)
		*lo = 0xa0;
	else if (c == 0xed)
		*hi = 0x9f;
	if (c >= 0xe0 && c <= 0xef)
		return 2;
	if (c == 0xf0)
		*lo = 0x90;
	else if (c == 0xf4)
		*hi = 0x8f;
	if (c >= 0xf0 && c <= 0xf4)
		return 3;
	return 0;
}

/* One byte of the stream; returns bytes written to o (at most 9: a
 * replacement for what was held, then this byte as ASCII). */
static size_t ws_byte(struct ws_jsonstr *st, unsigned char c, char *o)
{
	size_t n = 0;

	if (st->need > 0) {
		if (c >= st->lo && c <= st->hi) {
			st->held[st->nheld++] = c;
			st->lo = 0x80;
			st->hi = 0xbf;
			if (--st->need > 0)
				return 0;
			/* U+0080 to U+009F: C1 controls. */
			if (st->nheld == 2 && st->held[0] == 0xc2 && st->held[1] < 0xa0) {
				st->nheld = 0;
				return ws_u00(st->held[1], o);
			}
			memcpy(o, st->held, st->nheld);
			n = st->nheld;
			st->nheld = 0;
			return n;
		}
		/* The character ended early: one replacement for its
		 * beginning, and c is looked at afresh. */
		memcpy(o, ws_fffd, sizeof(ws_fffd));
		n = sizeof(ws_fffd);
		st->need = st->nheld = 0;
	}
	if (c < 0x80)
		return n + ws_ascii(c, o + n);
	if ((st->need = ws_lead(c, &st->lo, &st->hi)) == 0) {
		memcpy(o + n, ws_fffd, sizeof(ws_fffd));
		return n + sizeof(ws_fffd);
	}
	st->held[0] = c;
	st->nheld = 1;
	return n;
}

size_t ws_jsonstr_escape(struct ws_jsonstr *st, const void *in, size_t len, char *out,
    size_t outlen)
{
	const unsigned char *p = in;
	size_t i, n = 0;

	if (outlen < WS_JSONSTR_MAX(len))
		return 0;
	for (i = 0; i < len; i++)
		n += ws_byte(st, p[i], out + n);
	return n;
}

size_t ws_jsonstr_finish(struct ws_jsonstr *st, char *out, size_t outlen)
{
	int held = st->need > 0;

	st->need = st->nheld = 0;
	if (!held || outlen < sizeof(ws_fffd))
		return 0;
	memcpy(out, ws_fffd, sizeof(ws_fffd));
	return sizeof(ws_fffd);
}

int ws_jsonstr_pending(const struct ws_jsonstr *st)
{
	return st->need > 0;
}
