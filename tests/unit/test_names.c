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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(valid_names),
		cmocka_unit_test(invalid_names),
		cmocka_unit_test(reasons_say_what_to_do),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
