#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "children.h"

static void counts_unauthenticated(void **state)
{
	struct ws_children *t = ws_children_new();

	(void)state;
	assert_non_null(t);
	for (pid_t p = 100; p < 300; p++)
		assert_int_equal(ws_children_add(t, p), WS_OK);
	assert_int_equal(ws_children_unauthenticated(t), 200);
	ws_children_authed(t, 150);
	ws_children_authed(t, 150); /* twice counts once */
	ws_children_authed(t, 999); /* unknown: ignored */
	assert_int_equal(ws_children_unauthenticated(t), 199);
	ws_children_remove(t, 150); /* authenticated one leaves */
	assert_int_equal(ws_children_unauthenticated(t), 199);
	ws_children_remove(t, 100); /* unauthenticated one leaves */
	ws_children_remove(t, 100);
	assert_int_equal(ws_children_unauthenticated(t), 198);
	for (pid_t p = 100; p < 300; p++)
		ws_children_remove(t, p);
	assert_int_equal(ws_children_unauthenticated(t), 0);
	ws_children_free(t);
	ws_children_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_unauthenticated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
