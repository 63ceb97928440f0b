#include "userca.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mkdirs.h"
#include "readfile.h"
#include "wire.h"

#define WS_KEY_TYPE "ssh-ed25519"
#define WS_CERT_TYPE "ssh-ed25519-cert-v01@openssh.com"
#define WS_ARMOR_BEGIN "-----BEGIN OPENSSH PRIVATE KEY-----\n"
#define WS_ARMOR_END "-----END OPENSSH PRIVATE KEY-----\n"
#define WS_MAGIC "openssh-key-v1" /* and its NUL */
#define WS_KEYFILE_MAX 4096
#define WS_WBUF_MAX 2048
#define WS_CERT_USER 1 /* SSH2_CERT_TYPE_USER */

/* SSH wire format into a fixed buffer; an overflow sticks in err. */
struct ws_wbuf {
	unsigned char b[WS_WBUF_MAX];
	size_t n;
	int err;
};

static void ws_put(struct ws_wbuf *w, const void *p, size_t len)
{
	if (w->err || len > sizeof(w->b) - w->n) {
		w->err = 1;
		return;
	}
	memcpy(w->b + w->n, p, len);
	w->n += len;
}

static void ws_put_u32(struct ws_wbuf *w, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v };

	ws_put(w, b, sizeof(b));
}

static void ws_put_u64(struct ws_wbuf *w, uint64_t v)
{
	ws_put_u32(w, (uint32_t)(v >> 32));
	ws_put_u32(w, (uint32_t)v);
}

static void ws_put_str(struct ws_wbuf *w, const void *p, size_t len)
{
	ws_put_u32(w, (uint32_t)len);
	ws_put(w, p, len);
}

static void ws_put_cstr(struct ws_wbuf *w, const char *s)
{
	ws_put_str(w, s, strlen(s));
}

/* Returns base64 of p (malloc'd, NUL-terminated), or NULL. */
static char *ws_b64(const unsigned char *p, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	return out;
}

/* Decodes base64 text (len bytes, whitespace ignored) into out (outcap).
 * Returns the decoded length, or -1. */
static long ws_unb64(const char *text, size_t len, unsigned char *out, size_t outcap)
{
	char clean[WS_KEYFILE_MAX];
	size_t n = 0, pad = 0, i;
	int got;

	for (i = 0; i < len; i++) {
		if (text[i] == '\n' || text[i] == '\r' || text[i] == ' ' || text[i] == '\t')
			continue;
		if (n == sizeof(clean))
			return -1;
		clean[n++] = text[i];
	}
	if (n == 0 || n % 4 != 0 || n / 4 * 3 > outcap)
		return -1;
	pad = (clean[n - 1] == '=') + (clean[n - 2] == '=');
	got = EVP_DecodeBlock(out, (const unsigned char *)clean, (int)n);
	OPENSSL_cleanse(clean, sizeof(clean));
	if (got < 0 || (size_t)got < pad)
		return -1;
	return (long)((size_t)got - pad);
}

/* Reads the key file at path (a regular file of less than cap bytes) into
 * text (NUL-terminated). Returns its length, or -1 with *rc set
 * (WS_ERR_NOT_FOUND when there is no file, WS_ERR_SSH when it is no key
 * file we take). */
static long ws_keyfile_read(const char *path, char *text, size_t cap, ws_err *rc)
{
	size_t len = 0;

	*rc = ws_read_small_file(path, text, cap, &len);
	if (*rc == WS_ERR_INVALID)
		*rc = WS_ERR_SSH;
	return *rc == WS_OK ? (long)len : -1;
}

/* Decodes the armor of key file text (len bytes) into raw (rawcap).
 * Returns the length, or -1. */
static long ws_keyfile_unarmor(const char *text, size_t len, unsigned char *raw, size_t rawcap)
{
	const char *end = text + len, *b, *e;

	b = memmem(text, len, WS_ARMOR_BEGIN, strlen(WS_ARMOR_BEGIN));
	if (b == NULL)
		return -1;
	b += strlen(WS_ARMOR_BEGIN);
	e = memmem(b, (size_t)(end - b), WS_ARMOR_END, strlen(WS_ARMOR_END));
	if (e == NULL)
		return -1;
	return ws_unb64(b, (size_t)(e - b), raw, rawcap);
}

/* Walks an unencrypted one-key openssh-key-v1 blob up to its private
 * section: sets *pub (the public key blob) and leaves r at the section. */
static int ws_keyfile_header(struct ws_wire *r, const unsigned char **pub, size_t *publen)
{
	size_t n;

	if (r->left < sizeof(WS_MAGIC) || memcmp(r->p, WS_MAGIC, sizeof(WS_MAGIC)) != 0)
		return -1;
	r->p += sizeof(WS_MAGIC);
	r->left -= sizeof(WS_MAGIC);
	if (!ws_wire_str_is(r, "none"))
		return -1;          /* encrypted: not ours to use unattended */
	if (!ws_wire_str_is(r, "none"))
		return -1;
	(void)ws_wire_str(r, &n); /* kdf options */
	if (ws_wire_u32(r) != 1)
		return -1;
	*pub = ws_wire_str(r, publen);
	return ws_wire_ok(r) ? 0 : -1;
}

/* Checks that blob is an ed25519 public key; sets *pk to its 32 bytes. */
static int ws_ed25519_blob(const unsigned char *blob, size_t len, const unsigned char **pk)
{
	struct ws_wire r;
	size_t n;

	ws_wire_init(&r, blob, len);
	if (!ws_wire_str_is(&r, WS_KEY_TYPE))
		return -1;
	*pk = ws_wire_str(&r, &n);
	return !ws_wire_done(&r) || n != 32 ? -1 : 0;
}

/* Parses key file text (len bytes): an unencrypted one-key ed25519
 * openssh-key-v1 file whose private half matches its public one. Copies
 * the public key blob into pubblob and, when seed is not NULL, the 32-byte
 * seed into seed. Every decoded byte is wiped before returning. */
static ws_err ws_keyfile_parse(const char *text, size_t len, struct ws_wbuf *pubblob,
    unsigned char *seed)
{
	unsigned char raw[WS_KEYFILE_MAX];
	const unsigned char *blob = NULL, *pk, *s, *sk;
	struct ws_wire r, priv;
	size_t bloblen = 0, n, sklen;
	ws_err rc = WS_ERR_SSH;
	long got;

	if ((got = ws_keyfile_unarmor(text, len, raw, sizeof(raw))) < 0)
		goto out;
	ws_wire_init(&r, raw, (size_t)got);
	if (ws_keyfile_header(&r, &blob, &bloblen) != 0 || ws_ed25519_blob(blob, bloblen, &pk) != 0)
		goto out;
	s = ws_wire_str(&r, &n);
	if (!ws_wire_ok(&r))
		goto out;
	ws_wire_init(&priv, s, n);
	/* checkint twice, type, public key, secret key (seed + public key). */
	if (ws_wire_u32(&priv) != ws_wire_u32(&priv))
		goto out;
	if (!ws_wire_str_is(&priv, WS_KEY_TYPE))
		goto out;
	s = ws_wire_str(&priv, &n);
	sk = ws_wire_str(&priv, &sklen);
	if (!ws_wire_ok(&priv) || n != 32 || sklen != 64 || memcmp(s, pk, 32) != 0 ||
	    memcmp(sk + 32, pk, 32) != 0)
		goto out;
	if (seed != NULL)
		memcpy(seed, sk, 32);
	pubblob->n = 0;
	pubblob->err = 0;
	ws_put(pubblob, blob, bloblen);
	rc = pubblob->err ? WS_ERR_TOO_LARGE : WS_OK;
out:
	OPENSSL_cleanse(raw, sizeof(raw));
	return rc;
}

ws_err ws_userca_parse(const char *text, size_t len, char *pub, size_t publen, char *fp,
    size_t fplen)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	struct ws_wbuf blob;
	char *b64 = NULL;
	ws_err rc;

	memset(&blob, 0, sizeof(blob));
	if ((rc = ws_keyfile_parse(text, len, &blob, NULL)) != WS_OK)
		return rc;
	rc = WS_ERR_NOMEM;
	if ((b64 = ws_b64(blob.b, blob.n)) == NULL)
		goto out;
	if (pub != NULL && snprintf(pub, publen, WS_KEY_TYPE " %s", b64) >= (int)publen) {
		rc = WS_ERR_TOO_LARGE;
		goto out;
	}
	free(b64);
	SHA256(blob.b, blob.n, digest);
	if ((b64 = ws_b64(digest, sizeof(digest))) == NULL)
		goto out;
	b64[strcspn(b64, "=")] = '\0'; /* OpenSSH writes it unpadded */
	if (fp != NULL && snprintf(fp, fplen, "SHA256:%s", b64) >= (int)fplen) {
		rc = WS_ERR_TOO_LARGE;
		goto out;
	}
	rc = WS_OK;
out:
	free(b64);
	return rc;
}

ws_err ws_userca_public(const char *path, char *pub, size_t publen, char *fp, size_t fplen)
{
	char text[WS_KEYFILE_MAX];
	ws_err rc;
	long len;

	if ((len = ws_keyfile_read(path, text, sizeof(text), &rc)) >= 0)
		rc = ws_userca_parse(text, (size_t)len, pub, publen, fp, fplen);
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

/* Reads the CA's seed (32 bytes) and public key blob from path. */
static ws_err ws_userca_private(const char *path, unsigned char seed[32], struct ws_wbuf *pubblob)
{
	char text[WS_KEYFILE_MAX];
	ws_err rc;
	long len;

	if ((len = ws_keyfile_read(path, text, sizeof(text), &rc)) >= 0)
		rc = ws_keyfile_parse(text, (size_t)len, pubblob, seed);
	OPENSSL_cleanse(text, sizeof(text));
	return rc;
}

/* Writes the private key file text for seed/pk into out (outcap). */
static int ws_keyfile_text(const unsigned char seed[32], const unsigned char pk[32],
    char *out, size_t outcap)
{
	struct ws_wbuf w, pub, priv;
	unsigned char check[4];
	char *b64 = NULL;
	size_t i, len, used;
	int ret = -1;

	memset(&w, 0, sizeof(w));
	memset(&pub, 0, sizeof(pub));
	memset(&priv, 0, sizeof(priv));
	ws_put_cstr(&pub, WS_KEY_TYPE);
	ws_put_str(&pub, pk, 32);
	if (RAND_bytes(check, sizeof(check)) != 1)
		goto out;
	ws_put(&priv, check, 4);
	ws_put(&priv, check, 4);
	ws_put_cstr(&priv, WS_KEY_TYPE);
	ws_put_str(&priv, pk, 32);
	ws_put_u32(&priv, 64);
	ws_put(&priv, seed, 32);
	ws_put(&priv, pk, 32);
	ws_put_cstr(&priv, "wsgate user CA");
	for (i = 1; priv.n % 8 != 0; i++)
		ws_put(&priv, &(unsigned char){ (unsigned char)i }, 1);
	ws_put(&w, WS_MAGIC, sizeof(WS_MAGIC));
	ws_put_cstr(&w, "none");
	ws_put_cstr(&w, "none");
	ws_put_cstr(&w, "");
	ws_put_u32(&w, 1);
	ws_put_str(&w, pub.b, pub.n);
	ws_put_str(&w, priv.b, priv.n);
	if (w.err || pub.err || priv.err || (b64 = ws_b64(w.b, w.n)) == NULL)
		goto out;
	/* Lines of 70, as ssh-keygen writes them. */
	used = (size_t)snprintf(out, outcap, "%s", WS_ARMOR_BEGIN);
	for (i = 0, len = strlen(b64); i < len && used < outcap; i += 70)
		used += (size_t)snprintf(out + used, outcap - used, "%.70s\n", b64 + i);
	if (used < outcap)
		used += (size_t)snprintf(out + used, outcap - used, "%s", WS_ARMOR_END);
	ret = used < outcap ? 0 : -1;
out:
	if (b64 != NULL)
		OPENSSL_cleanse(b64, strlen(b64));
	free(b64);
	OPENSSL_cleanse(&w, sizeof(w));
	OPENSSL_cleanse(&priv, sizeof(priv));
	return ret;
}

/* Writes text to path through a temporary file and a rename, mode 0600. */
static ws_err ws_write_file(const char *path, const char *text, mode_t mode)
{
	char tmp[4200];
	size_t len = strlen(text);
	int fd, ok;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode);
	if (fd < 0)
		return WS_ERR_IO;
	ok = write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
	ok = close(fd) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return WS_ERR_IO;
	}
	return WS_OK;
}

ws_err ws_userca_ensure(const char *path)
{
	unsigned char seed[32], pk[32];
	char text[WS_KEYFILE_MAX], pub[WS_USERCA_PUB_MAX], line[WS_USERCA_PUB_MAX + 32];
	char pubpath[4200];
	size_t seedlen = sizeof(seed), pklen = sizeof(pk);
	EVP_PKEY *key = NULL;
	ws_err rc = WS_ERR_SSH;

	if (access(path, F_OK) == 0)
		return WS_OK;
	if (ws_mkdir_parents(path) != WS_OK) {
		ws_error("cannot make the directory of %s: %s", path, strerror(errno));
		return WS_ERR_IO;
	}
	if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL ||
	    EVP_PKEY_get_raw_private_key(key, seed, &seedlen) != 1 ||
	    EVP_PKEY_get_raw_public_key(key, pk, &pklen) != 1 || seedlen != 32 || pklen != 32 ||
	    ws_keyfile_text(seed, pk, text, sizeof(text)) != 0) {
		ws_error("cannot make a certificate authority key");
		goto out;
	}
	if (ws_write_file(path, text, 0600) != WS_OK) {
		ws_error("cannot write %s: %s", path, strerror(errno));
		rc = WS_ERR_IO;
		goto out;
	}
	/* The public half beside it, for administrators (TrustedUserCAKeys). */
	snprintf(pubpath, sizeof(pubpath), "%s.pub", path);
	if (ws_userca_public(path, pub, sizeof(pub), NULL, 0) != WS_OK) {
		ws_error("cannot read back %s", path);
		goto out;
	}
	snprintf(line, sizeof(line), "%s wsgate-user-ca\n", pub);
	if (ws_write_file(pubpath, line, 0644) != WS_OK) {
		ws_error("cannot write %s: %s", pubpath, strerror(errno));
		rc = WS_ERR_IO;
		goto out;
	}
	ws_info("generated the user certificate authority %s (workspaces trust it)", path);
	rc = WS_OK;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(text, sizeof(text));
	EVP_PKEY_free(key);
	return rc;
}

/* The certificate's body for pk, signed by the CA's pubblob (all but the
 * signature) into w. */
static void ws_cert_body(struct ws_wbuf *w, const unsigned char *pk, const struct ws_wbuf *ca,
    const struct ws_usercert_req *req)
{
	/* Sorted, as PROTOCOL.certkeys requires. */
	const char *const ext[] = { req->no_x11_forwarding ? NULL : "permit-X11-forwarding",
		req->no_agent_forwarding ? NULL : "permit-agent-forwarding",
		req->no_port_forwarding ? NULL : "permit-port-forwarding",
		req->no_pty ? NULL : "permit-pty", "permit-user-rc" };
	struct ws_wbuf sub;
	unsigned char nonce[32];
	uint64_t serial = 0;
	size_t i;

	if (RAND_bytes(nonce, sizeof(nonce)) != 1 ||
	    RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1) {
		w->err = 1;
		return;
	}
	ws_put_cstr(w, WS_CERT_TYPE);
	ws_put_str(w, nonce, sizeof(nonce));
	ws_put_str(w, pk, 32);
	ws_put_u64(w, serial);
	ws_put_u32(w, WS_CERT_USER);
	ws_put_cstr(w, req->key_id);
	memset(&sub, 0, sizeof(sub));
	ws_put_cstr(&sub, req->principal);
	ws_put_str(w, sub.b, sub.n);
	ws_put_u64(w, (uint64_t)(req->now - 30));
	ws_put_u64(w, (uint64_t)(req->now + req->lifetime_s));
	ws_put_str(w, "", 0);  /* critical options: none */
	memset(&sub, 0, sizeof(sub));
	for (i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
		if (ext[i] == NULL)
			continue;
		ws_put_cstr(&sub, ext[i]);
		ws_put_str(&sub, "", 0);
	}
	ws_put_str(w, sub.b, sub.n);
	ws_put_str(w, "", 0);  /* reserved */
	ws_put_str(w, ca->b, ca->n);
	w->err |= sub.err;
}

ws_err ws_userca_sign(const char *path, const unsigned char *blob, size_t bloblen,
    const struct ws_usercert_req *req, char **out)
{
	unsigned char seed[32], sig[64];
	const unsigned char *pk;
	struct ws_wbuf ca, w, sigblob;
	EVP_MD_CTX *md = NULL;
	EVP_PKEY *key = NULL;
	size_t siglen = sizeof(sig);
	char *b64 = NULL;
	ws_err rc;

	memset(&ca, 0, sizeof(ca));
	memset(&w, 0, sizeof(w));
	memset(&sigblob, 0, sizeof(sigblob));
	if (ws_ed25519_blob(blob, bloblen, &pk) != 0 || req->lifetime_s <= 0 ||
	    strlen(req->principal) > WS_USERCA_PRINCIPAL_MAX || strlen(req->key_id) > WS_USERCA_KEYID_MAX)
		return WS_ERR_INVALID;
	if ((rc = ws_userca_private(path, seed, &ca)) != WS_OK)
		goto out;
	rc = WS_ERR_SSH;
	key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof(seed));
	OPENSSL_cleanse(seed, sizeof(seed));
	if (key == NULL)
		goto out;
	ws_cert_body(&w, pk, &ca, req);
	if (w.err || (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, NULL, NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, w.b, w.n) != 1 || siglen != sizeof(sig))
		goto out;
	ws_put_cstr(&sigblob, WS_KEY_TYPE);
	ws_put_str(&sigblob, sig, siglen);
	ws_put_str(&w, sigblob.b, sigblob.n);
	if (w.err || sigblob.err) {
		rc = WS_ERR_TOO_LARGE;
		goto out;
	}
	if ((b64 = ws_b64(w.b, w.n)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	*out = b64;
	rc = WS_OK;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);  /* OpenSSL clears an ed25519 key as it frees it */
	return rc;
}

ws_err ws_userca_sign_b64(const char *path, const char *pub64, const struct ws_usercert_req *req,
    char **out)
{
	unsigned char blob[256];
	long len = ws_unb64(pub64, strlen(pub64), blob, sizeof(blob));

	if (len < 0)
		return WS_ERR_INVALID;
	return ws_userca_sign(path, blob, (size_t)len, req, out);
}

ws_err ws_userca_session_key(const char *path, const struct ws_usercert_req *req, ssh_key *key)
{
	char *pub64 = NULL, *cert64 = NULL;
	ssh_key k = NULL, cert = NULL;
	ws_err rc = WS_ERR_SSH;

	if (ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &k) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(k, &pub64) != SSH_OK)
		goto out;
	if ((rc = ws_userca_sign_b64(path, pub64, req, &cert64)) != WS_OK)
		goto out;
	rc = WS_ERR_SSH;
	if (ssh_pki_import_cert_base64(cert64, SSH_KEYTYPE_ED25519_CERT01, &cert) != SSH_OK ||
	    ssh_pki_copy_cert_to_privkey(cert, k) != SSH_OK)
		goto out;
	*key = k;
	k = NULL;
	rc = WS_OK;
out:
	ssh_string_free_char(pub64);
	free(cert64);
	ssh_key_free(cert);
	ssh_key_free(k);
	return rc;
}

void ws_userca_principal(const char *name, char *out, size_t outlen)
{
	snprintf(out, outlen, "workspace-%s", name);
}
