#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "children.h"

static void counts_unauthenticated(void **state)
{
	struct ws_children *t = ws_children_new();
	char src[64];

	(void)state;
	assert_non_null(t);
	for (pid_t p = 100; p < 300; p++)
		assert_int_equal(ws_children_add(t, p, p < 110 ? "192.0.2.9" : "192.0.2.1"), WS_OK);
	assert_int_equal(ws_children_unauthenticated(t), 200);
	ws_children_authed(t, 150);
	ws_children_authed(t, 150); /* twice counts once */
	ws_children_authed(t, 999); /* unknown: ignored */
	assert_int_equal(ws_children_unauthenticated(t), 199);
	assert_int_equal(ws_children_unauthenticated_from(t, "192.0.2.9"), 10);
	assert_int_equal(ws_children_unauthenticated_from(t, "192.0.2.1"), 189);
	assert_int_equal(ws_children_unauthenticated_from(t, "192.0.2.2"), 0);
	assert_int_equal(ws_children_remove(t, 150, src, sizeof(src)), 0); /* authenticated */
	assert_int_equal(ws_children_unauthenticated(t), 199);
	/* An unauthenticated one leaves: its source is told (crash penalties). */
	assert_int_equal(ws_children_remove(t, 100, src, sizeof(src)), 1);
	assert_string_equal(src, "192.0.2.9");
	assert_int_equal(ws_children_remove(t, 100, src, sizeof(src)), 0); /* gone */
	assert_int_equal(ws_children_unauthenticated(t), 198);
	assert_int_equal(ws_children_unauthenticated_from(t, "192.0.2.9"), 9);
	ws_children_authed(t, 101);
	assert_int_equal(ws_children_unauthenticated_from(t, "192.0.2.9"), 8);
	for (pid_t p = 100; p < 300; p++)
		ws_children_remove(t, p, NULL, 0);
	assert_int_equal(ws_children_unauthenticated(t), 0);
	ws_children_free(t);
	ws_children_free(NULL);
}

static void parses_max_startups(void **state)
{
	struct ws_startups s = { 0, 0, 0 };
	char why[256];
	static const char *bad[] = { "", "0", "10:30", "10:0:100", "10:101:100", "20:30:10",
		"10:30:100:", "a", "10 ", "-5", "10:30:100000000", "99999999999999999999", ":30:100", NULL };

	(void)state;
	assert_int_equal(ws_startups_parse("10:30:100", &s, why, sizeof(why)), WS_OK);
	assert_int_equal(s.start, 10);
	assert_int_equal(s.rate, 30);
	assert_int_equal(s.full, 100);
	assert_int_equal(ws_startups_parse("7", &s, why, sizeof(why)), WS_OK);
	assert_int_equal(s.start, 7);
	assert_int_equal(s.full, 7);
	for (int i = 0; bad[i] != NULL; i++) {
		why[0] = '\0';
		assert_int_equal(ws_startups_parse(bad[i], &s, why, sizeof(why)), WS_ERR_CONFIG);
		assert_non_null(strstr(why, "START:RATE:FULL"));
	}
	assert_int_equal(s.start, 7); /* untouched on failure */
}

/* OpenSSH's random early drop: rate% at start, rising to 100% at full. */
static void drops_early_at_random(void **state)
{
	const struct ws_startups s = { 10, 30, 100 }, n = { 3, 100, 3 };

	(void)state;
	assert_true(ws_startups_admit(&s, 9, 0.0));       /* below start: always */
	assert_false(ws_startups_admit(&s, 10, 29.9));    /* at start: 30% dropped */
	assert_true(ws_startups_admit(&s, 10, 30.0));
	assert_false(ws_startups_admit(&s, 55, 64.9));    /* halfway: 65% */
	assert_true(ws_startups_admit(&s, 55, 65.1));
	assert_false(ws_startups_admit(&s, 100, 99.99));  /* full: all */
	assert_false(ws_startups_admit(&s, 500, 99.99));
	assert_true(ws_startups_admit(&n, 2, 0.0));
	assert_false(ws_startups_admit(&n, 3, 99.99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_unauthenticated),
		cmocka_unit_test(parses_max_startups),
		cmocka_unit_test(drops_early_at_random),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
