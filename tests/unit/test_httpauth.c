#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "httpauth.h"

static ws_err parse(const char *body, const char *account, struct ws_httpauth_answer *a)
{
	return ws_httpauth_parse(body, strlen(body), account, a);
}

static void answers(void **state)
{
	struct ws_httpauth_answer a;

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(parse("{\"allow\": true, \"account\": \"dave\", \"groups\": [\"ext\", \"ops\"]}",
	    "", &a), WS_OK);
	assert_true(a.allow);
	assert_string_equal(a.account, "dave");
	assert_string_equal(a.groups[0], "ext");
	assert_string_equal(a.groups[1], "ops");
	assert_null(a.groups[2]);
	ws_httpauth_answer_clear(&a);
	/* The named account stands when the answer gives none. */
	assert_int_equal(parse("{\"allow\": true}", "erin", &a), WS_OK);
	assert_string_equal(a.account, "erin");
	ws_httpauth_answer_clear(&a);
	assert_int_equal(parse("{\"allow\": false, \"message\": \"no\\nforged line\"}", "", &a), WS_OK);
	assert_false(a.allow);
	assert_string_equal(a.message, "no");
	ws_httpauth_answer_clear(&a);
}

static void refusals(void **state)
{
	struct ws_httpauth_answer a;
	const char *bad[] = {
		"", "{", "[]", "null", "{\"allow\": \"yes\", \"account\": \"a\"}",
		"{\"allow\": true}",                                  /* as whom? */
		"{\"allow\": true, \"account\": \"Root\"}",
		"{\"allow\": true, \"account\": \"a/b\"}",
		"{\"allow\": true, \"account\": 7}",
		"{\"allow\": true, \"account\": \"a\", \"groups\": \"ext\"}",
		"{\"allow\": true, \"account\": \"a\", \"groups\": [\"../x\"]}",
		"{\"allow\": true, \"account\": \"a\", \"groups\": [1]}",
		"{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":1}}}}}}}}, \"allow\": true}",
		NULL };
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		memset(&a, 0xff, sizeof(a));
		assert_int_equal(parse(bad[i], "", &a), WS_ERR_INVALID);
	}
	/* The endpoint may not swap the account the person named. */
	assert_int_equal(parse("{\"allow\": true, \"account\": \"mallory\"}", "alice", &a),
	    WS_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers),
		cmocka_unit_test(refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
