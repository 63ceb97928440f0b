/* metrics_http.h — the metrics and health endpoints (metrics_listen), in a
 * process of their own: the listener forks it at start (metrics_srv.h) and
 * again, after a pause, whenever it ends. HTTP requests are untrusted bytes,
 * so they are read by libmicrohttpd in that process only, sandboxed as the
 * connection processes are (privsep_user, no groups, chrooted to an empty
 * directory, only its listening socket and log, no new privileges, a
 * seccomp filter) and holding nothing but a read-only view of the metrics.
 *
 *   GET /metrics  the Prometheus text exposition (metrics.h)
 *   GET /healthz  200 while the listener runs its loop (its heartbeat is
 *                 fresh), else 503
 *   GET /readyz   200 while the container engine answers (the listener's
 *                 last probe succeeded and is fresh), else 503
 *
 * HEAD too; any other method is 405, any other path 404. At most 16
 * connections (8 from one address), 5 s of silence each, 16 KiB of request
 * each. */
#ifndef WSGATE_METRICS_HTTP_H
#define WSGATE_METRICS_HTTP_H

#include <stdint.h>
#include <sys/types.h>

#include "dynbuf.h"
#include "mregion.h"

/* A heartbeat older than this (seconds) means the listener is stuck: its
 * loop turns at least once a second. */
#define WS_HTTP_HEARTBEAT_STALE 5
/* An engine probe older than this (seconds) is no answer: the listener
 * probes every WS_PROBE_EVERY (5) seconds, each taking at most 3. */
#define WS_HTTP_PROBE_STALE 20
/* Largest /metrics body. */
#define WS_HTTP_BODY_MAX (256 * 1024)

/* The listener starts the endpoints' process as "wsgate --metrics-http LFD
 * RFD PARENT USER": main() hands such a command line to
 * ws_metrics_http_main(). */
#define WS_METRICS_HTTP_ARG "--metrics-http"

/* Answers method and path from the region r at now_us (monotonic
 * microseconds): returns the HTTP status and appends the body to body;
 * *ctype is its content type. (No HTTP here: tests call it.) */
int ws_metrics_http_route(const struct ws_mregion *r, const char *method, const char *path,
    uint64_t now_us, struct ws_dynbuf *body, const char **ctype);

/* In the process the listener (parent) has just started: takes the
 * listening socket lfd and the region's read-only descriptor rfd, enters
 * the sandbox as user ("" or not root: none, as for connections), and
 * serves until SIGTERM (returns 0) or a failure (returns 1). */
int ws_metrics_http_serve(const char *user, pid_t parent, int lfd, int rfd);

/* main() of "wsgate --metrics-http LFD RFD PARENT USER" (argv[1] is
 * WS_METRICS_HTTP_ARG): checks its arguments and serves; ends the process
 * (returns 2 only for arguments it does not take). */
int ws_metrics_http_main(int argc, char **argv);

#endif
