/* metrics_report.h — how processes other than the listener report metrics
 * (metrics.h). A report is one datagram holding one fixed struct of at most
 * WS_MR_ITEMS items, sent on a socket pair the listener made: connection
 * monitors (root, the listener's children) hold the sending end; their
 * login workers send to their monitor, which passes the reports on as its
 * own; a sandboxed connection process holds neither (its sandbox closes them)
 * and tells its monitor (monproto.h's STATS). Sending never waits: a report
 * that cannot go at once is dropped, and the drop counted in the next.
 *
 * The listener's side, which judges them, is metrics_recv.h. */
#ifndef WSGATE_METRICS_REPORT_H
#define WSGATE_METRICS_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

#define WS_MR_MAGIC 0x77736d31u   /* "wsm1" */
#define WS_MR_ITEMS 12

enum ws_mr_kind {
	WS_MR_ADD = 1,     /* a counter: value added */
	WS_MR_SET,         /* a gauge of the sender's connection (WS_MF_PER_PID) */
	WS_MR_OBSERVE,     /* a histogram: one sample, value in microseconds */
};

struct ws_mitem {
	uint16_t kind;     /* enum ws_mr_kind */
	uint16_t metric;   /* enum ws_metric */
	uint16_t combo;    /* label combination (ws_metrics_combos) */
	uint16_t pad;      /* 0 */
	uint64_t value;
};

struct ws_mreport {
	uint32_t magic;    /* WS_MR_MAGIC */
	uint32_t n;        /* items used, 1 to WS_MR_ITEMS */
	struct ws_mitem item[WS_MR_ITEMS];
};

/* Senders. Sets the socket reports go to (-1, the default: reports are
 * not sent). The descriptor stays the caller's. */
void ws_msend_init(int fd);

/* Returns the socket set by ws_msend_init(), or -1. */
int ws_msend_socket(void);

/* Sends one report of n items (1 to WS_MR_ITEMS), without waiting; one
 * that cannot go now is dropped and counted (the next report says how
 * many). Returns 1 when sent, 0 otherwise. */
int ws_msend(const struct ws_mitem *items, int n);

/* Sends bytes as they are (a report a login worker sent its monitor); the
 * listener judges them. Returns 1 when sent. */
int ws_msend_raw(const void *buf, size_t len);

/* One-item reports: a counter, a gauge of this connection, a histogram
 * sample (seconds; negative counts as 0). */
void ws_msend_add(enum ws_metric m, size_t combo, uint64_t v);
void ws_msend_set(enum ws_metric m, size_t combo, uint64_t v);
void ws_msend_observe(enum ws_metric m, size_t combo, double seconds);

/* One authentication attempt, as the audit log words its method ("-" is
 * none) and result; words it does not know count as "other". */
void ws_msend_auth(const char *method, const char *result);

/* This connection is now in state st (its other states are 0). */
void ws_msend_state(enum ws_mstate st);

#endif
