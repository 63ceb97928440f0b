/* The key store over a real directory: which account a key identifies, a
 * named account reads only its own file, a key two accounts hold is
 * ambiguous, and files with names that are not accounts are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keystore.h"
#include "names.h"

static ssh_key k1, k2, k3;
static char dir[64];

static void add_key(const char *file, ssh_key k, const char *options)
{
	char path[200], *b64 = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	f = fopen(path, "a");
	assert_non_null(f);
	assert_int_equal(ssh_pki_export_pubkey_base64(k, &b64), SSH_OK);
	fprintf(f, "%s%s%s %s comment\n", options, options[0] ? " " : "",
	    ssh_key_type_to_char(ssh_key_type(k)), b64);
	ssh_string_free_char(b64);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/wsgate-keystore.XXXXXX");
	if (mkdtemp(dir) == NULL || ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &k1) != SSH_OK ||
	    ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &k2) != SSH_OK ||
	    ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &k3) != SSH_OK)
		return -1;
	add_key("alice", k1, "");
	add_key("bob", k2, "no-pty");
	add_key("bob", k3, "");
	add_key("carol", k3, "");
	add_key("Not-An-Account", k1, "");
	add_key(".hidden", k2, "");
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	ssh_key_free(k1);
	ssh_key_free(k2);
	ssh_key_free(k3);
	return 0;
}

static void finds_accounts(void **state)
{
	struct ws_keystore_params p = { dir, 0, 1000 };
	struct ws_authkey_restrict r;
	char acc[WS_ACCOUNT_MAX + 1];

	(void)state;
	assert_int_equal(ws_keystore_find(&p, "", k1, "127.0.0.1", 0, acc, &r), WS_OK);
	assert_string_equal(acc, "alice");
	assert_int_equal(ws_keystore_find(&p, "", k2, "127.0.0.1", 0, acc, &r), WS_OK);
	assert_string_equal(acc, "bob");
	assert_true(r.no_pty);
	/* Named: only that account's file counts. */
	assert_int_equal(ws_keystore_find(&p, "alice", k1, "127.0.0.1", 0, acc, &r), WS_OK);
	assert_int_equal(ws_keystore_find(&p, "bob", k1, "127.0.0.1", 0, acc, &r), WS_ERR_DENIED);
	assert_int_equal(ws_keystore_find(&p, "nobody", k1, "127.0.0.1", 0, acc, &r), WS_ERR_DENIED);
}

static void shared_key_is_ambiguous(void **state)
{
	struct ws_keystore_params p = { dir, 0, 1000 };
	struct ws_authkey_restrict r;
	char acc[WS_ACCOUNT_MAX + 1] = "unchanged";

	(void)state;
	assert_int_equal(ws_keystore_find(&p, "", k3, "127.0.0.1", 0, acc, &r), WS_ERR_CONFLICT);
	assert_string_equal(acc, "unchanged");
	assert_int_equal(ws_keystore_find(&p, "carol", k3, "127.0.0.1", 0, acc, &r), WS_OK);
	assert_string_equal(acc, "carol");
	assert_int_equal(ws_keystore_find(&p, "bob", k3, "127.0.0.1", 0, acc, &r), WS_OK);
	assert_string_equal(acc, "bob");
	assert_false(r.no_pty); /* the line that matched, not bob's other one */
}

static void missing_directory(void **state)
{
	struct ws_keystore_params p = { "/nonexistent/keys", 0, 1000 };
	struct ws_authkey_restrict r;
	char acc[WS_ACCOUNT_MAX + 1];

	(void)state;
	assert_int_equal(ws_keystore_find(&p, "", k1, "127.0.0.1", 0, acc, &r), WS_ERR_DENIED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(finds_accounts),
		cmocka_unit_test(shared_key_is_ambiguous),
		cmocka_unit_test(missing_directory),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
