/* The backup format (archive.h) and the engine's stream frames
 * (dockerstream.h): a round trip, then every way an archive can be bad —
 * cut short at many lengths, a byte changed at many offsets, not zstd, not
 * ours — must be refused, never read as good. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "archive.h"
#include "archive_int.h"
#include "dockerstream.h"

struct mem {
	unsigned char *buf;
	size_t len, cap, pos;
};

static int mem_sink(void *arg, const void *buf, size_t len)
{
	struct mem *m = arg;

	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->buf = realloc(m->buf, m->cap);
		assert_non_null(m->buf);
	}
	memcpy(m->buf + m->len, buf, len);
	m->len += len;
	return 0;
}

/* Hands out at most 1000 bytes a call, to cut everything everywhere. */
static long mem_source(void *arg, void *buf, size_t len)
{
	struct mem *m = arg;
	size_t n = m->len - m->pos;

	if (n > len)
		n = len;
	if (n > 1000)
		n = 1000;
	memcpy(buf, m->buf + m->pos, n);
	m->pos += n;
	return (long)n;
}

/* Part data: some of it compressible, some not. */
static unsigned char *make_data(size_t len, unsigned seed)
{
	unsigned char *d = malloc(len);
	size_t i;

	assert_non_null(d);
	for (i = 0; i < len; i++) {
		seed = seed * 1103515245u + 12345u;
		d[i] = (i / 4096) % 2 ? (unsigned char)(seed >> 16) : (unsigned char)(i % 61);
	}
	return d;
}

#define HOME_LEN ((size_t)9 * 1024 * 1024 + 1234)
#define DOCKER_LEN ((size_t)1000)

static struct mem make_archive(const unsigned char *home, const unsigned char *docker)
{
	struct mem m = { 0 };
	struct ws_arch_w *w = ws_arch_w_new(mem_sink, &m, 1, 0);
	struct json_object *hdr = json_object_new_object(), *extra = json_object_new_object();
	struct ws_arch_part p;

	assert_non_null(w);
	json_object_object_add(hdr, "workspace", json_object_new_string("proj"));
	json_object_object_add(extra, "note", json_object_new_string("x"));
	assert_int_equal(ws_arch_w_header(w, hdr), WS_OK);
	assert_int_equal(ws_arch_w_part(w, "home"), WS_OK);
	assert_int_equal(ws_arch_w_data(w, home, 100), WS_OK);
	assert_int_equal(ws_arch_w_data(w, home + 100, HOME_LEN - 100), WS_OK);
	assert_int_equal(ws_arch_w_part_end(w, &p), WS_OK);
	assert_int_equal(p.chunks, 3);
	assert_int_equal(p.bytes, HOME_LEN);
	assert_int_equal(ws_arch_w_part(w, "home"), WS_ERR_INVALID);   /* once each */
	assert_int_equal(ws_arch_w_part(w, "Bad"), WS_ERR_INVALID);
	assert_int_equal(ws_arch_w_part(w, "docker"), WS_OK);
	assert_int_equal(ws_arch_w_data(w, docker, DOCKER_LEN), WS_OK);
	assert_int_equal(ws_arch_w_part_end(w, NULL), WS_OK);
	assert_int_equal(ws_arch_w_finish(w, extra), WS_OK);
	assert_int_equal(ws_arch_w_written(w), m.len);
	ws_arch_w_free(w);
	json_object_put(hdr);
	json_object_put(extra);
	return m;
}

/* Reads an archive through; the parts' bytes must be what was written.
 * Returns the first failure (why set) or WS_OK. */
static ws_err read_all(struct mem *m, const unsigned char *home, const unsigned char *docker,
    char *why, size_t whylen)
{
	struct ws_arch_r *r = ws_arch_r_new(mem_source, m);
	struct json_object *hdr = NULL, *man = NULL;
	unsigned char buf[70000];
	char part[WS_ARCH_PART_MAX + 1];
	size_t got;
	long n;
	ws_err rc;

	assert_non_null(r);
	m->pos = 0;
	why[0] = '\0';
	if ((rc = ws_arch_r_header(r, &hdr, why, whylen)) != WS_OK)
		goto out;
	while ((rc = ws_arch_r_part(r, part, why, whylen)) == WS_OK) {
		const unsigned char *want = strcmp(part, "home") == 0 ? home : docker;
		size_t wlen = strcmp(part, "home") == 0 ? HOME_LEN : DOCKER_LEN;

		got = 0;
		while ((n = ws_arch_r_read(r, buf, sizeof(buf), why, whylen)) > 0) {
			/* changed bytes may be read; the manifest must catch them */
			if (got + (size_t)n > wlen || memcmp(buf, want + got, (size_t)n) != 0)
				want = NULL, wlen = 0;
			got += (size_t)n;
			if (want == NULL)
				break;
		}
		if (n < 0) {
			rc = WS_ERR_CORRUPT;
			goto out;
		}
		if (want == NULL) {
			/* Read on to the end: the sums must then fail. */
			while ((n = ws_arch_r_read(r, buf, sizeof(buf), why, whylen)) > 0)
				;
			if (n < 0) {
				rc = WS_ERR_CORRUPT;
				goto out;
			}
			rc = ws_arch_r_finish(r, &man, why, whylen);
			assert_int_not_equal(rc, WS_OK);
			goto out;
		}
		assert_int_equal(got, wlen);
	}
	if (rc != WS_ERR_NOT_FOUND)
		goto out;
	rc = ws_arch_r_finish(r, &man, why, whylen);
out:
	json_object_put(hdr);
	json_object_put(man);
	ws_arch_r_free(r);
	return rc;
}

static void round_trip(void **state)
{
	unsigned char *home = make_data(HOME_LEN, 1), *docker = make_data(DOCKER_LEN, 2);
	struct mem m = make_archive(home, docker);
	struct ws_arch_r *r = ws_arch_r_new(mem_source, &m);
	struct json_object *hdr = NULL, *v;
	char why[300];

	(void)state;
	assert_int_equal(read_all(&m, home, docker, why, sizeof(why)), WS_OK);
	/* The header and manifest say what was put in. */
	m.pos = 0;
	assert_int_equal(ws_arch_r_header(r, &hdr, why, sizeof(why)), WS_OK);
	assert_true(json_object_object_get_ex(hdr, "workspace", &v));
	assert_string_equal(json_object_get_string(v), "proj");
	json_object_put(hdr);
	ws_arch_r_free(r);
	free(m.buf);
	free(home);
	free(docker);
}

static void cut_short_anywhere(void **state)
{
	unsigned char *home = make_data(HOME_LEN, 3), *docker = make_data(DOCKER_LEN, 4);
	struct mem m = make_archive(home, docker);
	size_t full = m.len, cuts[] = { 0, 1, 4, 5, 100, 511, full / 7, full / 3, full / 2, full - 100,
		full - 9, full - 4, full - 1 };
	char why[300];

	(void)state;
	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		m.len = cuts[i];
		assert_int_equal(read_all(&m, home, docker, why, sizeof(why)), WS_ERR_CORRUPT);
		assert_true(why[0] != '\0');
	}
	m.len = full;
	assert_int_equal(read_all(&m, home, docker, why, sizeof(why)), WS_OK);
	free(m.buf);
	free(home);
	free(docker);
}

static void changed_byte_anywhere(void **state)
{
	unsigned char *home = make_data(HOME_LEN, 5), *docker = make_data(DOCKER_LEN, 6);
	struct mem m = make_archive(home, docker);
	char why[300];
	size_t step = m.len / 97 + 1, off;

	(void)state;
	for (off = 0; off < m.len; off += step) {
		m.buf[off] ^= 0x5a;
		assert_int_not_equal(read_all(&m, home, docker, why, sizeof(why)), WS_OK);
		assert_true(why[0] != '\0');
		m.buf[off] ^= 0x5a;
	}
	m.buf[m.len - 1] ^= 1;   /* the frame checksum's last byte */
	assert_int_equal(read_all(&m, home, docker, why, sizeof(why)), WS_ERR_CORRUPT);
	m.buf[m.len - 1] ^= 1;
	/* Bytes after the end are refused too. */
	mem_sink(&m, "x", 1);
	assert_int_equal(read_all(&m, home, docker, why, sizeof(why)), WS_ERR_CORRUPT);
	free(m.buf);
	free(home);
	free(docker);
}

/* zstd of a tar whose first member is not ours; and plain bytes. */
static void foreign(void **state)
{
	unsigned char tar[1536], z[4096];
	struct mem m = { 0 };
	char why[300];
	size_t zl;

	(void)state;
	memset(tar, 0, sizeof(tar));
	strcpy((char *)tar, "etc/passwd");
	zl = ZSTD_compress(z, sizeof(z), tar, sizeof(tar), 1);
	assert_false(ZSTD_isError(zl));
	m.buf = z;
	m.len = zl;
	assert_int_equal(read_all(&m, NULL, NULL, why, sizeof(why)), WS_ERR_CORRUPT);
	assert_non_null(strstr(why, "damaged"));   /* a bad tar header: its sum is wrong */
	m.buf = (unsigned char *)"PK\3\4 this is a zip file, not ours";
	m.len = strlen((char *)m.buf);
	assert_int_equal(read_all(&m, NULL, NULL, why, sizeof(why)), WS_ERR_CORRUPT);
	assert_non_null(strstr(why, "not zstd"));
}

/* A ustar member as the writer makes it, appended to m (raw, not zstd). */
static void raw_member(struct mem *m, const char *name, const void *data, size_t len)
{
	static const unsigned char zeros[512];
	unsigned char h[512];

	memset(h, 0, sizeof(h));
	snprintf((char *)h, 100, "%s", name);
	memcpy(h + 100, "0000644", 8);
	memcpy(h + 108, "0000000", 8);
	memcpy(h + 116, "0000000", 8);
	snprintf((char *)h + 124, 12, "%011llo", (unsigned long long)len);
	memcpy(h + 136, "00000000000", 12);
	h[156] = '0';
	memcpy(h + 257, "ustar", 6);
	h[263] = h[264] = '0';
	snprintf((char *)h + 148, 8, "%06o", ws_arch_tar_sum(h));
	h[155] = ' ';
	mem_sink(m, h, sizeof(h));
	if (len > 0)
		mem_sink(m, data, len);
	if (len % 512 != 0)
		mem_sink(m, zeros, 512 - len % 512);
}

/* m's raw tar, zstd-compressed into a new mem. */
static struct mem zstd_of(const struct mem *m)
{
	struct mem z = { 0 };

	z.cap = ZSTD_compressBound(m->len);
	z.buf = malloc(z.cap);
	assert_non_null(z.buf);
	z.len = ZSTD_compress(z.buf, z.cap, m->buf, m->len, 1);
	assert_false(ZSTD_isError(z.len));
	return z;
}

static const char good_header[] = "{\"format\":\"wsgate-backup\",\"version\":1}";

/* Each bound a sender could push: a header over WS_ARCH_JSON_MAX, a chunk
 * over WS_ARCH_CHUNK, more than WS_ARCH_MAX_PARTS parts. */
static void bounds(void **state)
{
	struct ws_arch_r *r;
	struct json_object *hdr = NULL;
	char part[WS_ARCH_PART_MAX + 1], why[300], name[32];
	unsigned char *big = calloc(1, WS_ARCH_CHUNK + 1);
	struct mem raw = { 0 }, z;
	int i;

	(void)state;
	assert_non_null(big);
	/* A header of WS_ARCH_JSON_MAX + 1 bytes (spaces after the JSON). */
	memcpy(big, good_header, strlen(good_header));
	memset(big + strlen(good_header), ' ', WS_ARCH_JSON_MAX + 1 - strlen(good_header));
	raw_member(&raw, "wsgate-backup.json", big, WS_ARCH_JSON_MAX + 1);
	z = zstd_of(&raw);
	r = ws_arch_r_new(mem_source, &z);
	assert_int_equal(ws_arch_r_header(r, &hdr, why, sizeof(why)), WS_ERR_CORRUPT);
	assert_non_null(strstr(why, "wsgate-backup.json has 65537 bytes"));
	ws_arch_r_free(r);
	free(z.buf);
	/* ...and at WS_ARCH_JSON_MAX it is read. */
	raw.len = 0;
	raw_member(&raw, "wsgate-backup.json", big, WS_ARCH_JSON_MAX);
	z = zstd_of(&raw);
	r = ws_arch_r_new(mem_source, &z);
	assert_int_equal(ws_arch_r_header(r, &hdr, why, sizeof(why)), WS_OK);
	json_object_put(hdr);
	ws_arch_r_free(r);
	free(z.buf);
	/* A chunk of WS_ARCH_CHUNK + 1 bytes. */
	raw.len = 0;
	raw_member(&raw, "wsgate-backup.json", good_header, strlen(good_header));
	raw_member(&raw, "home.tar.000000", big, WS_ARCH_CHUNK + 1);
	z = zstd_of(&raw);
	r = ws_arch_r_new(mem_source, &z);
	assert_int_equal(ws_arch_r_header(r, &hdr, why, sizeof(why)), WS_OK);
	json_object_put(hdr);
	assert_int_equal(ws_arch_r_part(r, part, why, sizeof(why)), WS_ERR_CORRUPT);
	assert_non_null(strstr(why, "home.tar.000000"));
	ws_arch_r_free(r);
	free(z.buf);
	/* WS_ARCH_MAX_PARTS parts are read; one more is refused. */
	raw.len = 0;
	raw_member(&raw, "wsgate-backup.json", good_header, strlen(good_header));
	for (i = 0; i <= WS_ARCH_MAX_PARTS; i++) {
		snprintf(name, sizeof(name), "%c.tar.000000", 'a' + i);
		raw_member(&raw, name, "x", 1);
	}
	z = zstd_of(&raw);
	r = ws_arch_r_new(mem_source, &z);
	assert_int_equal(ws_arch_r_header(r, &hdr, why, sizeof(why)), WS_OK);
	json_object_put(hdr);
	for (i = 0; i < WS_ARCH_MAX_PARTS; i++) {
		assert_int_equal(ws_arch_r_part(r, part, why, sizeof(why)), WS_OK);
		assert_int_equal(ws_arch_r_read(r, big, 16, why, sizeof(why)), 1);
		assert_int_equal(ws_arch_r_read(r, big, 16, why, sizeof(why)), 0);
	}
	assert_int_equal(ws_arch_r_part(r, part, why, sizeof(why)), WS_ERR_CORRUPT);
	assert_non_null(strstr(why, "unexpected member 'e.tar.000000'"));
	ws_arch_r_free(r);
	free(z.buf);
	free(raw.buf);
	free(big);
}

struct sinkrec {
	char out[64], err[64];
	size_t olen, elen;
};

static int rec_fn(void *arg, int stream, const unsigned char *buf, size_t len)
{
	struct sinkrec *s = arg;

	if (stream == 1) {
		memcpy(s->out + s->olen, buf, len);
		s->olen += len;
	} else {
		memcpy(s->err + s->elen, buf, len);
		s->elen += len;
	}
	return 0;
}

static void demux_frames(void **state)
{
	static const unsigned char frames[] = {
		1, 0, 0, 0, 0, 0, 0, 5, 'h', 'e', 'l', 'l', 'o',
		2, 0, 0, 0, 0, 0, 0, 3, 'e', 'r', 'r',
		1, 0, 0, 0, 0, 0, 0, 0,
		1, 0, 0, 0, 0, 0, 0, 1, '!',
	};
	struct ws_demux d;
	struct sinkrec s;
	size_t cut;

	(void)state;
	/* Cut in two at every place: the same bytes come out. */
	for (cut = 0; cut <= sizeof(frames); cut++) {
		memset(&d, 0, sizeof(d));
		memset(&s, 0, sizeof(s));
		assert_int_equal(ws_demux_feed(&d, frames, cut, rec_fn, &s), WS_OK);
		assert_int_equal(ws_demux_feed(&d, frames + cut, sizeof(frames) - cut, rec_fn, &s), WS_OK);
		assert_true(ws_demux_idle(&d));
		assert_int_equal(s.olen, 6);
		assert_memory_equal(s.out, "hello!", 6);
		assert_memory_equal(s.err, "err", 3);
	}
	memset(&d, 0, sizeof(d));
	assert_int_equal(ws_demux_feed(&d, frames, 10, rec_fn, &s), WS_OK);
	assert_false(ws_demux_idle(&d));   /* inside a frame: no clean end */
	memset(&d, 0, sizeof(d));
	assert_int_equal(ws_demux_feed(&d, (const unsigned char *)"\3\0\0\0\0\0\0\1x", 9, rec_fn, &s),
	    WS_ERR_CORRUPT);
	memset(&d, 0, sizeof(d));
	assert_int_equal(ws_demux_feed(&d, (const unsigned char *)"\1\0\1\0\0\0\0\1x", 9, rec_fn, &s),
	    WS_ERR_CORRUPT);
}

static void attach_head(void **state)
{
	char why[200];

	(void)state;
	assert_int_equal(ws_dstream_head_ok("HTTP/1.1 101 UPGRADED\r\n\r\n", 25, why, sizeof(why)), WS_OK);
	assert_int_equal(ws_dstream_head_ok("HTTP/1.1 200 OK\r\n\r\n", 19, why, sizeof(why)), WS_OK);
	assert_int_equal(ws_dstream_head_ok("HTTP/1.1 404 Not Found\r\n\r\n", 26, why, sizeof(why)),
	    WS_ERR_DOCKER);
	assert_non_null(strstr(why, "404"));
	assert_int_equal(ws_dstream_head_ok("garbage", 7, why, sizeof(why)), WS_ERR_DOCKER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(cut_short_anywhere),
		cmocka_unit_test(changed_byte_anywhere),
		cmocka_unit_test(foreign),
		cmocka_unit_test(bounds),
		cmocka_unit_test(demux_frames),
		cmocka_unit_test(attach_head),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
