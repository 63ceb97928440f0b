#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "names.h"

static void valid_names(void **state)
{
	char why[128];
	const char *ok[] = { "a", "0", "myproject", "my-project-2", "9lives", "a-",
		"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz0" /* 63 */ };

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(ws_name_check(ok[i], why, sizeof(why)), WS_OK);
}

static void invalid_names(void **state)
{
	char why[128];
	const char *bad[] = { "", "-a", "Upper", "a_b", "a.b", "..", "a/b", "a%b", "a?b", "a#b",
		"a b", "é", "a+b",
		"abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz01" /* 64 */ };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why[0] = '\0';
		assert_int_equal(ws_name_check(bad[i], why, sizeof(why)), WS_ERR_INVALID);
		assert_true(strlen(why) > 10);
	}
	assert_int_equal(ws_name_check(NULL, why, sizeof(why)), WS_ERR_INVALID);
}

static void reasons_say_what_to_do(void **state)
{
	char why[128];

	(void)state;
	ws_name_check("Foo", why, sizeof(why));
	assert_non_null(strstr(why, "lowercase"));
	ws_name_check("-x", why, sizeof(why));
	assert_non_null(strstr(why, "start with"));
}

static void login_names(void **state)
{
	char acc[WS_ACCOUNT_MAX + 1], ws[WS_NAME_MAX + 1], why[160];
	const char *bad[] = { "", "+", "++", "a++", "a+ ", "a+-", " a+", "A+", "+b", "a+b+c", "A+b", "a+B", "1a+b", "a.b+c",
		"a/b+c", "a+..", "abcdefghijklmnopqrstuvwxyz0123456+b" /* 33 */, NULL };
	size_t i;

	(void)state;
	assert_int_equal(ws_login_parse("proj", acc, ws, why, sizeof(why)), WS_OK);
	assert_string_equal(acc, "");
	assert_string_equal(ws, "proj");
	assert_int_equal(ws_login_parse("alice+proj-2", acc, ws, why, sizeof(why)), WS_OK);
	assert_string_equal(acc, "alice");
	assert_string_equal(ws, "proj-2");
	assert_int_equal(ws_login_parse("_svc-1+x", acc, ws, why, sizeof(why)), WS_OK);
	assert_string_equal(acc, "_svc-1");
	/* ACCOUNT+ alone: the owner's commands, no workspace. */
	assert_int_equal(ws_login_parse("alice+", acc, ws, why, sizeof(why)), WS_OK);
	assert_string_equal(acc, "alice");
	assert_string_equal(ws, "");
	assert_int_equal(ws_login_parse("abcdefghijklmnopqrstuvwxyz012345+b", acc, ws, why,
	    sizeof(why)), WS_OK); /* 32 */
	for (i = 0; bad[i] != NULL; i++) {
		why[0] = '\0';
		assert_int_equal(ws_login_parse(bad[i], acc, ws, why, sizeof(why)), WS_ERR_INVALID);
		assert_true(strlen(why) > 10);
	}
	assert_int_equal(ws_login_parse(NULL, acc, ws, why, sizeof(why)), WS_ERR_INVALID);
	assert_int_equal(ws_account_check("root", why, sizeof(why)), WS_OK);
	assert_int_equal(ws_account_check("-x", why, sizeof(why)), WS_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_names),
		cmocka_unit_test(invalid_names),
		cmocka_unit_test(reasons_say_what_to_do),
		cmocka_unit_test(login_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
