/* archive.c — the backup format of archive.h: a ustar writer and a strict
 * reader of exactly the members we write, under zstd, with sha256 sums. */
#include "archive.h"
#include "archive_int.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zstd.h>


/* ---- shared ---- */

void ws_arch_hex(const unsigned char *d, size_t n, char *out)
{
	static const char x[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = x[d[i] >> 4];
		out[2 * i + 1] = x[d[i] & 15];
	}
	out[2 * n] = '\0';
}

int ws_arch_sha_begin(EVP_MD_CTX **md)
{
	if (*md == NULL && (*md = EVP_MD_CTX_new()) == NULL)
		return -1;
	return EVP_DigestInit_ex(*md, EVP_sha256(), NULL) == 1 ? 0 : -1;
}

int ws_arch_sha_end(EVP_MD_CTX *md, char hex[65])
{
	unsigned char d[32];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(md, d, &n) != 1 || n != 32)
		return -1;
	ws_arch_hex(d, 32, hex);
	return 0;
}

int ws_arch_sha_of(const void *buf, size_t len, char hex[65])
{
	EVP_MD_CTX *md = NULL;
	int rc = ws_arch_sha_begin(&md) != 0 || EVP_DigestUpdate(md, buf, len) != 1 ||
	    ws_arch_sha_end(md, hex) != 0 ? -1 : 0;

	EVP_MD_CTX_free(md);
	return rc;
}

/* A part's name: [a-z], 1 to WS_ARCH_PART_MAX. */
int ws_arch_part_name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len > WS_ARCH_PART_MAX)
		return 0;
	for (i = 0; i < len; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

unsigned ws_arch_tar_sum(const unsigned char *h)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < WS_TAR_BLOCK; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return sum;
}

/* ---- writer ---- */

struct ws_arch_w {
	ws_arch_sink_fn sink;
	void *arg;
	ZSTD_CCtx *z;
	unsigned char *chunk;
	size_t clen;
	unsigned char *obuf;
	size_t osize;
	EVP_MD_CTX *md;
	struct ws_arch_part parts[WS_ARCH_MAX_PARTS];
	size_t nparts;
	int in_part, headed, failed;
	char hdr_sha[65];
	uint64_t written;
	long long mtime;
};

struct ws_arch_w *ws_arch_w_new(ws_arch_sink_fn sink, void *arg, int level, int workers)
{
	struct ws_arch_w *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->sink = sink;
	w->arg = arg;
	w->mtime = (long long)time(NULL);
	w->osize = ZSTD_CStreamOutSize();
	w->z = ZSTD_createCCtx();
	w->chunk = malloc(WS_ARCH_CHUNK);
	w->obuf = malloc(w->osize);
	if (w->z == NULL || w->chunk == NULL || w->obuf == NULL ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->z, ZSTD_c_compressionLevel, level)) ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(w->z, ZSTD_c_checksumFlag, 1))) {
		ws_arch_w_free(w);
		return NULL;
	}
	/* A libzstd built without threads refuses: it then compresses alone. */
	if (workers > 0)
		(void)ZSTD_CCtx_setParameter(w->z, ZSTD_c_nbWorkers, workers);
	return w;
}

void ws_arch_w_free(struct ws_arch_w *w)
{
	if (w == NULL)
		return;
	ZSTD_freeCCtx(w->z);
	EVP_MD_CTX_free(w->md);
	free(w->chunk);
	free(w->obuf);
	free(w);
}

uint64_t ws_arch_w_written(const struct ws_arch_w *w)
{
	return w->written;
}

/* Compresses len bytes (mode ZSTD_e_end: and ends the stream) to the sink. */
static ws_err ws_w_put(struct ws_arch_w *w, const void *buf, size_t len, ZSTD_EndDirective mode)
{
	ZSTD_inBuffer in = { buf, len, 0 };
	ZSTD_outBuffer out;
	size_t left;

	if (w->failed)
		return WS_ERR_IO;
	do {
		out.dst = w->obuf;
		out.size = w->osize;
		out.pos = 0;
		left = ZSTD_compressStream2(w->z, &out, &in, mode);
		if (ZSTD_isError(left)) {
			w->failed = 1;
			return WS_ERR_NOMEM;
		}
		if (out.pos > 0 && w->sink(w->arg, w->obuf, out.pos) != 0) {
			w->failed = 1;
			return WS_ERR_IO;
		}
		w->written += out.pos;
	} while (mode == ZSTD_e_end ? left != 0 : in.pos < in.size);
	return WS_OK;
}

/* A member: its ustar header, its bytes, zeros to the block's end. */
static ws_err ws_w_member(struct ws_arch_w *w, const char *name, const void *data, size_t len)
{
	static const unsigned char zeros[WS_TAR_BLOCK];
	unsigned char h[WS_TAR_BLOCK];
	ws_err rc;

	memset(h, 0, sizeof(h));
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
	snprintf((char *)h + 136, 12, "%011llo", (unsigned long long)w->mtime);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	h[263] = h[264] = '0';
	memcpy(h + 265, "root", 5);
	memcpy(h + 297, "root", 5);
	snprintf((char *)h + 148, 8, "%06o", ws_arch_tar_sum(h));
	h[155] = ' ';
	if ((rc = ws_w_put(w, h, sizeof(h), ZSTD_e_continue)) != WS_OK ||
	    (rc = ws_w_put(w, data, len, ZSTD_e_continue)) != WS_OK)
		return rc;
	if (len % WS_TAR_BLOCK != 0)
		rc = ws_w_put(w, zeros, WS_TAR_BLOCK - len % WS_TAR_BLOCK, ZSTD_e_continue);
	return rc;
}

static ws_err ws_w_json(struct ws_arch_w *w, const char *name, struct json_object *o, char *sha)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE);
	size_t len = s != NULL ? strlen(s) : 0;

	if (s == NULL)
		return WS_ERR_NOMEM;
	if (len > WS_ARCH_JSON_MAX)
		return WS_ERR_TOO_LARGE;
	if (sha != NULL && ws_arch_sha_of(s, len, sha) != 0)
		return WS_ERR_NOMEM;
	return ws_w_member(w, name, s, len);
}

ws_err ws_arch_w_header(struct ws_arch_w *w, struct json_object *hdr)
{
	if (w->headed)
		return WS_ERR_INVALID;
	if (json_object_object_add(hdr, "format", json_object_new_string(WS_ARCH_FORMAT)) != 0 ||
	    json_object_object_add(hdr, "version", json_object_new_int(WS_ARCH_VERSION)) != 0)
		return WS_ERR_NOMEM;
	w->headed = 1;
	return ws_w_json(w, WS_ARCH_HEADER_NAME, hdr, w->hdr_sha);
}

ws_err ws_arch_w_part(struct ws_arch_w *w, const char *name)
{
	size_t i;

	if (!w->headed || w->in_part || w->nparts == WS_ARCH_MAX_PARTS ||
	    !ws_arch_part_name_ok(name, strlen(name)))
		return WS_ERR_INVALID;
	for (i = 0; i < w->nparts; i++)
		if (strcmp(w->parts[i].name, name) == 0)
			return WS_ERR_INVALID;
	if (ws_arch_sha_begin(&w->md) != 0)
		return WS_ERR_NOMEM;
	memset(&w->parts[w->nparts], 0, sizeof(w->parts[0]));
	snprintf(w->parts[w->nparts].name, sizeof(w->parts[0].name), "%s", name);
	w->in_part = 1;
	w->clen = 0;
	return WS_OK;
}

/* The chunk held so far, as the part's next member. */
static ws_err ws_w_flush(struct ws_arch_w *w)
{
	struct ws_arch_part *p = &w->parts[w->nparts];
	char name[WS_ARCH_PART_MAX + 16];
	ws_err rc;

	if (w->clen == 0)
		return WS_OK;
	if (p->chunks >= WS_ARCH_MAX_CHUNKS)
		return WS_ERR_TOO_LARGE;
	snprintf(name, sizeof(name), "%s.tar.%06u", p->name, p->chunks);
	if ((rc = ws_w_member(w, name, w->chunk, w->clen)) != WS_OK)
		return rc;
	p->chunks++;
	w->clen = 0;
	return WS_OK;
}

ws_err ws_arch_w_data(struct ws_arch_w *w, const void *buf, size_t len)
{
	const unsigned char *b = buf;
	size_t take;
	ws_err rc;

	if (!w->in_part)
		return WS_ERR_INVALID;
	if (EVP_DigestUpdate(w->md, buf, len) != 1)
		return WS_ERR_NOMEM;
	w->parts[w->nparts].bytes += len;
	while (len > 0) {
		take = WS_ARCH_CHUNK - w->clen;
		if (take > len)
			take = len;
		memcpy(w->chunk + w->clen, b, take);
		w->clen += take;
		b += take;
		len -= take;
		if (w->clen == WS_ARCH_CHUNK && (rc = ws_w_flush(w)) != WS_OK)
			return rc;
	}
	return WS_OK;
}

ws_err ws_arch_w_part_end(struct ws_arch_w *w, struct ws_arch_part *out)
{
	ws_err rc;

	if (!w->in_part)
		return WS_ERR_INVALID;
	if ((rc = ws_w_flush(w)) != WS_OK)
		return rc;
	if (ws_arch_sha_end(w->md, w->parts[w->nparts].sha256) != 0)
		return WS_ERR_NOMEM;
	if (out != NULL)
		*out = w->parts[w->nparts];
	w->nparts++;
	w->in_part = 0;
	return WS_OK;
}

static struct json_object *ws_parts_json(const struct ws_arch_part *parts, size_t n)
{
	struct json_object *arr = json_object_new_array(), *o;
	size_t i;

	for (i = 0; arr != NULL && i < n; i++) {
		if ((o = json_object_new_object()) == NULL || json_object_array_add(arr, o) != 0) {
			json_object_put(o);
			json_object_put(arr);
			return NULL;
		}
		json_object_object_add(o, "name", json_object_new_string(parts[i].name));
		json_object_object_add(o, "bytes", json_object_new_int64((int64_t)parts[i].bytes));
		json_object_object_add(o, "chunks", json_object_new_int64(parts[i].chunks));
		json_object_object_add(o, "sha256", json_object_new_string(parts[i].sha256));
	}
	return arr;
}

ws_err ws_arch_w_finish(struct ws_arch_w *w, struct json_object *extra)
{
	static const unsigned char end[2 * WS_TAR_BLOCK];
	struct json_object *m = json_object_new_object(), *parts = ws_parts_json(w->parts, w->nparts);
	ws_err rc = WS_ERR_NOMEM;

	if (!w->headed || w->in_part) {
		rc = WS_ERR_INVALID;
		goto out;
	}
	if (m == NULL || parts == NULL)
		goto out;
	json_object_object_add(m, "format", json_object_new_string(WS_ARCH_FORMAT));
	json_object_object_add(m, "version", json_object_new_int(WS_ARCH_VERSION));
	json_object_object_add(m, "header_sha256", json_object_new_string(w->hdr_sha));
	json_object_object_add(m, "parts", parts);
	parts = NULL;
	if (extra != NULL)
		json_object_object_add(m, "extra", json_object_get(extra));
	if ((rc = ws_w_json(w, WS_ARCH_MANIFEST_NAME, m, NULL)) == WS_OK &&
	    (rc = ws_w_put(w, end, sizeof(end), ZSTD_e_continue)) == WS_OK)
		rc = ws_w_put(w, NULL, 0, ZSTD_e_end);
out:
	json_object_put(parts);
	json_object_put(m);
	return rc;
}
