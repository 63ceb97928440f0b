#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "addrmatch.h"
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


/* One entry at a time, as wsgate -t reports them. */
static void entries(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(ws_policy_access_entry_check("demo: bob @ops", why, sizeof(why)), WS_OK);
	assert_int_equal(ws_policy_access_entry_check("*: *", why, sizeof(why)), WS_OK);
	assert_int_equal(ws_policy_access_entry_check("demo: ", why, sizeof(why)), WS_ERR_CONFIG);
	assert_non_null(strstr(why, "names no one"));
	assert_int_equal(ws_policy_access_entry_check("demo:", why, sizeof(why)), WS_ERR_CONFIG);
	assert_int_equal(ws_policy_access_entry_check("demo: ,\t", why, sizeof(why)), WS_ERR_CONFIG);
	assert_int_equal(ws_policy_access_entry_check("Demo: bob", why, sizeof(why)), WS_ERR_CONFIG);
	assert_int_equal(ws_policy_create_entry_check("@ops", why, sizeof(why)), WS_OK);
	assert_int_equal(ws_policy_create_entry_check(" ", why, sizeof(why)), WS_ERR_CONFIG);
	assert_int_equal(ws_policy_create_entry_check("@", why, sizeof(why)), WS_ERR_CONFIG);
}

/* penalty_exempt entries: what ws_addr_list_allows can match, no more. */
static void address_lists(void **state)
{
	static const char *const good[] = { "192.0.2.0/24", "2001:db8::/32", "10.*", "!10.1.2.3",
		"192.0.2.7", "::1", "10.*,!10.9.*", "0.0.0.0/0", "fe80::*" };
	static const char *const bad[] = { "not-an-ip", "192.0.2.1/24", "10.0.0.0/33", "10.0.0.0/",
		"", "!", "10.*,", "host.example.com", "2001:db8::1/32", "1.2.3.4/x", "999.1.1.1" };
	char why[200];

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (ws_addr_list_check(good[i], why, sizeof(why)) != WS_OK)
			fail_msg("'%s' refused: %s", good[i], why);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ws_addr_list_check(bad[i], why, sizeof(why)) == WS_OK)
			fail_msg("'%s' accepted", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(owners_and_access),
		cmocka_unit_test(creation),
		cmocka_unit_test(syntax),
		cmocka_unit_test(entries),
		cmocka_unit_test(address_lists),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
