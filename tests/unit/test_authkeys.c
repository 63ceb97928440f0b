#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkeys.h"

static ssh_key ed, ed2, ecdsa, rsa, p384;
static char ed_line[512], ed2_line[512], ecdsa_line[512], rsa_line[1024], p384_line[512];

static void publine(ssh_key k, char *out, size_t outlen)
{
	char *b64 = NULL;

	assert_int_equal(ssh_pki_export_pubkey_base64(k, &b64), SSH_OK);
	snprintf(out, outlen, "%s %s", ssh_key_type_to_char(ssh_key_type(k)), b64);
	ssh_string_free_char(b64);
}

static int setup(void **state)
{
	(void)state;
	if (ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &ed) != SSH_OK ||
	    ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &ed2) != SSH_OK ||
	    ssh_pki_generate_key(SSH_KEYTYPE_ECDSA_P256, NULL, &ecdsa) != SSH_OK ||
	    ssh_pki_generate_key(SSH_KEYTYPE_RSA, NULL, &rsa) != SSH_OK ||
	    ssh_pki_generate_key(SSH_KEYTYPE_ECDSA_P384, NULL, &p384) != SSH_OK)
		return -1;
	publine(ed, ed_line, sizeof(ed_line));
	publine(ed2, ed2_line, sizeof(ed2_line));
	publine(ecdsa, ecdsa_line, sizeof(ecdsa_line));
	publine(rsa, rsa_line, sizeof(rsa_line));
	publine(p384, p384_line, sizeof(p384_line));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ssh_key_free(ed);
	ssh_key_free(ed2);
	ssh_key_free(ecdsa);
	ssh_key_free(rsa);
	ssh_key_free(p384);
	return 0;
}

/* Matches key against text from 192.0.2.7 at a fixed time. */
static ws_err match(const char *text, ssh_key key, struct ws_authkey_restrict *r)
{
	struct ws_authkey_restrict dummy;

	return ws_authkeys_match_text(text, strlen(text), key, "192.0.2.7",
	    1800000000 /* 2027-01-15 */, r ? r : &dummy);
}

static void plain_lines(void **state)
{
	char text[4096];

	(void)state;
	snprintf(text, sizeof(text), "# people\n\n   \n%s alice@laptop\r\n%s\n%s bob with spaces\n",
	    ed_line, ecdsa_line, rsa_line);
	assert_int_equal(match(text, ed, NULL), WS_OK);
	assert_int_equal(match(text, ecdsa, NULL), WS_OK);
	assert_int_equal(match(text, rsa, NULL), WS_OK);
	assert_int_equal(match(text, ed2, NULL), WS_ERR_DENIED);
	assert_int_equal(match("", ed, NULL), WS_ERR_DENIED);
}

static void restrictions_are_carried(void **state)
{
	struct ws_authkey_restrict r;
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "no-pty,no-agent-forwarding %s\n", ed_line);
	assert_int_equal(match(text, ed, &r), WS_OK);
	assert_true(r.no_pty);
	assert_true(r.no_agent_forwarding);
	assert_false(r.no_port_forwarding);
	snprintf(text, sizeof(text), "restrict,pty %s c\n", ed_line);
	assert_int_equal(match(text, ed, &r), WS_OK);
	assert_false(r.no_pty);
	assert_true(r.no_port_forwarding && r.no_x11_forwarding && r.no_agent_forwarding);
}

static void from_patterns(void **state)
{
	char text[1024];
	struct { const char *opt; ws_err want; } cases[] = {
		{ "from=\"192.0.2.7\"", WS_OK },
		{ "from=\"192.0.2.*\"", WS_OK },
		{ "from=\"192.0.2.0/24\"", WS_OK },
		{ "from=\"10.0.0.0/8,192.0.2.0/29\"", WS_OK },
		{ "from=\"192.0.2.0/30\"", WS_ERR_DENIED },
		{ "from=\"10.0.0.0/8\"", WS_ERR_DENIED },
		{ "from=\"*,!192.0.2.7\"", WS_ERR_DENIED },
		{ "from=\"!192.0.2.0/24,*\"", WS_ERR_DENIED },
		{ "from=\"192.0.2.0/33\"", WS_ERR_DENIED },
		/* What the check calls dead lets no one in either (the
		 * matcher alone would take them: host bits masked, an empty
		 * entry skipped, an fnmatch class). */
		{ "from=\"192.0.2.1/24\"", WS_ERR_DENIED },
		{ "from=\"192.0.2.7,\"", WS_ERR_DENIED },
		{ "from=\"192.0.2.[1-9]\"", WS_ERR_DENIED },
		{ "from=\"192.0.2.7,host.example.com\"", WS_ERR_DENIED },
	};
	static const char *const dead[] = { "192.0.2.1/24", "192.0.2.7,", "192.0.2.[1-9]",
		"192.0.2.7,host.example.com", "192.0.2.0/33" };
	struct ws_authkey_restrict r;

	(void)state;
	/* What the check calls dead lets no one in, even from an address the
	 * list would match. */
	for (size_t i = 0; i < sizeof(dead) / sizeof(dead[0]); i++) {
		snprintf(text, sizeof(text), "from=\"%s\" %s", dead[i], ed_line);
		if (ws_authkeys_check_line(text, NULL, 0) != WS_ERR_INVALID)
			fail_msg("from=\"%s\": the check takes it", dead[i]);
		strcat(text, "\n");
		if (match(text, ed, NULL) != WS_ERR_DENIED)
			fail_msg("from=\"%s\": the check calls it dead, a login takes it", dead[i]);
	}
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s %s\n", cases[i].opt, ed_line);
		if (match(text, ed, NULL) != cases[i].want)
			fail_msg("case %s", cases[i].opt);
		/* A line a login takes, the check calls good. */
		text[strlen(text) - 1] = '\0';
		if (cases[i].want == WS_OK && ws_authkeys_check_line(text, NULL, 0) != WS_OK)
			fail_msg("case %s: a login takes it, the check does not", cases[i].opt);
		/* The same client seen by a socket bound to "::" (IPv4-mapped). */
		if (ws_authkeys_match_text(text, strlen(text), ed, "::ffff:192.0.2.7", 0, &r) !=
		    cases[i].want)
			fail_msg("case %s, IPv4-mapped", cases[i].opt);
	}
}

static void expiry(void **state)
{
	char text[1024];

	(void)state;
	snprintf(text, sizeof(text), "expiry-time=\"20270101\" %s\n", ed_line);
	assert_int_equal(match(text, ed, NULL), WS_ERR_DENIED);
	snprintf(text, sizeof(text), "expiry-time=\"203001011200\" %s\n", ed_line);
	assert_int_equal(match(text, ed, NULL), WS_OK);
	snprintf(text, sizeof(text), "expiry-time=\"2030\" %s\n", ed_line);
	assert_int_equal(match(text, ed, NULL), WS_ERR_DENIED);
}

/* An option we cannot honour must never widen access: the line is refused,
 * while the same key on a later plain line still counts. */
static void unknown_options_refuse_the_line(void **state)
{
	const char *opts[] = {
		"command=\"/bin/true\"", "environment=\"A=b\"", "permitopen=\"h:1\"",
		"principals=\"x\"", "cert-authority", "no-user-rc", "tunnel=\"1\"",
		"frobnicate", "from=\"unterminated", "no-pty,", ",no-pty", "no-pty,,restrict",
		"command=\"a \\\" b\"",
	};
	char text[2048];

	(void)state;
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		snprintf(text, sizeof(text), "%s %s\n", opts[i], ed_line);
		if (match(text, ed, NULL) != WS_ERR_DENIED)
			fail_msg("option %s widened access", opts[i]);
	}
	snprintf(text, sizeof(text), "command=\"x\" %s\n%s\n", ed_line, ed_line);
	assert_int_equal(match(text, ed, NULL), WS_OK);
}

static void junk_is_skipped(void **state)
{
	char *big = malloc(WS_AUTHKEYS_MAX_LINE + 2048);
	char text[1024];

	(void)state;
	assert_non_null(big);
	memset(big, 'A', WS_AUTHKEYS_MAX_LINE + 10);
	snprintf(big + WS_AUTHKEYS_MAX_LINE + 10, 1024, "\n%s\n", ed_line);
	assert_int_equal(match(big, ed, NULL), WS_OK); /* long line skipped, next read */
	free(big);
	assert_int_equal(match("ssh-ed25519 !!!notbase64\n", ed, NULL), WS_ERR_DENIED);
	assert_int_equal(match("ssh-ed25519\n", ed, NULL), WS_ERR_DENIED);
	assert_int_equal(match("no-pty\n", ed, NULL), WS_ERR_DENIED);
	/* the ed25519 blob under another type name is not a match */
	snprintf(text, sizeof(text), "ssh-rsa%s\n", strchr(ed_line, ' '));
	assert_int_equal(match(text, ed, NULL), WS_ERR_DENIED);
	/* a NUL inside the text does not end the search early */
	{
		char buf[1024];
		int n = snprintf(buf, sizeof(buf), "junk\nx%cy\n%s\n", '\0', ed_line);
		assert_int_equal(ws_authkeys_match_text(buf, (size_t)n, ed, "192.0.2.7", 0,
		    &(struct ws_authkey_restrict){ 0 }), WS_OK);
	}
}

static void file_errors(void **state)
{
	struct ws_authkey_restrict r;
	char dir[] = "/tmp/wsgate-ak.XXXXXX", path[64];
	int fd;

	(void)state;
	assert_int_equal(ws_authkeys_match_file("/nonexistent/authorized_keys", ed, "::1", 0, &r),
	    WS_ERR_IO);
	/* A FIFO (nobody writing) or a directory is refused at once, not read:
	 * a blocking open of the FIFO would wait here for a writer forever. */
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fifo", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(ws_authkeys_match_file(path, ed, "::1", 0, &r), WS_ERR_IO);
	/* ... and a FIFO that would carry a good key is refused too. */
	fd = open(path, O_RDWR | O_NONBLOCK);
	assert_true(fd >= 0);
	assert_true(write(fd, ed_line, strlen(ed_line)) > 0);
	assert_int_equal(ws_authkeys_match_file(path, ed, "::1", 0, &r), WS_ERR_IO);
	close(fd);
	assert_int_equal(ws_authkeys_match_file(dir, ed, "::1", 0, &r), WS_ERR_IO);
	unlink(path);
	rmdir(dir);
}

/* The check says what a login would do with a line: a line it accepts is one
 * a login from an allowed address matches, with the same key. */
static void check_accepts_what_a_login_uses(void **state)
{
	const char *opts[] = { "", "restrict ", "restrict,pty ", "no-pty,no-agent-forwarding ",
		"from=\"192.0.2.0/24,!192.0.2.9\" ", "from=\"2001:db8::/32,192.0.2.*\" ",
		"expiry-time=\"29991231\" ", "NO-X11-FORWARDING,x11-forwarding " };
	ssh_key keys[] = { ed, ecdsa, rsa, p384 };
	const char *lines[] = { ed_line, ecdsa_line, rsa_line, p384_line };
	char text[2048], why[256], *comment;
	ssh_key got;

	(void)state;
	for (size_t o = 0; o < sizeof(opts) / sizeof(opts[0]); o++) {
		for (size_t k = 0; k < 4; k++) {
			snprintf(text, sizeof(text), "%s%s  who@where  with spaces \r", opts[o], lines[k]);
			got = NULL;
			comment = NULL;
			if (ws_authkeys_parse_line(text, &got, &comment, why, sizeof(why)) != WS_OK)
				fail_msg("refused '%s': %s", text, why);
			assert_int_equal(ssh_key_cmp(got, keys[k], SSH_KEY_CMP_PUBLIC), 0);
			assert_string_equal(comment, "who@where  with spaces");
			assert_int_equal(ws_authkeys_check_line(text, why, sizeof(why)), WS_OK);
			assert_int_equal(match(text, keys[k], NULL), WS_OK);
			ssh_key_free(got);
			free(comment);
		}
	}
	assert_int_equal(ws_authkeys_parse_line(ed_line, NULL, &comment, why, sizeof(why)), WS_OK);
	assert_string_equal(comment, "");
	free(comment);
	assert_int_equal(ws_authkeys_check_line("", why, sizeof(why)), WS_ERR_NOT_FOUND);
	assert_int_equal(ws_authkeys_check_line(" \t ", why, sizeof(why)), WS_ERR_NOT_FOUND);
	assert_int_equal(ws_authkeys_check_line("  # ssh-ed25519 AAAA", why, sizeof(why)), WS_ERR_NOT_FOUND);
}

/* A line a login would skip is refused with the reason; and a login does
 * skip it (its key never matches). */
static void check_says_why(void **state)
{
	const char *b64 = strchr(ed_line, ' ') + 1, *p384_b64 = strchr(p384_line, ' ') + 1;
	char cut[41];
	struct { const char *pre, *arg, *post, *why; } cases[] = {
		{ "command=\"/bin/true\" ", ed_line, "", "option 'command' is not one wsgate honours" },
		{ "restrict,cert-authority ", ed_line, "", "option 'cert-authority' is not one" },
		{ "no-user-rc ", ed_line, "", "option 'no-user-rc'" },
		{ "from=\"unterminated ", ed_line, "", "malformed options" },
		{ "no-pty, ", ed_line, "", "malformed options" },
		{ "no-pty=\"1\" ", ed_line, "", "option 'no-pty' takes no value" },
		{ "from ", ed_line, "", "option 'from' needs a value" },
		{ "from=\"*.example.com\" ", ed_line, "", "'*.example.com' is not an address" },
		{ "from=\"192.0.2.1,!bad.host\" ", ed_line, "", "'bad.host' is not an address" },
		{ "from=\"192.0.2.0/33\" ", ed_line, "", "'192.0.2.0/33' is not an address, a CIDR block" },
		{ "from=\"192.0.2.1,,10.0.0.1\" ", ed_line, "", "has an empty entry" },
		{ "expiry-time=\"20000101\" ", ed_line, "", "has passed" },
		{ "expiry-time=\"2030\" ", ed_line, "", "is not YYYYMMDD" },
		{ "ssh-dss ", b64, "", "'ssh-dss' is not a key type" },
		{ "ssh-ed25591 ", b64, " x", "'ssh-ed25591' is not a key type" },
		{ "restrict frob ", b64, "", "'frob' is not a key type" },
		{ "restrict ", "", "", "no key after the options" },
		{ "ssh-ed25519 ", "", "", "no key after 'ssh-ed25519'" },
		{ "ssh-ed25519 ", "!!!notbase64", "", "does not parse" },
		{ "ssh-ed25519 ", cut, "", "does not parse" },
		{ "ecdsa-sha2-nistp256 ", p384_b64, "", "of type ecdsa-sha2-nistp384, but the line says ecdsa-sha2-nistp256" },
		{ "ssh-rsa ", b64, "", "of type ssh-ed25519, but the line says ssh-rsa" },
		{ "", "-----BEGIN OPENSSH PRIVATE KEY-----", "", "private key" },
		{ "", "---- BEGIN SSH2 PUBLIC KEY ----", "", "ssh-keygen -i" },
	};
	char text[2048], why[256];
	ssh_key got;

	(void)state;
	snprintf(cut, sizeof(cut), "%s", b64); /* a key cut short */
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s%s", cases[i].pre, cases[i].arg, cases[i].post);
		got = NULL;
		why[0] = '\0';
		if (ws_authkeys_parse_line(text, &got, NULL, why, sizeof(why)) != WS_ERR_INVALID)
			fail_msg("accepted '%s'", text);
		assert_null(got);
		if (strstr(why, cases[i].why) == NULL)
			fail_msg("'%s': reason '%s', expected '%s'", text, why, cases[i].why);
		for (size_t k = 0; k < 2; k++)
			if (match(text, k ? p384 : ed, NULL) != WS_ERR_DENIED)
				fail_msg("a login took '%s'", text);
	}
}

static void check_bounds_the_line(void **state)
{
	char *big = malloc(WS_AUTHKEYS_MAX_LINE + 2);
	char why[256];

	(void)state;
	assert_non_null(big);
	memset(big, ' ', WS_AUTHKEYS_MAX_LINE + 1);
	big[WS_AUTHKEYS_MAX_LINE + 1] = '\0';
	memcpy(big, ed_line, strlen(ed_line));
	assert_int_equal(ws_authkeys_check_line(big, why, sizeof(why)), WS_ERR_INVALID);
	assert_non_null(strstr(why, "longer than 16384 bytes"));
	big[WS_AUTHKEYS_MAX_LINE] = '\0';
	assert_int_equal(ws_authkeys_check_line(big, why, sizeof(why)), WS_OK);
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(plain_lines),
		cmocka_unit_test(restrictions_are_carried),
		cmocka_unit_test(from_patterns),
		cmocka_unit_test(expiry),
		cmocka_unit_test(unknown_options_refuse_the_line),
		cmocka_unit_test(junk_is_skipped),
		cmocka_unit_test(file_errors),
		cmocka_unit_test(check_accepts_what_a_login_uses),
		cmocka_unit_test(check_says_why),
		cmocka_unit_test(check_bounds_the_line),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
