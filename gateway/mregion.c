/* mregion.c — the metrics' shared region (mregion.h): a sealed memfd
 * under a sequence lock. */
#include "mregion.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define WS_MREGION_MAGIC (0x7773676d65747231ULL ^ (uint64_t)WS_M_SLOTS)
/* Snapshots tried before the writer is said to hold the region. */
#define WS_MSNAP_TRIES 10000

/* What the memfd holds. */
struct ws_mshared {
	uint64_t seq;            /* odd while the listener writes */
	uint64_t magic;
	uint64_t heartbeat_us, probe_us;
	uint64_t v[WS_M_SLOTS];
};

struct ws_mregion {
	struct ws_mshared *s;
	size_t len;
	int fd;                  /* the memfd (the writer's), or -1 */
	int writable;
};

uint64_t ws_mregion_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static size_t ws_region_len(void)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t p = page > 0 ? (size_t)page : 4096;

	return (sizeof(struct ws_mshared) + p - 1) / p * p;
}

struct ws_mregion *ws_mregion_new(void)
{
	struct ws_mregion *r = NULL;
	void *p = MAP_FAILED;
	size_t len = ws_region_len();
	int fd = -1, err;

	if (ws_metrics_base(WS_M__COUNT) > WS_M_SLOTS) {
		errno = EOVERFLOW;   /* the table outgrew WS_M_SLOTS */
		return NULL;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    (fd = memfd_create("wsgate-metrics", MFD_CLOEXEC | MFD_ALLOW_SEALING)) < 0 ||
	    ftruncate(fd, (off_t)len) != 0 ||
	    (p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED ||
	    madvise(p, len, MADV_DONTFORK) != 0)
		goto fail;
	/* No new writable mapping, no write(), no resize, from anyone: the
	 * listener's own mapping stays the only writer. (Kernels before 5.1
	 * lack F_SEAL_FUTURE_WRITE: readers still get a read-only descriptor.) */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE) != 0 &&
	    (errno != EINVAL || fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) != 0))
		goto fail;
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL) != 0)
		goto fail;
	r->s = p;
	r->len = len;
	r->fd = fd;
	r->writable = 1;
	r->s->magic = WS_MREGION_MAGIC;
	return r;
fail:
	err = errno;
	if (p != MAP_FAILED)
		munmap(p, len);
	if (fd >= 0)
		close(fd);
	free(r);
	errno = err;
	return NULL;
}

int ws_mregion_reader_fd(const struct ws_mregion *r)
{
	char path[64];

	/* A new open file description, read-only: what is mapped through it
	 * can never be made writable (mprotect needs the file open for write). */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", r->fd);
	return open(path, O_RDONLY | O_CLOEXEC);
}

struct ws_mregion *ws_mregion_open(int fd)
{
	struct ws_mregion *r = calloc(1, sizeof(*r));
	size_t len = ws_region_len();
	struct stat st;
	void *p;

	if (r == NULL)
		return NULL;
	if (fstat(fd, &st) != 0 || st.st_size != (off_t)len ||
	    (p = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		free(r);
		return NULL;
	}
	r->s = p;
	r->len = len;
	r->fd = -1;
	if (__atomic_load_n(&r->s->magic, __ATOMIC_RELAXED) != WS_MREGION_MAGIC) {
		ws_mregion_free(r);
		return NULL;
	}
	return r;
}

void ws_mregion_forget(struct ws_mregion *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
	r->writable = 0;
}

void ws_mregion_free(struct ws_mregion *r)
{
	if (r == NULL)
		return;
	munmap(r->s, r->len);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

/* The sequence lock's two halves: readers retry while seq is odd or moved. */
static void ws_wbegin(struct ws_mshared *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void ws_wend(struct ws_mshared *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

static void ws_wput(uint64_t *slot, uint64_t v)
{
	__atomic_store_n(slot, v, __ATOMIC_RELAXED);
}

/* The slot of family m's combination combo (and offset k in it), or NULL. */
static uint64_t *ws_slot(struct ws_mregion *r, enum ws_metric m, size_t combo, size_t k)
{
	if (r == NULL || !r->writable || m >= WS_M__COUNT || combo >= ws_metrics_combos(m) ||
	    k >= ws_metrics_width(m))
		return NULL;
	return &r->s->v[ws_metrics_base(m) + combo * ws_metrics_width(m) + k];
}

void ws_mregion_add(struct ws_mregion *r, enum ws_metric m, size_t combo, uint64_t delta)
{
	uint64_t *v = ws_slot(r, m, combo, 0);

	if (v == NULL || ws_metrics_family(m)->type == WS_MT_HISTOGRAM)
		return;
	ws_wbegin(r->s);
	ws_wput(v, *v + delta);
	ws_wend(r->s);
}

void ws_mregion_set(struct ws_mregion *r, enum ws_metric m, size_t combo, uint64_t value)
{
	uint64_t *v = ws_slot(r, m, combo, 0);

	if (v == NULL || ws_metrics_family(m)->type == WS_MT_HISTOGRAM)
		return;
	ws_wbegin(r->s);
	ws_wput(v, value);
	ws_wend(r->s);
}

void ws_mregion_observe(struct ws_mregion *r, enum ws_metric m, size_t combo, uint64_t us)
{
	uint64_t *b = ws_slot(r, m, combo, 0);
	size_t i, nb = ws_metrics_buckets();

	if (b == NULL || ws_metrics_family(m)->type != WS_MT_HISTOGRAM)
		return;
	/* Per bucket (not cumulative), then count and sum in microseconds;
	 * past the last bound, in the count only (+Inf). */
	for (i = 0; i < nb && (double)us > ws_metrics_bucket(i) * 1e6; i++)
		;
	ws_wbegin(r->s);
	if (i < nb)
		ws_wput(&b[i], b[i] + 1);
	ws_wput(&b[nb], b[nb] + 1);
	ws_wput(&b[nb + 1], b[nb + 1] + us);
	ws_wend(r->s);
}

void ws_mregion_heartbeat(struct ws_mregion *r, uint64_t now_us)
{
	if (r == NULL || !r->writable)
		return;
	ws_wbegin(r->s);
	ws_wput(&r->s->heartbeat_us, now_us);
	ws_wend(r->s);
}

void ws_mregion_probe(struct ws_mregion *r, uint64_t now_us, int up)
{
	if (r == NULL || !r->writable)
		return;
	ws_wbegin(r->s);
	ws_wput(&r->s->probe_us, now_us);
	ws_wend(r->s);
	ws_mregion_set(r, WS_M_ENGINE_UP, 0, up ? 1 : 0);
	ws_mregion_add(r, WS_M_ENGINE_PROBES, up ? WS_MRES_OK : WS_MRES_FAILED, 1);
}

ws_err ws_mregion_snapshot(const struct ws_mregion *r, struct ws_msnap *out)
{
	const struct ws_mshared *s = r->s;
	uint64_t a;
	size_t i;

	for (int tries = 0; tries < WS_MSNAP_TRIES; tries++) {
		if ((a = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE)) & 1) {
			sched_yield();
			continue;
		}
		out->heartbeat_us = __atomic_load_n(&s->heartbeat_us, __ATOMIC_RELAXED);
		out->probe_us = __atomic_load_n(&s->probe_us, __ATOMIC_RELAXED);
		for (i = 0; i < WS_M_SLOTS; i++)
			out->v[i] = __atomic_load_n(&s->v[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == a)
			return WS_OK;
	}
	return WS_ERR_TIMEOUT;
}
