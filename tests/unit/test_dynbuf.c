#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>

#include "dynbuf.h"

static void grows_until_cap(void **state)
{
	struct ws_dynbuf *b = ws_dynbuf_new(1000);
	char chunk[300];

	(void)state;
	memset(chunk, 'x', sizeof(chunk));
	assert_non_null(b);
	assert_string_equal(ws_dynbuf_ptr(b), "");
	for (int i = 0; i < 3; i++)
		assert_int_equal(ws_dynbuf_add(b, chunk, sizeof(chunk)), WS_OK);
	assert_int_equal(ws_dynbuf_len(b), 900);
	assert_int_equal(ws_dynbuf_add(b, chunk, sizeof(chunk)), WS_ERR_TOO_LARGE);
	assert_int_equal(ws_dynbuf_len(b), 900); /* unchanged on refusal */
	assert_int_equal(ws_dynbuf_add(b, chunk, 100), WS_OK);
	assert_int_equal(ws_dynbuf_len(b), 1000);
	assert_int_equal(ws_dynbuf_add(b, "y", 1), WS_ERR_TOO_LARGE);
	assert_int_equal(ws_dynbuf_ptr(b)[1000], '\0');
	ws_dynbuf_reset(b);
	assert_int_equal(ws_dynbuf_len(b), 0);
	ws_dynbuf_free(b);
	ws_dynbuf_free(NULL);
}

static void huge_length_does_not_wrap(void **state)
{
	struct ws_dynbuf *b = ws_dynbuf_new(16);

	(void)state;
	assert_int_equal(ws_dynbuf_add(b, "abc", 3), WS_OK);
	assert_int_equal(ws_dynbuf_add(b, "abc", SIZE_MAX - 1), WS_ERR_TOO_LARGE);
	ws_dynbuf_free(b);
}

static void reads_a_descriptor_up_to_the_cap(void **state)
{
	struct ws_dynbuf *b = ws_dynbuf_new(10);
	int p[2];

	(void)state;
	assert_non_null(b);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "hello", 5), 5);
	close(p[1]);
	assert_int_equal(ws_dynbuf_add_fd(b, p[0]), WS_OK);
	assert_string_equal(ws_dynbuf_ptr(b), "hello");
	close(p[0]);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], "0123456789x", 11), 11);
	close(p[1]);
	ws_dynbuf_reset(b);
	assert_int_equal(ws_dynbuf_add_fd(b, p[0]), WS_ERR_TOO_LARGE);
	close(p[0]);
	assert_int_equal(ws_dynbuf_add_fd(b, -1), WS_ERR_IO);
	ws_dynbuf_free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_until_cap),
		cmocka_unit_test(huge_length_does_not_wrap),
		cmocka_unit_test(reads_a_descriptor_up_to_the_cap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
