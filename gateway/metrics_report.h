/* metrics_report.h — how processes other than the listener report metrics
 * (metrics.h). A report is one datagram holding one fixed struct of at most
 * WS_MR_ITEMS items, sent on a socket pair the listener made: connection
 * monitors (root, the listener's children) hold the sending end; their
 * login workers send to their monitor, which passes the reports on as its
 * own; a sandboxed connection process holds neither (its jail closes them)
 * and tells its monitor (monproto.h's STATS). Sending never waits: a report
 * that cannot go at once is dropped, and the drop counted in the next.
 *
 * The listener takes a report only with the kernel's credentials
 * (SO_PASSCRED) of a process it forked and knows as a connection, of its
 * own uid, and only when every item has a known family that may be
 * reported, a label combination in range, the kind the family takes and a
 * value within the family's bound; otherwise it is counted as rejected and
 * nothing of it is applied. A connection's gauges are kept per process and
 * dropped when it ends, so a crash never leaves one standing. */
#ifndef WSGATE_METRICS_REPORT_H
#define WSGATE_METRICS_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "metrics.h"
#include "wserr.h"

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

/* The listener's side. */
struct ws_mrecv;

/* Returns a receiver applying reports to r (borrowed) from senders of uid
 * only, without a socket yet (tests feed ws_mrecv_apply), or NULL. Free
 * with ws_mrecv_free(). */
struct ws_mrecv *ws_mrecv_new(struct ws_mregion *r, uid_t uid);

/* Frees rv and closes its socket; accepts NULL. */
void ws_mrecv_free(struct ws_mrecv *rv);

/* Makes the socket pair: keeps the receiving end (SO_PASSCRED,
 * non-blocking) and returns the sending end (close-on-exec, its buffer
 * enlarged), or -1 (errno set). */
int ws_mrecv_socket(struct ws_mrecv *rv);

/* The receiving end, for poll(); -1 before ws_mrecv_socket(). */
int ws_mrecv_fd(const struct ws_mrecv *rv);

/* In a forked child: closes the receiving end (the child never reads it). */
void ws_mrecv_forget(struct ws_mrecv *rv);

/* pid is a new connection's monitor: its reports are taken from now on,
 * and it counts as authenticating. WS_ERR_TOO_LARGE when the table of
 * connections is full (its reports are refused), WS_ERR_NOMEM. */
ws_err ws_mrecv_child(struct ws_mrecv *rv, pid_t pid);

/* pid has ended: takes the reports it sent before, then drops its gauges
 * and refuses any later report that names it. */
void ws_mrecv_gone(struct ws_mrecv *rv, pid_t pid);

/* Reads and applies at most max waiting reports. Returns how many it read. */
int ws_mrecv_drain(struct ws_mrecv *rv, int max);

/* Checks one report of len bytes from process pid of user uid and applies
 * it whole, or nothing of it (then counted as rejected). Returns WS_OK,
 * WS_ERR_DENIED for a sender it does not take, WS_ERR_INVALID for a
 * malformed report. */
ws_err ws_mrecv_apply(struct ws_mrecv *rv, const void *buf, size_t len, pid_t pid, uid_t uid);

/* Returns how many connections it knows (tests). */
size_t ws_mrecv_known(const struct ws_mrecv *rv);

#endif
