#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "policy.h"

static char *no_groups[] = { NULL };
static char *dev_groups[] = { "users", "devs", NULL };

static void owners_and_access(void **state)
{
	char *access[] = { "demo: bob @ops", "shared: *", "*: @admins", NULL };
	char *admins[] = { "admins", NULL }, *ops[] = { "ops", NULL };
	struct ws_principal alice = { "alice", no_groups }, bob = { "bob", NULL },
		carol = { "carol", ops }, root = { "root", admins }, dave = { "dave", dev_groups };

	(void)state;
	assert_true(ws_policy_may_enter(access, &alice, "proj", "alice"));
	assert_false(ws_policy_may_enter(access, &bob, "proj", "alice"));
	assert_true(ws_policy_may_enter(access, &bob, "demo", "alice"));
	assert_true(ws_policy_may_enter(access, &carol, "demo", "alice"));
	assert_false(ws_policy_may_enter(access, &carol, "demo2", "alice"));
	assert_false(ws_policy_may_enter(access, &carol, "dem", "alice"));
	assert_true(ws_policy_may_enter(access, &dave, "shared", "alice"));
	assert_true(ws_policy_may_enter(access, &root, "anything", "alice"));
	/* No owner label: only the access list. */
	assert_false(ws_policy_may_enter(access, &alice, "proj", ""));
	assert_false(ws_policy_may_enter(NULL, &alice, "proj", ""));
	/* A name that only starts like an account or group is not it. */
	{
		char *a2[] = { "demo: bobby @opsx", NULL };
		assert_false(ws_policy_may_enter(a2, &bob, "demo", "alice"));
		assert_false(ws_policy_may_enter(a2, &carol, "demo", "alice"));
	}
}

static void creation(void **state)
{
	char *all[] = { "*", NULL }, *none[] = { NULL }, *some[] = { "alice", "@devs", NULL };
	struct ws_principal alice = { "alice", NULL }, bob = { "bob", NULL }, dave = { "dave", dev_groups };

	(void)state;
	assert_true(ws_policy_may_create(all, &bob));
	assert_false(ws_policy_may_create(none, &alice));
	assert_true(ws_policy_may_create(some, &alice));
	assert_false(ws_policy_may_create(some, &bob));
	assert_true(ws_policy_may_create(some, &dave));
}

static void syntax(void **state)
{
	char err[200];
	char *good_a[] = { "demo: bob @ops", "*: @admins", "x:alice,bob", "s: *", NULL };
	char *good_c[] = { "*", "alice @devs", NULL };
	const char *bad_a[] = { "demo bob", ": bob", "Demo: bob", "demo: Bob", "demo: @",
		"demo: b/ob", "../x: bob", NULL };
	const char *bad_c[] = { "Alice", "@", "a;b", NULL };
	size_t i;

	(void)state;
	assert_int_equal(ws_policy_check(good_a, good_c, err, sizeof(err)), WS_OK);
	assert_int_equal(ws_policy_check(NULL, NULL, err, sizeof(err)), WS_OK);
	for (i = 0; bad_a[i] != NULL; i++) {
		char *a[] = { (char *)bad_a[i], NULL };
		err[0] = '\0';
		assert_int_equal(ws_policy_check(a, NULL, err, sizeof(err)), WS_ERR_CONFIG);
		assert_non_null(strstr(err, "access entry 1"));
	}
	for (i = 0; bad_c[i] != NULL; i++) {
		char *c[] = { (char *)bad_c[i], NULL };
		err[0] = '\0';
		assert_int_equal(ws_policy_check(NULL, c, err, sizeof(err)), WS_ERR_CONFIG);
		assert_non_null(strstr(err, "create entry 1"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(owners_and_access),
		cmocka_unit_test(creation),
		cmocka_unit_test(syntax),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
