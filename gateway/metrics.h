/* metrics.h — wsgate's metrics: a fixed set of families, described once in
 * the table in metrics.c (name, type, help, labels and their values), whose
 * values live in one shared memory region that the listener alone writes.
 * The region is a sealed memfd: the listener maps it read-write and never
 * lets a fork inherit that mapping (MADV_DONTFORK); the HTTP process
 * (metrics_http.h) gets a read-only descriptor it cannot turn writable, and
 * renders what it reads as Prometheus text. docs/metrics.md lists every
 * family. Reports from other processes come through metrics_report.h. */
#ifndef WSGATE_METRICS_H
#define WSGATE_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "dynbuf.h"
#include "wserr.h"

enum ws_mtype { WS_MT_COUNTER, WS_MT_GAUGE, WS_MT_HISTOGRAM };

/* The families, in the order they are rendered. */
enum ws_metric {
	WS_M_CONNECTIONS,        /* gauge {state}: each connection's, by its monitor */
	WS_M_CONNECTIONS_TOTAL,  /* counter {outcome}: the listener's */
	WS_M_AUTH_ATTEMPTS,      /* counter {method, result}: one per audit "auth" line */
	WS_M_SESSIONS_TOTAL,     /* counter: one per audit "session-start" line */
	WS_M_SESSIONS_OPEN,      /* gauge: each connection's (0 or 1) */
	WS_M_CHANNELS_OPEN,      /* gauge {type}: each connection's, from its bridge */
	WS_M_WORKSPACE_CREATES,  /* counter {result} */
	WS_M_WORKSPACE_STARTS,   /* counter {result} */
	WS_M_BRINGUP_SECONDS,    /* histogram {phase} */
	WS_M_BYTES,              /* counter {direction} */
	WS_M_PENALTIES_ACTIVE,   /* gauge: the listener's */
	WS_M_ENGINE_UP,          /* gauge: the listener's probe */
	WS_M_ENGINE_PROBES,      /* counter {result}: the listener's probe */
	WS_M_REPORTS_DROPPED,    /* counter: reports a sender could not send */
	WS_M_REPORTS_REJECTED,   /* counter {reason}: reports the listener refused */
	WS_M__COUNT
};

/* Label values, by family; each list is in the table's order. */
enum ws_mstate { WS_MS_AUTHENTICATING, WS_MS_BRINGING_UP, WS_MS_BRIDGING, WS_MS__COUNT };
enum ws_mconn { WS_MC_ACCEPTED, WS_MC_PENALISED, WS_MC_DROPPED };
enum ws_mresult { WS_MRES_OK, WS_MRES_FAILED };
enum ws_mdir { WS_MD_FROM_CLIENT, WS_MD_TO_CLIENT };
enum ws_mreject { WS_MJ_MALFORMED, WS_MJ_SENDER };
/* Channel types: bridge.h's WS_BRIDGE_KINDS, in forward.c's order. */
#define WS_M_CHANNEL_TYPES 7
/* Bring-up phases: workspace.h's enum ws_phase. */
#define WS_M_PHASES 5

/* Flags of a family. */
#define WS_MF_REPORTED 1u  /* may come in a report (metrics_report.h) */
#define WS_MF_PER_PID 2u   /* a gauge each connection sets for itself, dropped
                            * when its process ends */
#define WS_MF_ONE_OF 4u    /* per connection, exactly one label value holds 1 */

struct ws_mfamily {
	const char *name;
	enum ws_mtype type;
	unsigned flags;
	uint64_t max;                   /* most one report item may carry */
	const char *help;
	const char *label[2];           /* label names, NULL when fewer */
	const char *const *values[2];   /* each label's values, NULL-terminated */
};

/* Returns family m's description (m < WS_M__COUNT), never NULL. */
const struct ws_mfamily *ws_metrics_family(enum ws_metric m);

/* Returns how many label combinations family m has (1 without labels). */
size_t ws_metrics_combos(enum ws_metric m);

/* Returns the index of value among label which (0 or 1) of family m, or
 * that of its value "other" when it has one, or -1. */
int ws_metrics_label(enum ws_metric m, int which, const char *value);

/* Histogram buckets: their count, and bucket i's upper bound in seconds. */
size_t ws_metrics_buckets(void);
double ws_metrics_bucket(size_t i);

/* Slots the region holds: enough for every family (checked at creation). */
#define WS_M_SLOTS 512

/* A consistent copy of the region (ws_mregion_snapshot). Times are on the
 * monotonic clock, in microseconds; 0 = never. */
struct ws_msnap {
	uint64_t heartbeat_us;   /* the listener's last loop */
	uint64_t probe_us;       /* the end of the last engine probe */
	uint64_t v[WS_M_SLOTS];
};

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

/* Returns family m's value for combination combo in s (a histogram's
 * count), or 0 out of range. */
uint64_t ws_msnap_value(const struct ws_msnap *s, enum ws_metric m, size_t combo);

/* Appends the Prometheus text exposition (version 0.0.4) of s to out.
 * Returns WS_OK, or out's error (WS_ERR_TOO_LARGE past its cap). */
ws_err ws_metrics_render(const struct ws_msnap *s, struct ws_dynbuf *out);

/* Microseconds on the monotonic clock (the region's times). */
uint64_t ws_metrics_now_us(void);

#endif
