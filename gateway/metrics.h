/* metrics.h — wsgate's metrics: a fixed set of families, described once in
 * the table in metrics.c (name, type, help, labels and their values), where
 * their values sit, and their Prometheus text. The values live in a shared
 * region the listener alone writes (mregion.h); the endpoints' process
 * (metrics_http.h) renders a copy of it. docs/metrics.md lists every
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

/* Where family m's values sit among the slots: its first slot (m ==
 * WS_M__COUNT: how many all take), and how many one label combination
 * takes (a histogram's: its buckets, its count, its sum in microseconds). */
size_t ws_metrics_base(enum ws_metric m);
size_t ws_metrics_width(enum ws_metric m);

/* Slots the region holds: enough for every family (checked at creation). */
#define WS_M_SLOTS 512

/* A consistent copy of the region (ws_mregion_snapshot). Times are on the
 * monotonic clock, in microseconds; 0 = never. */
struct ws_msnap {
	uint64_t heartbeat_us;   /* the listener's last loop */
	uint64_t probe_us;       /* the end of the last engine probe */
	uint64_t v[WS_M_SLOTS];
};

/* Returns family m's value for combination combo in s (a histogram's
 * count), or 0 out of range. */
uint64_t ws_msnap_value(const struct ws_msnap *s, enum ws_metric m, size_t combo);

/* Appends the Prometheus text exposition (version 0.0.4) of s to out.
 * Returns WS_OK, or out's error (WS_ERR_TOO_LARGE past its cap). */
ws_err ws_metrics_render(const struct ws_msnap *s, struct ws_dynbuf *out);

#endif
