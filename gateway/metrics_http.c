/* metrics_http.c — the endpoints' process (metrics_http.h): libmicrohttpd
 * polled from this process's one thread (nothing but the listening socket
 * and the connections it accepts), inside its sandbox. */
#include "metrics_http.h"

#include <microhttpd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "privsep.h"
#include "proc.h"
#include "rate.h"
#include "syscall_filter.h"

#define WS_HTTP_CONNECTIONS 16
#define WS_HTTP_PER_IP 8
#define WS_HTTP_TIMEOUT 5
#define WS_HTTP_MEMORY (16 * 1024)
/* libmicrohttpd's messages logged per second at most. */
#define WS_HTTP_LOG_LINES 10

static const char ws_text[] = "text/plain; charset=utf-8";

static volatile sig_atomic_t ws_http_stop;

/* SIGTERM (the listener stopping): end cleanly, not by the signal (which
 * the listener would log as a crash). */
static void ws_http_on_term(int sig)
{
	(void)sig;
	ws_http_stop = 1;
}

/* A line for a 503, with how long ago (s) the fact was last seen. */
static int ws_http_stale(struct ws_dynbuf *body, const char *what, uint64_t at_us, uint64_t now_us)
{
	char line[160];

	if (at_us == 0)
		snprintf(line, sizeof(line), "%s: never yet\n", what);
	else
		snprintf(line, sizeof(line), "%s: last %.1f s ago\n", what,
		    (double)(now_us - at_us) / 1e6);
	(void)ws_dynbuf_add(body, line, strlen(line));
	return MHD_HTTP_SERVICE_UNAVAILABLE;
}

int ws_metrics_http_route(const struct ws_mregion *r, const char *method, const char *path,
    uint64_t now_us, struct ws_dynbuf *body, const char **ctype)
{
	static struct ws_msnap s;   /* big: not on the stack */
	const char *msg = NULL;
	int status = MHD_HTTP_OK;

	*ctype = ws_text;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		msg = "only GET and HEAD are served\n";
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
	} else if (strcmp(path, "/metrics") != 0 && strcmp(path, "/healthz") != 0 &&
	    strcmp(path, "/readyz") != 0) {
		msg = "not found: /metrics, /healthz and /readyz are served\n";
		status = MHD_HTTP_NOT_FOUND;
	} else if (ws_mregion_snapshot(r, &s) != WS_OK) {
		msg = "the metrics are being written without pause: try again\n";
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	} else if (strcmp(path, "/metrics") == 0) {
		*ctype = "text/plain; version=0.0.4; charset=utf-8";
		if (ws_metrics_render(&s, body) != WS_OK) {
			ws_dynbuf_reset(body);
			*ctype = ws_text;
			msg = "the metrics do not fit their buffer\n";
			status = MHD_HTTP_INTERNAL_SERVER_ERROR;
		}
	} else if (s.heartbeat_us == 0 || now_us - s.heartbeat_us > WS_HTTP_HEARTBEAT_STALE * 1000000ULL) {
		status = ws_http_stale(body, "the listener's loop ran", s.heartbeat_us, now_us);
	} else if (strcmp(path, "/readyz") == 0 &&
	    (s.probe_us == 0 || now_us - s.probe_us > WS_HTTP_PROBE_STALE * 1000000ULL)) {
		status = ws_http_stale(body, "the container engine was probed", s.probe_us, now_us);
	} else if (strcmp(path, "/readyz") == 0 && ws_msnap_value(&s, WS_M_ENGINE_UP, 0) != 1) {
		msg = "the container engine does not answer\n";
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	} else {
		msg = "ok\n";   /* /healthz, or /readyz with a fresh probe that said yes */
	}
	if (msg != NULL)
		(void)ws_dynbuf_add(body, msg, strlen(msg));
	return status;
}

/* libmicrohttpd's messages, through the log (which escapes them: they may
 * quote a client). */
static void ws_http_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void ws_http_log(void *cls, const char *fmt, va_list ap)
{
	static struct ws_rate lines;
	char line[512];
	size_t n;
	int skipped;

	(void)cls;
	/* Anyone who reaches the port causes these: a flood of them must
	 * not become a flood of the log. */
	if (!ws_rate_take(&lines, ws_clock_now(), WS_HTTP_LOG_LINES))
		return;
	if ((skipped = ws_rate_skipped(&lines)) > 0)
		ws_warn("metrics HTTP: %d more messages in the last second, not logged", skipped);
	vsnprintf(line, sizeof(line), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): libmicrohttpd's va_list
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	ws_warn("metrics HTTP: %s", line);
}

/* Every request is answered on its first call, once its headers are in: a
 * body (which none of ours takes) is never read. */
static enum MHD_Result ws_http_request(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload, size_t *upload_size,
    void **req_cls)
{
	const struct ws_mregion *r = cls;
	struct ws_dynbuf *body = ws_dynbuf_new(WS_HTTP_BODY_MAX);
	struct MHD_Response *resp = NULL;
	const char *ctype = ws_text;
	enum MHD_Result ret = MHD_NO;
	int status;

	(void)version;
	(void)upload;
	(void)upload_size;
	(void)req_cls;
	if (body == NULL)
		return MHD_NO;   /* out of memory: the connection is closed */
	status = ws_metrics_http_route(r, method, url, ws_mregion_now_us(), body, &ctype);
	resp = MHD_create_response_from_buffer(ws_dynbuf_len(body), (void *)ws_dynbuf_ptr(body),
	    MHD_RESPMEM_MUST_COPY);
	if (resp != NULL &&
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) == MHD_YES &&
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") == MHD_YES &&
	    (status != MHD_HTTP_METHOD_NOT_ALLOWED ||
	    MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD") == MHD_YES))
		ret = MHD_queue_response(conn, (unsigned)status, resp);
	MHD_destroy_response(resp);
	ws_dynbuf_free(body);
	return ret;
}

int ws_metrics_http_serve(const char *user, pid_t parent, int lfd, int rfd)
{
	const int keep[] = { STDERR_FILENO, lfd };
	struct ws_mregion *r = NULL;
	struct MHD_Daemon *d = NULL;
	struct sigaction sa;
	sigset_t all;
	char why[300] = "its descriptors could not be closed";
	/* No sandbox without privsep_user or root, as for connections. */
	int sandboxed = user[0] != '\0' && geteuid() == 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ws_http_on_term;   /* no SA_RESTART: the wait returns */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	ws_log_set_tag("[metrics]");
	/* It ends with the listener (the sandbox makes that SIGKILL). */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
		goto out;
	r = ws_mregion_open(rfd);
	close(rfd);
	if (r == NULL) {
		ws_error("cannot map the metrics for reading");
		goto out;
	}
	ws_proc_sandboxed();
	if (ws_privsep_close_others(keep, 2) != 0 ||
	    ws_privsep_drop(user, keep, 2, parent, why, sizeof(why)) != WS_OK) {
		ws_error("cannot enter the metrics process's sandbox: %s", why);
		goto out;
	}
	d = MHD_start_daemon(MHD_USE_ERROR_LOG, 0, NULL, NULL, ws_http_request, r,
	    MHD_OPTION_EXTERNAL_LOGGER, ws_http_log, NULL,
	    MHD_OPTION_LISTEN_SOCKET, lfd,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)WS_HTTP_CONNECTIONS,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)WS_HTTP_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)WS_HTTP_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)WS_HTTP_MEMORY,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1,
	    MHD_OPTION_END);
	if (d == NULL) {
		ws_error("cannot start the metrics HTTP server");
		goto out;
	}
	/* Started: from here on, only what serving needs. */
	if (sandboxed && ws_syscall_filter_enter_http(why, sizeof(why)) != WS_OK) {
		ws_error("cannot enter the metrics process's sandbox: %s", why);
		goto out;
	}
	while (!ws_http_stop && MHD_run_wait(d, 1000) == MHD_YES)
		;
	if (!ws_http_stop)
		ws_error("the metrics HTTP server failed");
out:
	if (d != NULL)
		MHD_stop_daemon(d);
	ws_mregion_free(r);
	return ws_http_stop ? 0 : 1;
}

/* A descriptor or pid given on the command line: digits only, in range. */
static long ws_http_arg(const char *s, long max)
{
	long v = 0;
	const char *p;

	for (p = s; *p >= '0' && *p <= '9' && v <= max; p++)
		v = v * 10 + (*p - '0');
	return p == s || *p != '\0' || v > max ? -1 : v;
}

int ws_metrics_http_main(int argc, char **argv)
{
	long lfd, rfd, parent;

	if (argc != 6 || (lfd = ws_http_arg(argv[2], 65535)) < 0 ||
	    (rfd = ws_http_arg(argv[3], 65535)) < 0 || (parent = ws_http_arg(argv[4], 1L << 30)) <= 0 ||
	    strlen(argv[5]) > 64) {
		fprintf(stderr, "wsgate: %s is for the listener's own use: it starts the metrics endpoints' process\n",
		    WS_METRICS_HTTP_ARG);
		return 2;
	}
	/* Not through exit(): no leak check in the sandbox (proc.h). */
	ws_proc_exit(ws_metrics_http_serve(argv[5], (pid_t)parent, (int)lfd, (int)rfd));
}
