/* Fuzzes the monitor's check of signed publickey requests (userblob.h):
 * any bytes must leave it without a crash, and what it accepts must be
 * a request for the want it was given. The want's session id is fixed
 * once, and once the input's own first string, so that the fuzzer gets
 * past the first check. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "userblob.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char sid[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const unsigned char key[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk";
static const unsigned char hostkey[] = "\0\0\0\x0bssh-ed25519\0\0\0\x20hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh";

/* An accepted request holds every field the want names, and ends with
 * the key (publickey) or the host key (hostbound). */
static void must_fit(const uint8_t *data, size_t size, const struct ws_userblob_want *w)
{
	size_t min = 4 + w->session_id_len + 1 + 4 + strlen(w->user) + 4 + 14 + 4 + 9 + 1 + 4 +
	    4 + w->key_len;

	if (size < min || memcmp(data + 4, w->session_id, w->session_id_len) != 0 ||
	    data[4 + w->session_id_len] != 50)
		abort();
	if (memcmp(data + size - w->key_len, w->key, w->key_len) != 0 &&
	    memcmp(data + size - w->hostkey_len, w->hostkey, w->hostkey_len) != 0)
		abort();
}

static void check(const uint8_t *data, size_t size, const struct ws_userblob_want *w)
{
	const char *why = NULL;

	if (ws_userblob_check(data, size, w, &why) == WS_OK) {
		if (why != NULL)
			abort();
		must_fit(data, size, w);
	} else if (why == NULL) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_userblob_want w = { sid, sizeof(sid), "alice", key, sizeof(key) - 1,
		hostkey, sizeof(hostkey) - 1 };
	size_t n;

	check(data, size, &w);
	/* The session id the input begins with is the want's. */
	if (size < 4)
		return 0;
	n = (size_t)data[0] << 24 | (size_t)data[1] << 16 | (size_t)data[2] << 8 | data[3];
	if (n == 0 || n > size - 4)
		return 0;
	w.session_id = data + 4;
	w.session_id_len = n;
	check(data, size, &w);
	return 0;
}
