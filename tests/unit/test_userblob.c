/* The monitor's second look at a publickey signature (userblob.h): signed
 * requests built here byte by byte (RFC 4252 section 7) are taken only when
 * every field is this connection's, and nothing more or less is there; then
 * the signature must verify, made by libssh as a client's would be. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <libssh/libssh.h>

#include "keyline.h"
#include "userblob.h"

#define HOSTBOUND "publickey-hostbound-v00@openssh.com"

/* A signed request's fields; hostkey NULL: none. */
struct req {
	const unsigned char *sid;
	size_t sid_len;
	uint8_t type;
	const char *user, *service, *method;
	uint8_t is_signed;
	const char *alg;
	const unsigned char *key;
	size_t key_len;
	const unsigned char *hostkey;
	size_t hostkey_len;
};

static unsigned char sid[32], other_sid[32];
/* Blobs of the form of an ed25519 key's: string type, string 32 bytes. */
static unsigned char key[51], other_key[51], hostkey[51], other_hostkey[51];
static unsigned char buf[1024];
static size_t lens[16];  /* where build() put each string's length */
static size_t nlens;

static void fake_blob(unsigned char *b, unsigned char fill)
{
	memcpy(b, "\0\0\0\x0bssh-ed25519\0\0\0\x20", 19);
	memset(b + 19, fill, 32);
}

static int fill(void **state)
{
	(void)state;
	memset(sid, 0x5a, sizeof(sid));
	memcpy(other_sid, sid, sizeof(sid));
	other_sid[31] ^= 1;
	fake_blob(key, 1);
	fake_blob(other_key, 1);
	other_key[50] = 2;
	fake_blob(hostkey, 3);
	fake_blob(other_hostkey, 4);
	return 0;
}

static size_t put_u32(unsigned char *p, size_t n, uint32_t v)
{
	p[n] = (unsigned char)(v >> 24);
	p[n + 1] = (unsigned char)(v >> 16);
	p[n + 2] = (unsigned char)(v >> 8);
	p[n + 3] = (unsigned char)v;
	return n + 4;
}

static size_t put_str(unsigned char *p, size_t n, const void *s, size_t len)
{
	if (nlens < sizeof(lens) / sizeof(lens[0]))
		lens[nlens++] = n;
	n = put_u32(p, n, (uint32_t)len);
	memcpy(p + n, s, len);
	return n + len;
}

static size_t put_text(unsigned char *p, size_t n, const char *t)
{
	return put_str(p, n, t, strlen(t));
}

/* Writes r's bytes to buf; returns their length. */
static size_t build(const struct req *r)
{
	size_t n = 0;

	nlens = 0;
	n = put_str(buf, n, r->sid, r->sid_len);
	buf[n++] = r->type;
	n = put_text(buf, n, r->user);
	n = put_text(buf, n, r->service);
	n = put_text(buf, n, r->method);
	buf[n++] = r->is_signed;
	n = put_text(buf, n, r->alg);
	n = put_str(buf, n, r->key, r->key_len);
	if (r->hostkey != NULL)
		n = put_str(buf, n, r->hostkey, r->hostkey_len);
	return n;
}

/* A request as our client would sign it: hostbound or not. */
static struct req good(int hostbound)
{
	struct req r = { sid, sizeof(sid), 50, "alice", "ssh-connection", "publickey", 1,
		"ssh-ed25519", key, sizeof(key), NULL, 0 };

	if (hostbound) {
		r.method = HOSTBOUND;
		r.hostkey = hostkey;
		r.hostkey_len = sizeof(hostkey);
	}
	return r;
}

/* What the monitor knows. */
static struct ws_userblob_want want(void)
{
	struct ws_userblob_want w = { sid, sizeof(sid), "alice", key, sizeof(key), hostkey, sizeof(hostkey) };

	return w;
}

/* Checks r against w; returns the reason given (NULL when taken). */
static const char *check(const struct req *r, const struct ws_userblob_want *w)
{
	const char *why = "unset";
	size_t n = build(r);
	ws_err rc = ws_userblob_check(buf, n, w, &why);

	assert_int_equal(rc, why == NULL ? WS_OK : WS_ERR_INVALID);
	return why;
}

static void exact_requests_are_accepted(void **state)
{
	struct ws_userblob_want w = want();
	struct req r = good(0);

	(void)state;
	assert_null(check(&r, &w));
	r = good(1);
	assert_null(check(&r, &w));
	/* Without a host key the monitor still takes a plain publickey request. */
	w.hostkey = NULL;
	w.hostkey_len = 0;
	r = good(0);
	assert_null(check(&r, &w));
}

static void each_field_must_be_ours(void **state)
{
	static const char *const users[] = { "alicf", "alice2", "alic", "", "Alice", "alice\n" };
	static const char *const services[] = { "ssh-userauth", "ssh-connection2", "ssh-connectio", "" };
	static const char *const methods[] = { "password", "none", "hostbased", "publickeyx", "publicke",
		"PUBLICKEY", "publickey-hostbound-v01@openssh.com", "" };
	const struct ws_userblob_want w = want();
	struct req r;
	size_t i;

	(void)state;
	for (i = 0; i < 2; i++) {
		r = good((int)i);
		r.sid = other_sid;
		assert_string_equal(check(&r, &w), "not this connection's session");
		r = good((int)i);
		r.sid_len = sizeof(sid) - 1; /* a prefix of ours */
		assert_string_equal(check(&r, &w), "not this connection's session");
		r = good((int)i);
		r.type = 51;
		assert_string_equal(check(&r, &w), "not a user authentication request");
		r = good((int)i);
		r.is_signed = 0;
		assert_string_equal(check(&r, &w), "not a signed request");
		r.is_signed = 2;
		assert_string_equal(check(&r, &w), "not a signed request");
		r = good((int)i);
		r.key = other_key;
		assert_string_equal(check(&r, &w), "another key");
		r.key = key;
		r.key_len = sizeof(key) - 1;
		assert_string_equal(check(&r, &w), "another key");
	}
	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++) {
		r = good(0);
		r.user = users[i];
		assert_string_equal(check(&r, &w), "another user");
	}
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		r = good(0);
		r.service = services[i];
		assert_string_equal(check(&r, &w), "another service");
	}
	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		r = good(0);
		r.method = methods[i];
		assert_string_equal(check(&r, &w), "another method");
	}
}

static void hostbound_must_name_our_host_key(void **state)
{
	struct ws_userblob_want w = want();
	struct req r = good(1);

	(void)state;
	r.hostkey = other_hostkey;
	assert_string_equal(check(&r, &w), "bound to another host key");
	r.hostkey = hostkey;
	r.hostkey_len = sizeof(hostkey) - 1;
	assert_string_equal(check(&r, &w), "bound to another host key");
	r.hostkey = NULL;
	assert_string_equal(check(&r, &w), "bound to another host key");
	/* A monitor that knows no host key takes no hostbound request. */
	r = good(1);
	w.hostkey = NULL;
	w.hostkey_len = 0;
	assert_string_equal(check(&r, &w), "bound to another host key");
	/* A plain request with a host key after it has bytes too many. */
	w = want();
	r = good(0);
	r.hostkey = hostkey;
	r.hostkey_len = sizeof(hostkey);
	assert_string_equal(check(&r, &w), "bytes after the request");
}

static void nothing_after_and_nothing_missing(void **state)
{
	const struct ws_userblob_want w = want();
	const char *why;
	struct req r;
	size_t n, len;
	int hb;

	(void)state;
	for (hb = 0; hb < 2; hb++) {
		r = good(hb);
		n = build(&r);
		buf[n] = 0;
		why = NULL;
		assert_int_equal(ws_userblob_check(buf, n + 1, &w, &why), WS_ERR_INVALID);
		assert_string_equal(why, "bytes after the request");
		/* Every truncation, from nothing to one byte short, read from a
		 * copy exactly that long (ASan sees any read past it). */
		for (len = 0; len <= n; len++) {
			unsigned char *copy = malloc(len > 0 ? len : 1);

			assert_non_null(copy);
			memcpy(copy, buf, len);
			why = "unset";
			assert_int_equal(ws_userblob_check(copy, len, &w, &why), len == n ? WS_OK : WS_ERR_INVALID);
			assert_true(len == n ? why == NULL : why != NULL);
			free(copy);
		}
	}
	assert_int_equal(ws_userblob_check(NULL, 0, &w, &why), WS_ERR_INVALID);
}

static void an_empty_session_id_matches_nothing(void **state)
{
	struct ws_userblob_want w = want();
	struct req r = good(0);

	(void)state;
	/* Signed over an empty session identifier, checked against none. */
	r.sid_len = 0;
	w.session_id_len = 0;
	assert_string_equal(check(&r, &w), "not this connection's session");
	w.session_id = NULL;
	assert_string_equal(check(&r, &w), "not this connection's session");
	r = good(0);
	assert_string_equal(check(&r, &w), "not this connection's session");
}

static void lengths_past_the_end_are_refused(void **state)
{
	const struct ws_userblob_want w = want();
	struct req r = good(1);
	const char *why;
	size_t n = build(&r), at, i, j;
	const uint32_t bad[] = { 0xffffffffu, 0x80000000u, 0x7fffffffu, 0x100 };
	unsigned char save[4];

	(void)state;
	/* The length of each string in turn, the algorithm's included. */
	assert_int_equal(nlens, 7);
	for (i = 0; i < nlens; i++) {
		at = lens[i];
		for (j = 0; j < sizeof(bad) / sizeof(bad[0]); j++) {
			memcpy(save, buf + at, 4);
			put_u32(buf, at, bad[j]);
			why = NULL;
			assert_int_equal(ws_userblob_check(buf, n, &w, &why), WS_ERR_INVALID);
			assert_non_null(why);
			memcpy(buf + at, save, 4);
		}
	}
	assert_int_equal(ws_userblob_check(buf, n, &w, &why), WS_OK);
}

static void signatures_are_verified(void **state)
{
	ssh_key k = NULL, pub = NULL, other = NULL;
	unsigned char *kblob = NULL, *hblob = NULL, *sig;
	ssh_string s = NULL, s2 = NULL;
	struct ws_userblob_want w = want();
	struct req r = good(1);
	const char *why;
	size_t n, siglen;

	(void)state;
	assert_int_equal(ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &k), SSH_OK);
	assert_int_equal(ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &other), SSH_OK);
	assert_int_equal(ssh_pki_export_privkey_to_pubkey(k, &pub), SSH_OK);
	assert_int_equal(ws_keyline_blob(pub, &kblob, &w.key_len), WS_OK);
	assert_int_equal(ws_keyline_blob(other, &hblob, &w.hostkey_len), WS_OK);
	w.key = kblob;
	w.hostkey = hblob;
	r.key = kblob;
	r.key_len = w.key_len;
	r.hostkey = hblob;
	r.hostkey_len = w.hostkey_len;
	n = build(&r);
	assert_int_equal(ssh_pki_signature_sign_blob(k, "ssh-ed25519", buf, n, &s), SSH_OK);
	sig = ssh_string_data(s);
	siglen = ssh_string_len(s);
	why = "unset";
	assert_int_equal(ws_userblob_verify(pub, sig, siglen, buf, n, &w, &why), WS_OK);
	assert_null(why);
	sig[siglen - 1] ^= 1;
	assert_int_equal(ws_userblob_verify(pub, sig, siglen, buf, n, &w, &why), WS_ERR_DENIED);
	assert_string_equal(why, "a signature that does not verify");
	sig[siglen - 1] ^= 1;
	/* Short, or empty: no signature. */
	assert_int_equal(ws_userblob_verify(pub, sig, siglen - 1, buf, n, &w, &why), WS_ERR_DENIED);
	assert_int_equal(ws_userblob_verify(pub, sig, 0, buf, n, &w, &why), WS_ERR_DENIED);
	/* Another key's signature over the same bytes. */
	assert_int_equal(ssh_pki_signature_sign_blob(other, "ssh-ed25519", buf, n, &s2), SSH_OK);
	assert_int_equal(ws_userblob_verify(pub, ssh_string_data(s2), ssh_string_len(s2), buf, n, &w, &why),
	    WS_ERR_DENIED);
	/* A request naming another algorithm than its signature's: refused as
	 * the client's choice (WS_ERR_SSH), not as a lie; SHA-1's ssh-rsa too. */
	r.alg = "rsa-sha2-512";
	n = build(&r);
	assert_int_equal(ws_userblob_verify(pub, sig, siglen, buf, n, &w, &why), WS_ERR_SSH);
	r.alg = "ssh-ed25519-cert-v01@openssh.com";
	n = build(&r);
	assert_int_not_equal(ws_userblob_verify(pub, sig, siglen, buf, n, &w, &why), WS_ERR_SSH);
	r.alg = "ssh-ed25519";
	n = build(&r);
	/* A good signature over bytes that are not ours is refused first. */
	w.user = "bob";
	assert_int_equal(ws_userblob_verify(pub, sig, siglen, buf, n, &w, &why), WS_ERR_INVALID);
	assert_string_equal(why, "another user");
	w.user = "alice";
	assert_int_equal(ws_userblob_verify(pub, sig, siglen, buf, n, &w, &why), WS_OK);
	SSH_STRING_FREE(s);
	SSH_STRING_FREE(s2);
	free(kblob);
	free(hblob);
	ssh_key_free(k);
	ssh_key_free(pub);
	ssh_key_free(other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exact_requests_are_accepted),
		cmocka_unit_test(each_field_must_be_ours),
		cmocka_unit_test(hostbound_must_name_our_host_key),
		cmocka_unit_test(nothing_after_and_nothing_missing),
		cmocka_unit_test(an_empty_session_id_matches_nothing),
		cmocka_unit_test(lengths_past_the_end_are_refused),
		cmocka_unit_test(signatures_are_verified),
	};

	return cmocka_run_group_tests(tests, fill, NULL);
}
