/* metrics_recv.h — the listener's side of reports (metrics_report.h). It
 * takes a report only with the kernel's credentials (SO_PASSCRED) of a
 * process it forked and knows as a connection, of its own uid, and only
 * when every item has a known family that may be reported, a label
 * combination in range, the kind the family takes and a value within the
 * family's bound; otherwise it is counted as rejected and nothing of it is
 * applied. A connection's gauges are kept per process and dropped when it
 * ends, so a crash never leaves one standing. */
#ifndef WSGATE_METRICS_RECV_H
#define WSGATE_METRICS_RECV_H

#include <stddef.h>
#include <sys/types.h>

#include "mregion.h"
#include "wserr.h"

struct ws_mrecv;

/* Returns a receiver applying reports to r (borrowed) from senders of uid
 * only, without a socket yet (tests feed ws_mrecv_apply), or NULL. Free
 * with ws_mrecv_free(). */
struct ws_mrecv *ws_mrecv_new(struct ws_mregion *r, uid_t uid);

/* Frees rv and closes its socket; accepts NULL. */
void ws_mrecv_free(struct ws_mrecv *rv);

/* Makes the socket pair: keeps the receiving end (SO_PASSCRED; read
 * without waiting) and returns the sending end (close-on-exec, its buffer
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
