#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>

#include "penalty.h"

static void accumulates_and_expires(void **state)
{
	struct ws_penalty *t = ws_penalty_new(5, 15, 60);

	(void)state;
	ws_penalty_fail(t, "192.0.2.1", 100);
	ws_penalty_fail(t, "192.0.2.1", 100);
	assert_true(ws_penalty_refused(t, "192.0.2.1", 100) == 0);   /* 10 s < min 15 */
	ws_penalty_fail(t, "192.0.2.1", 100);
	assert_true(ws_penalty_refused(t, "192.0.2.1", 100) == 15);
	assert_true(ws_penalty_refused(t, "192.0.2.2", 100) == 0);   /* others untouched */
	assert_true(ws_penalty_refused(t, "192.0.2.1", 101) == 0);   /* 14 s left < min */
	for (int i = 0; i < 100; i++)
		ws_penalty_fail(t, "192.0.2.1", 200);
	assert_true(ws_penalty_refused(t, "192.0.2.1", 200) == 60);  /* capped at max */
	ws_penalty_free(t);
	ws_penalty_free(NULL);
}

static void disabled_and_full_table(void **state)
{
	struct ws_penalty *off = ws_penalty_new(0, 1, 60), *t = ws_penalty_new(10, 5, 60);
	char ip[64];

	(void)state;
	ws_penalty_fail(off, "192.0.2.1", 0);
	assert_true(ws_penalty_refused(off, "192.0.2.1", 0) == 0);
	/* More addresses than slots: the table stays bounded, newest remembered. */
	for (int i = 0; i < WS_PENALTY_SLOTS + 100; i++) {
		snprintf(ip, sizeof(ip), "10.%d.%d.%d", i >> 16, (i >> 8) & 255, i & 255);
		ws_penalty_fail(t, ip, (double)i);
	}
	assert_true(ws_penalty_refused(t, ip, (double)(WS_PENALTY_SLOTS + 99)) > 0);
	ws_penalty_free(off);
	ws_penalty_free(t);
}

static void sources_are_v4_addresses_and_v6_slash64(void **state)
{
	struct ws_penalty *t = ws_penalty_new(10, 5, 60);

	(void)state;
	assert_non_null(t);
	ws_penalty_fail(t, "2001:db8:1:2::10", 100);
	assert_true(ws_penalty_refused(t, "2001:db8:1:2:ffff::1", 100) > 0);
	assert_true(ws_penalty_refused(t, "2001:db8:1:3::10", 100) == 0);
	ws_penalty_fail(t, "::ffff:192.0.2.7", 100);
	assert_true(ws_penalty_refused(t, "192.0.2.7", 100) > 0);
	assert_true(ws_penalty_refused(t, "192.0.2.8", 100) == 0);
	ws_penalty_free(t);
}

/* The grace-time penalty adds its own seconds, also when authfail is 0. */
static void other_penalties_add_up(void **state)
{
	struct ws_penalty *t = ws_penalty_new(0, 15, 60);

	(void)state;
	assert_non_null(t);
	ws_penalty_fail(t, "192.0.2.7", 100);
	assert_true(ws_penalty_refused(t, "192.0.2.7", 100) == 0);
	ws_penalty_add(t, "192.0.2.7", 100, 10);
	assert_true(ws_penalty_refused(t, "192.0.2.7", 100) == 0); /* 10 s < min 15 */
	ws_penalty_add(t, "::ffff:192.0.2.7", 101, 10);
	assert_true(ws_penalty_refused(t, "192.0.2.7", 101) > 18.9);
	ws_penalty_add(t, "192.0.2.8", 101, 0);
	assert_true(ws_penalty_refused(t, "192.0.2.8", 101) == 0);
	ws_penalty_free(t);
}

static void counts_sources_refused_now(void **state)
{
	struct ws_penalty *t = ws_penalty_new(10, 15, 60);

	(void)state;
	assert_int_equal(ws_penalty_active(NULL, 0), 0);
	assert_int_equal(ws_penalty_active(t, 100), 0);
	ws_penalty_fail(t, "192.0.2.1", 100);                 /* 10 s: below min */
	assert_int_equal(ws_penalty_active(t, 100), 0);
	ws_penalty_fail(t, "192.0.2.1", 100);                 /* 20 s */
	ws_penalty_add(t, "2001:db8::1", 100, 30);
	ws_penalty_add(t, "2001:db8::2", 100, 30);            /* the same /64 */
	assert_int_equal(ws_penalty_active(t, 100), 2);
	assert_int_equal(ws_penalty_active(t, 106), 1);       /* 14 s left < min */
	assert_int_equal(ws_penalty_active(t, 200), 0);
	ws_penalty_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_sources_refused_now),
		cmocka_unit_test(accumulates_and_expires),
		cmocka_unit_test(disabled_and_full_table),
		cmocka_unit_test(sources_are_v4_addresses_and_v6_slash64),
		cmocka_unit_test(other_penalties_add_up),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
