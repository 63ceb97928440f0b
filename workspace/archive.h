/* archive.h — the wsgate backup format: one zstd stream holding a plain tar
 * (ustar) of fixed members, readable with standard tools
 * (tar --zstd -tvf NAME.tar.zst):
 *
 *   wsgate-backup.json      what the backup is of (workspace, owner, image...)
 *   home.tar.000000 ...     the first part (a tar of a volume) in chunks of at
 *   docker.tar.000000 ...   most WS_ARCH_CHUNK bytes; cat them to get it whole
 *   manifest.json           each part's bytes, chunks and sha256, the header's
 *                           sha256, and what the caller adds (sizes)
 *
 * A tar member's size comes before its bytes, so a part of unknown length
 * goes out in chunks, each held in memory until full: the stream needs no
 * temporary copy. The manifest comes last because only then are the sums
 * known; a reader checks them all before it calls the archive good. zstd's
 * frame checksum is on, so a damaged byte is usually found where it is. */
#ifndef WSGATE_ARCHIVE_H
#define WSGATE_ARCHIVE_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "wserr.h"

#define WS_ARCH_FORMAT "wsgate-backup"
#define WS_ARCH_VERSION 1
#define WS_ARCH_CHUNK ((size_t)4 * 1024 * 1024)
#define WS_ARCH_JSON_MAX ((size_t)64 * 1024)   /* header and manifest */
#define WS_ARCH_MAX_PARTS 4
#define WS_ARCH_PART_MAX 15                   /* a part's name: [a-z], 1-15 */
#define WS_ARCH_MAX_CHUNKS 999999             /* six digits: 3.8 TiB a part */

/* A part as written or read: its name, its bytes, chunks and sha256 (hex). */
struct ws_arch_part {
	char name[WS_ARCH_PART_MAX + 1];
	uint64_t bytes;
	unsigned chunks;
	char sha256[65];
};

/* Where a writer's bytes go: all len of them, 0; or -1 to stop. */
typedef int (*ws_arch_sink_fn)(void *arg, const void *buf, size_t len);
/* Where a reader's bytes come from: up to len into buf, their count; 0 at
 * the end; -1 on an error. */
typedef long (*ws_arch_source_fn)(void *arg, void *buf, size_t len);

struct ws_arch_w;

/* A writer to sink at zstd level (1-19), with workers threads (0: none).
 * NULL on no memory. Free with ws_arch_w_free. */
struct ws_arch_w *ws_arch_w_new(ws_arch_sink_fn sink, void *arg, int level, int workers);

/* Frees w; accepts NULL. */
void ws_arch_w_free(struct ws_arch_w *w);

/* Writes the header member: hdr with "format" and "version" added. Once,
 * first. WS_ERR_IO when the sink stopped, WS_ERR_TOO_LARGE over
 * WS_ARCH_JSON_MAX. */
ws_err ws_arch_w_header(struct ws_arch_w *w, struct json_object *hdr);

/* Begins part name ([a-z], at most WS_ARCH_PART_MAX; each once). */
ws_err ws_arch_w_part(struct ws_arch_w *w, const char *name);

/* Adds len bytes to the part begun. */
ws_err ws_arch_w_data(struct ws_arch_w *w, const void *buf, size_t len);

/* Ends the part begun; its figures in *out when out is not NULL. */
ws_err ws_arch_w_part_end(struct ws_arch_w *w, struct ws_arch_part *out);

/* Writes the manifest (the parts and the header's sum, with extra's keys
 * under "extra"; extra may be NULL and stays the caller's), the tar's end
 * and the zstd stream's end. */
ws_err ws_arch_w_finish(struct ws_arch_w *w, struct json_object *extra);

/* Bytes handed to the sink so far (compressed). */
uint64_t ws_arch_w_written(const struct ws_arch_w *w);

struct ws_arch_r;

/* A reader of src. NULL on no memory. Free with ws_arch_r_free. */
struct ws_arch_r *ws_arch_r_new(ws_arch_source_fn src, void *arg);

/* Frees r; accepts NULL. */
void ws_arch_r_free(struct ws_arch_r *r);

/* Reads the header member. On WS_OK *hdr is its JSON (the caller puts
 * it). WS_ERR_CORRUPT with one line in why for anything that is not a
 * wsgate backup, or one of a later format version. */
ws_err ws_arch_r_header(struct ws_arch_r *r, struct json_object **hdr, char *why, size_t whylen);

/* Moves to the next part: its name in name (WS_ARCH_PART_MAX + 1 bytes).
 * WS_ERR_NOT_FOUND when the manifest comes next; WS_ERR_CORRUPT with why. */
ws_err ws_arch_r_part(struct ws_arch_r *r, char *name, char *why, size_t whylen);

/* Reads the current part's bytes: their count, 0 at the part's end, -1
 * with why (damaged, cut short). */
long ws_arch_r_read(struct ws_arch_r *r, void *buf, size_t len, char *why, size_t whylen);

/* Reads the manifest and checks everything against it: each part's bytes,
 * chunks and sha256, the header's sha256, the end of the archive and of
 * the stream. On WS_OK *manifest is its JSON (the caller puts it);
 * WS_ERR_CORRUPT with one line naming what failed otherwise. Call after
 * the last part was read to its end. */
ws_err ws_arch_r_finish(struct ws_arch_r *r, struct json_object **manifest, char *why,
    size_t whylen);

/* Decompressed bytes read so far. */
uint64_t ws_arch_r_offset(const struct ws_arch_r *r);

#endif
