/* Fuzzes the backup reader (archive.h) as a restore drives it, and the
 * engine's stream frames (dockerstream.h). The input's first byte chooses:
 * even, the rest is compressed here first (so the tar and JSON parsing
 * behind zstd get the mutations); odd, it is read as it is (zstd's own
 * decoding). No input may crash, hang, or be called good without a
 * manifest whose sums match. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "archive.h"
#include "dockerstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct src {
	const uint8_t *buf;
	size_t len, pos;
};

static long src_read(void *arg, void *buf, size_t len)
{
	struct src *s = arg;
	size_t n = s->len - s->pos;

	if (n > len)
		n = len;
	if (n > 777)
		n = 777;
	memcpy(buf, s->buf + s->pos, n);
	s->pos += n;
	return (long)n;
}

static int sink(void *arg, int stream, const unsigned char *buf, size_t len)
{
	(void)arg;
	(void)stream;
	(void)buf;
	return len > 0 && buf[0] == 0xff ? -1 : 0;
}

static void read_archive(struct src *s)
{
	struct ws_arch_r *r = ws_arch_r_new(src_read, s);
	struct json_object *hdr = NULL, *man = NULL;
	char part[WS_ARCH_PART_MAX + 1], why[300];
	unsigned char buf[4096];
	int parts = 0;
	long n;

	if (r == NULL)
		return;
	if (ws_arch_r_header(r, &hdr, why, sizeof(why)) != WS_OK)
		goto out;
	while (ws_arch_r_part(r, part, why, sizeof(why)) == WS_OK) {
		if (++parts > WS_ARCH_MAX_PARTS)
			abort();
		while ((n = ws_arch_r_read(r, buf, sizeof(buf), why, sizeof(why))) > 0)
			;
		if (n < 0)
			goto out;
	}
	(void)ws_arch_r_finish(r, &man, why, sizeof(why));
out:
	json_object_put(hdr);
	json_object_put(man);
	ws_arch_r_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_demux d;
	struct src s;
	void *z = NULL;
	size_t zl;

	if (size == 0)
		return 0;
	memset(&d, 0, sizeof(d));
	(void)ws_demux_feed(&d, data + 1, size - 1, sink, NULL);
	if (data[0] % 2 == 0) {
		zl = ZSTD_compressBound(size - 1);
		if ((z = malloc(zl)) == NULL)
			return 0;
		zl = ZSTD_compress(z, zl, data + 1, size - 1, 1);
		if (ZSTD_isError(zl)) {
			free(z);
			return 0;
		}
		s.buf = z;
		s.len = zl;
	} else {
		s.buf = data + 1;
		s.len = size - 1;
	}
	s.pos = 0;
	read_archive(&s);
	free(z);
	return 0;
}
