/* The recordings' escaper (jsonstr.h): JSON escapes, UTF-8 passed through,
 * a character cut between chunks held over, invalid bytes as U+FFFD the
 * way Python's decoder replaces them (checked against python3 itself on
 * random bytes), and the same output however the input is cut. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonstr.h"

/* Escapes in (len bytes) in one chunk, then finishes: into out (NUL-ended). */
static size_t esc_whole(const void *in, size_t len, char *out, size_t outlen)
{
	struct ws_jsonstr st = WS_JSONSTR_INIT;
	size_t n = ws_jsonstr_escape(&st, in, len, out, outlen);

	n += ws_jsonstr_finish(&st, out + n, outlen - n);
	out[n] = '\0';
	return n;
}

/* The same, cut into chunks of step bytes. */
static size_t esc_chunked(const unsigned char *in, size_t len, size_t step, char *out,
    size_t outlen)
{
	struct ws_jsonstr st = WS_JSONSTR_INIT;
	size_t n = 0, i, k;

	for (i = 0; i < len; i += k) {
		k = len - i < step ? len - i : step;
		n += ws_jsonstr_escape(&st, in + i, k, out + n, outlen - n);
	}
	n += ws_jsonstr_finish(&st, out + n, outlen - n);
	out[n] = '\0';
	return n;
}

static void ascii_escapes(void **state)
{
	char out[256];

	(void)state;
	esc_whole("a\"b\\c\n\r\t", 8, out, sizeof(out));
	assert_string_equal(out, "a\\\"b\\\\c\\n\\r\\t");
	esc_whole("\x00\x01\x1b[1m\x7f", 7, out, sizeof(out));
	assert_string_equal(out, "\\u0000\\u0001\\u001b[1m\\u007f");
	esc_whole("/ <>&'", 6, out, sizeof(out));
	assert_string_equal(out, "/ <>&'");
}

static void utf8_passes_c1_escaped(void **state)
{
	char out[256];
	/* é, €, 𝄞, and U+0085 (a C1 control) */
	static const char in[] = "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\xc2\x85";

	(void)state;
	esc_whole(in, sizeof(in) - 1, out, sizeof(out));
	assert_string_equal(out, "\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\\u0085");
}

static void invalid_bytes_replaced(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "\xff", 1, "\xef\xbf\xbd" },
		{ "\x80x", 2, "\xef\xbf\xbdx" },
		/* a cut character: one replacement, then the byte that cut it */
		{ "\xe2\x82x", 3, "\xef\xbf\xbdx" },
		{ "\xe2\x82\"", 3, "\xef\xbf\xbd\\\"" },
		/* overlong, surrogate, past U+10FFFF: each byte its own */
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },
		/* ends unfinished: the finish replaces it */
		{ "ok\xf0\x9d\x84", 5, "ok\xef\xbf\xbd" },
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		esc_whole(cases[i].in, cases[i].len, out, sizeof(out));
		assert_string_equal(out, cases[i].out);
	}
}

static void carry_across_chunks(void **state)
{
	static const unsigned char in[] = "x\xe2\x82\xac\xf0\x9d\x84\x9ey\xc3\xa9\xe2\x82\xff\n";
	char whole[512], cut[512];
	size_t step, n = sizeof(in) - 1;
	struct ws_jsonstr st = WS_JSONSTR_INIT;

	(void)state;
	esc_whole(in, n, whole, sizeof(whole));
	for (step = 1; step <= n; step++) {
		esc_chunked(in, n, step, cut, sizeof(cut));
		assert_string_equal(cut, whole);
	}
	/* A held character writes nothing until it is whole. */
	assert_int_equal(ws_jsonstr_escape(&st, "\xe2\x82", 2, cut, sizeof(cut)), 0);
	assert_true(ws_jsonstr_pending(&st));
	assert_int_equal(ws_jsonstr_escape(&st, "\xac", 1, cut, sizeof(cut)), 3);
	assert_memory_equal(cut, "\xe2\x82\xac", 3);
	assert_false(ws_jsonstr_pending(&st));
	assert_int_equal(ws_jsonstr_finish(&st, cut, sizeof(cut)), 0);
}

static void short_output_refused(void **state)
{
	struct ws_jsonstr st = WS_JSONSTR_INIT;
	char out[64];

	(void)state;
	assert_int_equal(ws_jsonstr_escape(&st, "abc", 3, out, WS_JSONSTR_MAX(3) - 1), 0);
	assert_int_equal(ws_jsonstr_escape(&st, "abc", 3, out, WS_JSONSTR_MAX(3)), 3);
}

/* Random bytes (biased towards UTF-8's lead and continuation bytes),
 * escaped here and decoded by python3: the string must be exactly Python's
 * bytes.decode("utf-8", "replace"), for every input. */
static void agrees_with_python(void **state)
{
	static const unsigned char pool[] = { 0x00, 0x1b, 0x22, 0x41, 0x5c, 0x7f, 0x80, 0x9f, 0xa0,
		0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff, 0x0a };
	char dir[] = "/tmp/test_jsonstr.XXXXXX", path[128], cmd[512];
	static char out[WS_JSONSTR_MAX(64) + 8];
	unsigned char in[64];
	FILE *f;
	size_t i, k, len;
	int rc;

	(void)state;
	srand(12345);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cases", dir);
	assert_non_null(f = fopen(path, "w"));
	for (i = 0; i < 3000; i++) {
		len = (size_t)rand() % sizeof(in);
		for (k = 0; k < len; k++)
			in[k] = rand() % 3 ? pool[(size_t)rand() % sizeof(pool)] : (unsigned char)rand();
		esc_chunked(in, len, 1 + (size_t)rand() % 7, out, sizeof(out));
		for (k = 0; k < len; k++)
			fprintf(f, "%02x", in[k]);
		fprintf(f, "\t\"%s\"\n", out);
	}
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 -c '"
	    "import json,sys\n"
	    "for n, line in enumerate(open(sys.argv[1], encoding=\"utf-8\", errors=\"strict\"), 1):\n"
	    "    raw, js = line.rstrip(\"\\n\").split(\"\\t\", 1)\n"
	    "    want = bytes.fromhex(raw).decode(\"utf-8\", \"replace\")\n"
	    "    if json.loads(js) != want: sys.exit(\"line %%d differs\" %% n)\n"
	    "' %s", path);
	rc = system(cmd);
	unlink(path);
	rmdir(dir);
	assert_int_equal(rc, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ascii_escapes),
		cmocka_unit_test(utf8_passes_c1_escaped),
		cmocka_unit_test(invalid_bytes_replaced),
		cmocka_unit_test(carry_across_chunks),
		cmocka_unit_test(short_output_refused),
		cmocka_unit_test(agrees_with_python),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
