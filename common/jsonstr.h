/* jsonstr.h — bytes meant as UTF-8 (a terminal's output, a person's
 * keystrokes) escaped as the inside of a JSON string, one chunk at a time.
 * A character cut between two chunks is held over to the next; bytes that
 * are no UTF-8 become U+FFFD, one for each maximal invalid subpart (as
 * Python's decode(errors="replace") does), so that what comes out is always
 * valid UTF-8 and valid JSON, whatever went in. Control characters (C0,
 * DEL, C1) are written \u00XX, as asciicast wants them. */
#ifndef WSGATE_JSONSTR_H
#define WSGATE_JSONSTR_H

#include <stddef.h>

/* Room ws_jsonstr_escape() needs for len bytes of input, at most: 6 bytes
 * per byte ("\u001b"), counting the 3 a chunk may hold over. */
#define WS_JSONSTR_MAX(len) (6 * ((size_t)(len) + 3))

/* One stream's state between chunks: a character begun and not ended.
 * Zero it to start (or use WS_JSONSTR_INIT). */
struct ws_jsonstr {
	unsigned char held[4];   /* the character's bytes so far */
	unsigned nheld;          /* how many */
	unsigned need;           /* continuation bytes still to come */
	unsigned char lo, hi;    /* the range the next one must be in */
};

#define WS_JSONSTR_INIT { { 0 }, 0, 0, 0, 0 }

/* Escapes len bytes of in, after what st holds, into out (outlen bytes,
 * at least WS_JSONSTR_MAX(len)); a character not finished is held in st.
 * Writes no quotes and no NUL. Returns the bytes written, or 0 with nothing
 * consumed when outlen is short. */
size_t ws_jsonstr_escape(struct ws_jsonstr *st, const void *in, size_t len, char *out,
    size_t outlen);

/* Ends the stream: a character held unfinished becomes U+FFFD, written to
 * out (at least 3 bytes). Returns the bytes written (0 or 3); st is reset. */
size_t ws_jsonstr_finish(struct ws_jsonstr *st, char *out, size_t outlen);

/* Returns 1 when st holds part of a character. */
int ws_jsonstr_pending(const struct ws_jsonstr *st);

#endif
