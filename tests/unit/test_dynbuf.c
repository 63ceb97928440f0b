#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(grows_until_cap),
		cmocka_unit_test(huge_length_does_not_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
