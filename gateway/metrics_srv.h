/* metrics_srv.h — the listener's side of the metrics (metrics_listen): the
 * region it alone writes (metrics.h), the reports it takes from its
 * connections' monitors (metrics_report.h), the endpoints' process it
 * starts and restarts (metrics_http.h), the engine probe it forks every few
 * seconds, and its own counts (connections taken, penalties, its
 * heartbeat). Every call accepts NULL: metrics off. docs/metrics.md. */
#ifndef WSGATE_METRICS_SRV_H
#define WSGATE_METRICS_SRV_H

#include <sys/types.h>

#include "config.h"
#include "metrics.h"
#include "penalty.h"
#include "wserr.h"

/* Seconds between engine probes, and the most one may take. */
#define WS_PROBE_EVERY 5
#define WS_PROBE_TIMEOUT 3

struct ws_metrics;

/* Sets the metrics up when cfg->metrics_listen is set (cfg borrowed):
 * the region, the report socket (its sending end goes to ws_msend_init, so
 * that every process forked from here on can report), the endpoints'
 * listening socket (bound now: a start with a wrong address fails with a
 * line) and their process. *out is NULL when metrics are off. Returns
 * WS_OK, or WS_ERR_IO (logged). Free with ws_metrics_free(). */
ws_err ws_metrics_start(const struct ws_config *cfg, struct ws_metrics **out);

/* The settings were read again (SIGHUP): cfg is borrowed from now on (the
 * probe's engine, the sandbox's user). A new metrics_listen takes a
 * restart: said in a line, the old one goes on. */
void ws_metrics_config(struct ws_metrics *mx, const struct ws_config *cfg);

/* Stops the endpoints' process and a probe, and frees mx; accepts NULL. */
void ws_metrics_free(struct ws_metrics *mx);

/* In a process the listener forked: closes what only the listener holds
 * (the reports' receiving end, the region, the endpoints' socket). The
 * sending end stays: a connection's monitor reports through it. */
void ws_metrics_forget(struct ws_metrics *mx);

/* Each turn of the listener's loop (now: ws_clock_now()): its heartbeat;
 * once a second, the penalties active in pen; an engine probe when one is
 * due; the endpoints' process when it is to be started again. */
void ws_metrics_tick(struct ws_metrics *mx, const struct ws_penalty *pen, double now);

/* The reports' receiving end, to poll for reading; -1 when off. */
int ws_metrics_fd(const struct ws_metrics *mx);

/* Takes the reports waiting (a bounded number). */
void ws_metrics_read(struct ws_metrics *mx);

/* pid is a new connection's monitor. */
void ws_metrics_connection(struct ws_metrics *mx, pid_t pid);

/* The listener reaped pid, which ended with status: a connection's end
 * drops its gauges; the probe's and the endpoints' process's are handled
 * here. Returns 1 when pid was one of those two (the caller has nothing
 * to do with it), else 0. */
int ws_metrics_reaped(struct ws_metrics *mx, pid_t pid, int status);

/* Counts a TCP connection the listener took (enum ws_mconn). */
void ws_metrics_incoming(struct ws_metrics *mx, enum ws_mconn outcome);

#endif
