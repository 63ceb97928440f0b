/* archive_read.c — the strict reader of archive.h: it takes exactly the
 * members the writer makes, in its order, each within its bound, and calls
 * an archive good only once every sum in the manifest matches. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "archive.h"
#include "archive_int.h"

/* A member's header as read. */
struct ws_member {
	char name[101];
	uint64_t size;
};

struct ws_arch_r {
	ws_arch_source_fn src;
	void *arg;
	ZSTD_DStream *z;
	unsigned char *ibuf, *obuf;
	size_t isize, osize, opos, olen;
	ZSTD_inBuffer in;
	size_t zlast;            /* the last decompress call's hint: 0 at a frame's end */
	int src_end, started;
	int sum_bad;             /* a frame's checksum did not match */
	uint64_t offset;
	char zerr[160];          /* why the stream failed, once it has */
	/* members */
	struct ws_member pending;
	int have_pending;
	uint64_t left, pad;      /* of the member being read */
	/* parts */
	struct ws_arch_part parts[WS_ARCH_MAX_PARTS];
	size_t nparts;
	int in_part, headed;
	EVP_MD_CTX *md;
	char hdr_sha[65];
};

struct ws_arch_r *ws_arch_r_new(ws_arch_source_fn src, void *arg)
{
	struct ws_arch_r *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->src = src;
	r->arg = arg;
	r->isize = ZSTD_DStreamInSize();
	r->osize = ZSTD_DStreamOutSize();
	r->z = ZSTD_createDStream();
	r->ibuf = malloc(r->isize);
	r->obuf = malloc(r->osize);
	if (r->z == NULL || r->ibuf == NULL || r->obuf == NULL ||
	    ZSTD_isError(ZSTD_initDStream(r->z))) {
		ws_arch_r_free(r);
		return NULL;
	}
	r->in.src = r->ibuf;
	return r;
}

void ws_arch_r_free(struct ws_arch_r *r)
{
	if (r == NULL)
		return;
	ZSTD_freeDStream(r->z);
	EVP_MD_CTX_free(r->md);
	free(r->ibuf);
	free(r->obuf);
	free(r);
}

uint64_t ws_arch_r_offset(const struct ws_arch_r *r)
{
	return r->offset;
}

/* More decompressed bytes into obuf: 1, 0 at the stream's end, -1 (zerr). */
static int ws_r_more(struct ws_arch_r *r)
{
	ZSTD_outBuffer out;
	long n;

	if (r->zerr[0] != '\0')
		return -1;
	for (;;) {
		if (r->in.pos == r->in.size && !r->src_end) {
			if ((n = r->src(r->arg, r->ibuf, r->isize)) < 0) {
				snprintf(r->zerr, sizeof(r->zerr), "reading it failed");
				return -1;
			}
			r->src_end = n == 0;
			r->in.size = (size_t)n;
			r->in.pos = 0;
		}
		if (r->in.pos == r->in.size && r->src_end)
			return 0;
		out.dst = r->obuf;
		out.size = r->osize;
		out.pos = 0;
		r->zlast = ZSTD_decompressStream(r->z, &out, &r->in);
		if (ZSTD_isError(r->zlast) && ZSTD_getErrorCode(r->zlast) == ZSTD_error_checksum_wrong) {
			/* The frame's content is all out by now: the manifest's sums
			 * can still say which part is damaged (ws_arch_r_finish).
			 * Another frame may follow, as zstd allows. */
			r->sum_bad = 1;
			r->zlast = 0;
			(void)ZSTD_DCtx_reset(r->z, ZSTD_reset_session_only);
		} else if (ZSTD_isError(r->zlast)) {
			if (!r->started)
				snprintf(r->zerr, sizeof(r->zerr), "it is not a wsgate backup (not zstd data)");
			else
				snprintf(r->zerr, sizeof(r->zerr), "it is damaged (zstd: %s)",
				    ZSTD_getErrorName(r->zlast));
			return -1;
		}
		r->started = 1;
		if (out.pos > 0) {
			r->opos = 0;
			r->olen = out.pos;
			return 1;
		}
	}
}

/* Exactly n decompressed bytes into buf (NULL: skipped). WS_ERR_CORRUPT
 * with why when the stream fails or ends first. */
static ws_err ws_r_get(struct ws_arch_r *r, void *buf, size_t n, char *why, size_t whylen)
{
	unsigned char *b = buf;
	size_t take;
	int m;

	while (n > 0) {
		if (r->opos == r->olen) {
			if ((m = ws_r_more(r)) <= 0) {
				if (m == 0)
					snprintf(r->zerr, sizeof(r->zerr), "it is cut short (%s after %llu bytes)",
					    r->zlast != 0 ? "inside a zstd frame" : "the data ends",
					    (unsigned long long)r->offset);
				snprintf(why, whylen, "%s", r->zerr);
				return WS_ERR_CORRUPT;
			}
		}
		take = r->olen - r->opos < n ? r->olen - r->opos : n;
		if (b != NULL) {
			memcpy(b, r->obuf + r->opos, take);
			b += take;
		}
		r->opos += take;
		r->offset += take;
		n -= take;
	}
	return WS_OK;
}

/* A header field of octal digits (spaces or NULs may end it). */
static int ws_octal(const unsigned char *f, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	size_t i = 0;

	while (i < len && f[i] == ' ')
		i++;
	if (i == len || f[i] < '0' || f[i] > '7')
		return -1;
	for (; i < len && f[i] >= '0' && f[i] <= '7'; i++) {
		if (v > (UINT64_MAX >> 3))
			return -1;
		v = v << 3 | (uint64_t)(f[i] - '0');
	}
	for (; i < len; i++)
		if (f[i] != ' ' && f[i] != '\0')
			return -1;
	*out = v;
	return 0;
}

/* Reads the next header block into *m: WS_OK, WS_ERR_NOT_FOUND for an
 * all-zero block (the tar's end), WS_ERR_CORRUPT with why. */
static ws_err ws_r_header(struct ws_arch_r *r, struct ws_member *m, char *why, size_t whylen)
{
	unsigned char h[WS_TAR_BLOCK];
	uint64_t sum;
	size_t i, nlen;
	ws_err rc;

	if ((rc = ws_r_get(r, NULL, r->pad, why, whylen)) != WS_OK)
		return rc;
	r->pad = 0;
	if ((rc = ws_r_get(r, h, sizeof(h), why, whylen)) != WS_OK)
		return rc;
	for (i = 0; i < sizeof(h) && h[i] == 0; i++)
		;
	if (i == sizeof(h))
		return WS_ERR_NOT_FOUND;
	nlen = strnlen((const char *)h, 100);
	if (ws_octal(h + 148, 8, &sum) != 0 || sum != ws_arch_tar_sum(h) || nlen == 100 ||
	    memcmp(h + 257, "ustar", 5) != 0 || (h[156] != '0' && h[156] != '\0') || h[345] != '\0' ||
	    ws_octal(h + 124, 12, &m->size) != 0) {
		snprintf(why, whylen, "it is damaged (a bad tar header at byte %llu)",
		    (unsigned long long)(r->offset - WS_TAR_BLOCK));
		return WS_ERR_CORRUPT;
	}
	memcpy(m->name, h, nlen);
	m->name[nlen] = '\0';
	r->pad = (WS_TAR_BLOCK - m->size % WS_TAR_BLOCK) % WS_TAR_BLOCK;
	return WS_OK;
}

/* The next member's header: the one put back, or a new one. */
static ws_err ws_r_next(struct ws_arch_r *r, struct ws_member *m, char *why, size_t whylen)
{
	if (r->have_pending) {
		*m = r->pending;
		r->have_pending = 0;
		return WS_OK;
	}
	return ws_r_header(r, m, why, whylen);
}

/* Reads a JSON member of m->size bytes; its sha256 into sha when not NULL. */
static ws_err ws_r_json(struct ws_arch_r *r, const struct ws_member *m, struct json_object **out,
    char *sha, char *why, size_t whylen)
{
	struct json_tokener *tok = NULL;
	struct json_object *o = NULL;
	char *buf = NULL;
	ws_err rc = WS_ERR_CORRUPT;

	if (m->size > WS_ARCH_JSON_MAX || m->size == 0) {
		snprintf(why, whylen, "it is damaged (%s has %llu bytes)", m->name, (unsigned long long)m->size);
		goto out;
	}
	if ((buf = malloc(m->size + 1)) == NULL || (tok = json_tokener_new_ex(WS_ARCH_JSON_DEPTH)) == NULL) {
		rc = WS_ERR_NOMEM;
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if ((rc = ws_r_get(r, buf, m->size, why, whylen)) != WS_OK)
		goto out;
	buf[m->size] = '\0';
	rc = WS_ERR_CORRUPT;
	o = json_tokener_parse_ex(tok, buf, (int)m->size);
	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    json_tokener_get_error(tok) != json_tokener_success || strlen(buf) != m->size) {
		snprintf(why, whylen, "it is damaged (%s is not a JSON object)", m->name);
		goto out;
	}
	if (sha != NULL && ws_arch_sha_of(buf, m->size, sha) != 0) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	*out = o;
	o = NULL;
	rc = WS_OK;
out:
	json_object_put(o);
	if (tok != NULL)
		json_tokener_free(tok);
	free(buf);
	return rc;
}

static const char *ws_jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int64_t ws_jint(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return -1;
	return json_object_get_int64(v);
}

/* The format and version a header or manifest names are ours. */
static ws_err ws_r_format(struct json_object *o, const char *what, char *why, size_t whylen)
{
	const char *f = ws_jstr(o, "format");
	int64_t v = ws_jint(o, "version");

	if (f == NULL || strcmp(f, WS_ARCH_FORMAT) != 0) {
		snprintf(why, whylen, "it is not a wsgate backup (its %s names no wsgate format)", what);
		return WS_ERR_CORRUPT;
	}
	if (v != WS_ARCH_VERSION) {
		snprintf(why, whylen, "it is a wsgate backup of format version %lld, which this wsgate (version %d) cannot read",
		    (long long)v, WS_ARCH_VERSION);
		return WS_ERR_CORRUPT;
	}
	return WS_OK;
}

ws_err ws_arch_r_header(struct ws_arch_r *r, struct json_object **hdr, char *why, size_t whylen)
{
	struct json_object *o = NULL;
	struct ws_member m;
	ws_err rc;

	if (r->headed) {
		snprintf(why, whylen, "the header was read already");
		return WS_ERR_INVALID;
	}
	r->headed = 1;
	if ((rc = ws_r_next(r, &m, why, whylen)) != WS_OK) {
		if (rc == WS_ERR_NOT_FOUND)
			snprintf(why, whylen, "it is not a wsgate backup (an empty tar)");
		return WS_ERR_CORRUPT;
	}
	if (strcmp(m.name, WS_ARCH_HEADER_NAME) != 0) {
		snprintf(why, whylen, "it is not a wsgate backup (it begins with '%.64s', not %s)", m.name,
		    WS_ARCH_HEADER_NAME);
		return WS_ERR_CORRUPT;
	}
	if ((rc = ws_r_json(r, &m, &o, r->hdr_sha, why, whylen)) != WS_OK)
		return rc;
	if ((rc = ws_r_format(o, "header", why, whylen)) != WS_OK) {
		json_object_put(o);
		return rc;
	}
	*hdr = o;
	return WS_OK;
}

/* Is m the chunk number seq of part name? */
static int ws_is_chunk(const struct ws_member *m, const char *name, unsigned seq)
{
	char want[WS_ARCH_PART_MAX + 16];

	snprintf(want, sizeof(want), "%s.tar.%06u", name, seq);
	return strcmp(m->name, want) == 0;
}

ws_err ws_arch_r_part(struct ws_arch_r *r, char *name, char *why, size_t whylen)
{
	struct ws_member m;
	const char *dot;
	size_t i, nlen;
	ws_err rc;

	if (!r->headed || r->in_part) {
		snprintf(why, whylen, "the archive is not read in order");
		return WS_ERR_INVALID;
	}
	if ((rc = ws_r_next(r, &m, why, whylen)) != WS_OK) {
		if (rc == WS_ERR_NOT_FOUND)
			snprintf(why, whylen, "it is cut short (it ends before its manifest)");
		return WS_ERR_CORRUPT;
	}
	if (strcmp(m.name, WS_ARCH_MANIFEST_NAME) == 0) {
		r->pending = m;
		r->have_pending = 1;
		return WS_ERR_NOT_FOUND;
	}
	dot = strchr(m.name, '.');
	nlen = dot != NULL ? (size_t)(dot - m.name) : 0;
	if (!ws_arch_part_name_ok(m.name, nlen) || r->nparts == WS_ARCH_MAX_PARTS) {
		snprintf(why, whylen, "it is damaged (an unexpected member '%.64s')", m.name);
		return WS_ERR_CORRUPT;
	}
	memset(&r->parts[r->nparts], 0, sizeof(r->parts[0]));
	memcpy(r->parts[r->nparts].name, m.name, nlen);
	for (i = 0; i < r->nparts; i++)
		if (strcmp(r->parts[i].name, r->parts[r->nparts].name) == 0)
			m.size = 0; /* a part again: refused below */
	if (!ws_is_chunk(&m, r->parts[r->nparts].name, 0) || m.size == 0 || m.size > WS_ARCH_CHUNK) {
		snprintf(why, whylen, "it is damaged (an unexpected member '%.64s')", m.name);
		return WS_ERR_CORRUPT;
	}
	if (ws_arch_sha_begin(&r->md) != 0) {
		snprintf(why, whylen, "out of memory");
		return WS_ERR_NOMEM;
	}
	r->parts[r->nparts].chunks = 1;
	r->left = m.size;
	r->in_part = 1;
	snprintf(name, WS_ARCH_PART_MAX + 1, "%s", r->parts[r->nparts].name);
	return WS_OK;
}

/* The part's next chunk, or its end (that member is put back): 1, 0, -1. */
static int ws_r_next_chunk(struct ws_arch_r *r, char *why, size_t whylen)
{
	struct ws_arch_part *p = &r->parts[r->nparts];
	struct ws_member m;
	ws_err rc = ws_r_next(r, &m, why, whylen);

	if (rc == WS_ERR_NOT_FOUND) {
		snprintf(why, whylen, "it is cut short (the tar ends inside part '%s')", p->name);
		return -1;
	}
	if (rc != WS_OK)
		return -1;
	if (ws_is_chunk(&m, p->name, p->chunks)) {
		if (m.size == 0 || m.size > WS_ARCH_CHUNK || p->chunks >= WS_ARCH_MAX_CHUNKS) {
			snprintf(why, whylen, "it is damaged (chunk %s has %llu bytes)", m.name,
			    (unsigned long long)m.size);
			return -1;
		}
		p->chunks++;
		r->left = m.size;
		return 1;
	}
	r->pending = m;
	r->have_pending = 1;
	if (ws_arch_sha_end(r->md, p->sha256) != 0) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	r->in_part = 0;
	r->nparts++;
	return 0;
}

long ws_arch_r_read(struct ws_arch_r *r, void *buf, size_t len, char *why, size_t whylen)
{
	struct ws_arch_part *p = &r->parts[r->nparts];
	int more;

	if (!r->in_part)
		return 0;
	while (r->left == 0) {
		if ((more = ws_r_next_chunk(r, why, whylen)) <= 0)
			return more < 0 ? -1 : 0;
	}
	if (len > r->left)
		len = (size_t)r->left;
	if (len > (size_t)0x7fffffff)
		len = 0x7fffffff;
	if (ws_r_get(r, buf, len, why, whylen) != WS_OK)
		return -1;
	if (EVP_DigestUpdate(r->md, buf, len) != 1) {
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	p->bytes += len;
	r->left -= len;
	return (long)len;
}

/* The manifest's parts are the ones read, in order, with their figures. */
static ws_err ws_r_check_parts(struct ws_arch_r *r, struct json_object *m, char *why, size_t whylen)
{
	struct json_object *arr, *o;
	const char *sha, *name;
	size_t i;

	if (!json_object_object_get_ex(m, "parts", &arr) || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) != r->nparts) {
		snprintf(why, whylen, "it is damaged (its manifest lists other parts than it holds)");
		return WS_ERR_CORRUPT;
	}
	for (i = 0; i < r->nparts; i++) {
		o = json_object_array_get_idx(arr, i);
		name = ws_jstr(o, "name");
		sha = ws_jstr(o, "sha256");
		if (name == NULL || strcmp(name, r->parts[i].name) != 0) {
			snprintf(why, whylen, "it is damaged (its manifest lists other parts than it holds)");
			return WS_ERR_CORRUPT;
		}
		if (ws_jint(o, "bytes") != (int64_t)r->parts[i].bytes ||
		    ws_jint(o, "chunks") != (int64_t)r->parts[i].chunks) {
			snprintf(why, whylen, "part '%s' is damaged: it holds %llu bytes in %u chunks, its manifest says otherwise",
			    r->parts[i].name, (unsigned long long)r->parts[i].bytes, r->parts[i].chunks);
			return WS_ERR_CORRUPT;
		}
		if (sha == NULL || strcmp(sha, r->parts[i].sha256) != 0) {
			snprintf(why, whylen, "part '%s' is damaged: its sha256 is not the one its manifest records",
			    r->parts[i].name);
			return WS_ERR_CORRUPT;
		}
	}
	return WS_OK;
}

/* After the manifest: the tar's end (two zero blocks) and nothing more. */
static ws_err ws_r_end(struct ws_arch_r *r, char *why, size_t whylen)
{
	struct ws_member m;
	ws_err rc;
	int more;

	if ((rc = ws_r_header(r, &m, why, whylen)) != WS_ERR_NOT_FOUND ||
	    (rc = ws_r_header(r, &m, why, whylen)) != WS_ERR_NOT_FOUND) {
		if (rc == WS_OK)
			snprintf(why, whylen, "it is damaged (a member '%.64s' after its manifest)", m.name);
		return WS_ERR_CORRUPT;
	}
	if (r->opos < r->olen || (more = ws_r_more(r)) > 0) {
		snprintf(why, whylen, "it is damaged (data after the end of the archive)");
		return WS_ERR_CORRUPT;
	}
	if (more < 0 || r->zlast != 0) {
		snprintf(why, whylen, "%s", more < 0 ? r->zerr : "it is cut short (inside a zstd frame)");
		return WS_ERR_CORRUPT;
	}
	return WS_OK;
}

ws_err ws_arch_r_finish(struct ws_arch_r *r, struct json_object **manifest, char *why,
    size_t whylen)
{
	struct json_object *m = NULL;
	struct ws_member mem;
	const char *hs;
	ws_err rc;

	if (!r->headed || r->in_part) {
		snprintf(why, whylen, "the archive is not read in order");
		return WS_ERR_INVALID;
	}
	if ((rc = ws_r_next(r, &mem, why, whylen)) != WS_OK) {
		if (rc == WS_ERR_NOT_FOUND)
			snprintf(why, whylen, "it is cut short (it ends before its manifest)");
		return WS_ERR_CORRUPT;
	}
	if (strcmp(mem.name, WS_ARCH_MANIFEST_NAME) != 0) {
		snprintf(why, whylen, "it is damaged (an unexpected member '%.64s')", mem.name);
		return WS_ERR_CORRUPT;
	}
	if ((rc = ws_r_json(r, &mem, &m, NULL, why, whylen)) != WS_OK)
		return rc;
	if ((rc = ws_r_format(m, "manifest", why, whylen)) != WS_OK ||
	    (rc = ws_r_check_parts(r, m, why, whylen)) != WS_OK)
		goto out;
	hs = ws_jstr(m, "header_sha256");
	if (hs == NULL || strcmp(hs, r->hdr_sha) != 0) {
		snprintf(why, whylen, "its header is damaged: its sha256 is not the one its manifest records");
		rc = WS_ERR_CORRUPT;
		goto out;
	}
	if ((rc = ws_r_end(r, why, whylen)) != WS_OK)
		goto out;
	if (r->sum_bad) {
		/* every sum matched, yet zstd's did not: damage outside the data */
		snprintf(why, whylen, "it is damaged (zstd: its frame's checksum does not match)");
		rc = WS_ERR_CORRUPT;
		goto out;
	}
	*manifest = m;
	m = NULL;
out:
	json_object_put(m);
	return rc;
}
