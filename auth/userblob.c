/* userblob.c — a publickey signature, checked again (userblob.h). */
#include "userblob.h"

#include <string.h>

#include "wire.h"

#define WS_MSG_USERAUTH_REQUEST 50
#define WS_CERT_SUFFIX "-cert-v01@openssh.com"

/* Is the next string exactly the n bytes at want? */
static int ws_blob_is(struct ws_wire *r, const unsigned char *want, size_t n)
{
	size_t len;
	const unsigned char *s = ws_wire_str(r, &len);

	return s != NULL && want != NULL && len == n && memcmp(s, want, n) == 0;
}

/* Are the n bytes at s the text t? */
static int ws_text_is(const unsigned char *s, size_t n, const char *t)
{
	return s != NULL && n == strlen(t) && memcmp(s, t, n) == 0;
}

/* ws_userblob_check, also setting *alg (*alglen bytes, inside data) to the
 * algorithm the request names. */
static ws_err ws_userblob_parse(const unsigned char *data, size_t len,
    const struct ws_userblob_want *w, const char **why, const unsigned char **alg,
    size_t *alglen)
{
	struct ws_wire r;
	const unsigned char *method;
	int hostbound;
	size_t n;

	ws_wire_init(&r, data, len);
	*why = "not this connection's session";
	if (w->session_id_len == 0 || !ws_blob_is(&r, w->session_id, w->session_id_len))
		return WS_ERR_INVALID;
	*why = "not a user authentication request";
	if (ws_wire_u8(&r) != WS_MSG_USERAUTH_REQUEST)
		return WS_ERR_INVALID;
	*why = "another user";
	if (!ws_blob_is(&r, (const unsigned char *)w->user, strlen(w->user)))
		return WS_ERR_INVALID;
	*why = "another service";
	if (!ws_wire_str_is(&r, "ssh-connection"))
		return WS_ERR_INVALID;
	*why = "another method";
	method = ws_wire_str(&r, &n);
	if (ws_text_is(method, n, "publickey"))
		hostbound = 0;
	else if (ws_text_is(method, n, "publickey-hostbound-v00@openssh.com"))
		hostbound = 1;
	else
		return WS_ERR_INVALID;
	*why = "not a signed request";
	if (ws_wire_u8(&r) != 1)
		return WS_ERR_INVALID;
	*alg = ws_wire_str(&r, alglen); /* ws_userblob_verify matches it */
	*why = "another key";
	if (!ws_blob_is(&r, w->key, w->key_len))
		return WS_ERR_INVALID;
	*why = "bound to another host key";
	if (hostbound && !ws_blob_is(&r, w->hostkey, w->hostkey_len))
		return WS_ERR_INVALID;
	*why = "bytes after the request";
	if (!ws_wire_done(&r))
		return WS_ERR_INVALID;
	*why = NULL;
	return WS_OK;
}

ws_err ws_userblob_check(const unsigned char *data, size_t len,
    const struct ws_userblob_want *w, const char **why)
{
	const unsigned char *alg;
	size_t alglen;

	return ws_userblob_parse(data, len, w, why, &alg, &alglen);
}

/* The signature's algorithm must be want (wn bytes), the one the request
 * names (for a certificate, "X-cert-v01@openssh.com" is signed with X), and
 * not SHA-1's ssh-rsa or ssh-dss (as OpenSSH's default
 * PubkeyAcceptedAlgorithms): libssh checks only that it suits the key. Returns 1 when it is, 0 when
 * it is refused, -1 when the signature names none (it cannot verify). */
static int ws_sig_alg_ok(const unsigned char *want, size_t wn, const unsigned char *sig,
    size_t siglen)
{
	struct ws_wire s;
	const unsigned char *got;
	size_t gn, sl = strlen(WS_CERT_SUFFIX);

	ws_wire_init(&s, sig, siglen);
	if ((got = ws_wire_str(&s, &gn)) == NULL)
		return -1;
	if (want != NULL && wn > sl && memcmp(want + wn - sl, WS_CERT_SUFFIX, sl) == 0)
		wn -= sl;
	return want != NULL && wn == gn && memcmp(want, got, wn) == 0 &&
	    !ws_text_is(got, gn, "ssh-rsa") && !ws_text_is(got, gn, "ssh-dss");
}

ws_err ws_userblob_verify(ssh_key key, const unsigned char *sig, size_t siglen,
    const unsigned char *data, size_t len, const struct ws_userblob_want *w,
    const char **why)
{
	ssh_session rules = NULL;
	const unsigned char *alg = NULL;
	size_t alglen = 0;
	ws_err rc;

	if ((rc = ws_userblob_parse(data, len, w, why, &alg, &alglen)) != WS_OK)
		return rc;
	switch (ws_sig_alg_ok(alg, alglen, sig, siglen)) {
	case -1:
		*why = "a signature that does not verify";
		return WS_ERR_DENIED;
	case 0:
		*why = "a signature of another algorithm than the request's, or SHA-1's";
		return WS_ERR_SSH;
	default:
		break;
	}
	*why = "no memory to verify the signature";
	/* A session only for its options (libssh's minimum RSA size). */
	if ((rules = ssh_new()) == NULL)
		return WS_ERR_NOMEM;
	rc = ssh_pki_signature_verify_blob(rules, key, sig, siglen, data, len) == SSH_OK ?
	    WS_OK : WS_ERR_DENIED;
	ssh_free(rules);
	*why = rc == WS_OK ? NULL : "a signature that does not verify";
	return rc;
}
