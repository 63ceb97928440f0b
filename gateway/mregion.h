/* mregion.h — where the metrics' values live (metrics.h): one shared
 * memory region, a sealed memfd, that the listener alone writes under a
 * sequence lock (a reader retries while a write is under way; the writer
 * never waits). The listener maps it read-write and no fork inherits that
 * mapping (MADV_DONTFORK); the seals refuse any new writable mapping,
 * write() and resizing; a reader gets a read-only descriptor whose mapping
 * cannot be made writable. */
#ifndef WSGATE_MREGION_H
#define WSGATE_MREGION_H

#include <stdint.h>

#include "metrics.h"
#include "wserr.h"

struct ws_mregion;

/* Makes the region, mapped read-write in this process only (the listener):
 * forks do not inherit the mapping. Returns NULL (errno set) on failure.
 * Free with ws_mregion_free(). */
struct ws_mregion *ws_mregion_new(void);

/* Returns a read-only descriptor of r's memory for a reader (close-on-exec;
 * the caller closes it), or -1 (errno set). */
int ws_mregion_reader_fd(const struct ws_mregion *r);

/* Maps a reader descriptor read-only (the descriptor stays the caller's).
 * Returns NULL when it is no region of this build. Writes through the
 * result are refused. Free with ws_mregion_free(). */
struct ws_mregion *ws_mregion_open(int fd);

/* In a process forked from the writer (which has no mapping: it was not
 * inherited): closes the descriptor; writes through r do nothing. */
void ws_mregion_forget(struct ws_mregion *r);

/* Unmaps r and closes its descriptor; accepts NULL. */
void ws_mregion_free(struct ws_mregion *r);

/* Writers (the listener; a read-only region ignores them). The slot is
 * family m's label combination combo (ws_metrics_combos): out of range,
 * nothing is written. add adds delta (wrapping: a gauge takes a negative
 * delta as (uint64_t)-n); set sets; observe counts a histogram sample of
 * us microseconds. */
void ws_mregion_add(struct ws_mregion *r, enum ws_metric m, size_t combo, uint64_t delta);
void ws_mregion_set(struct ws_mregion *r, enum ws_metric m, size_t combo, uint64_t value);
void ws_mregion_observe(struct ws_mregion *r, enum ws_metric m, size_t combo, uint64_t us);

/* Marks the listener alive at now_us (monotonic microseconds). */
void ws_mregion_heartbeat(struct ws_mregion *r, uint64_t now_us);

/* Records an engine probe that ended at now_us: up 1 or 0. */
void ws_mregion_probe(struct ws_mregion *r, uint64_t now_us, int up);

/* Copies r into *out, consistent (a sequence lock: the writer never waits).
 * Returns WS_OK, or WS_ERR_TIMEOUT when the writer kept it busy. */
ws_err ws_mregion_snapshot(const struct ws_mregion *r, struct ws_msnap *out);

/* Microseconds on the monotonic clock (the region's times; the same in
 * every process). */
uint64_t ws_mregion_now_us(void);

#endif
