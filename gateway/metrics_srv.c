/* metrics_srv.c — the listener's side of the metrics (metrics_srv.h). */
#include "metrics_srv.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "hostport.h"
#include "log.h"
#include "metrics_http.h"
#include "metrics_recv.h"
#include "metrics_report.h"
#include "mregion.h"
#include "privsep.h"
#include "proc.h"
#include "workspace.h"

/* Pauses before the endpoints' process is started again: doubling from 1 s
 * to a minute, back to 1 s once one has run a minute. */
#define WS_HTTP_BACKOFF_MAX 60
/* Reports taken per turn of the loop: connections are accepted between. */
#define WS_REPORTS_PER_TURN 1024

struct ws_metrics {
	const struct ws_config *cfg;
	struct ws_mregion *region;
	struct ws_mrecv *recv;
	int send_fd;             /* the reports' sending end (ws_msend_init) */
	int http_fd;             /* the endpoints' listening socket */
	pid_t http, probe;       /* 0 when not running */
	double http_started, http_next, http_backoff;
	double probe_next, pen_next;
	int engine_up;           /* the last probe's verdict, -1 before one */
};

/* Binds the endpoints' socket (metrics_listen is checked: a literal). */
static int ws_metrics_bind(const char *text)
{
	struct addrinfo hints, *res = NULL;
	char addr[WS_HOSTPORT_ADDR_MAX], port_s[8], why[200];
	int port = 0, fd = -1, one = 1, gai;

	if (ws_hostport_parse("metrics_listen", text, addr, &port, why, sizeof(why)) != WS_OK) {
		ws_error("%s", why);
		return -1;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port_s, sizeof(port_s), "%d", port);
	if ((gai = getaddrinfo(addr, port_s, &hints, &res)) != 0) {
		ws_error("cannot use metrics_listen %s: %s", text, gai_strerror(gai));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 16) != 0) {
		ws_error("cannot listen on metrics_listen %s: %s", text, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The endpoints' process is to be started again after the back-off. */
static void ws_http_later(struct ws_metrics *mx, double now)
{
	mx->http_next = now + mx->http_backoff;
	mx->http_backoff = mx->http_backoff * 2 > WS_HTTP_BACKOFF_MAX ? WS_HTTP_BACKOFF_MAX :
	    mx->http_backoff * 2;
}

/* Starts the endpoints' process: forked, then a fresh image of this
 * program (none of the listener's memory, its settings among it, goes
 * along), given only its listening socket and the region's read-only
 * descriptor. */
static void ws_http_start(struct ws_metrics *mx, double now)
{
	char lfd[16], rfd_s[16], parent[24];
	char *argv[] = { "wsgate", WS_METRICS_HTTP_ARG, lfd, rfd_s, parent,
		(char *)mx->cfg->privsep_user, NULL };
	int rfd = ws_mregion_reader_fd(mx->region);
	pid_t self = getpid(), pid = -1;
	sigset_t term, old;

	if (rfd < 0) {
		ws_error("cannot open the metrics for the endpoints' process: %s", strerror(errno));
		ws_http_later(mx, now);
		return;
	}
	snprintf(lfd, sizeof(lfd), "%d", mx->http_fd);
	snprintf(rfd_s, sizeof(rfd_s), "%d", rfd);
	snprintf(parent, sizeof(parent), "%ld", (long)self);
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	if ((pid = fork()) == 0) {
		const int keep[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO, mx->http_fd, rfd };

		if (ws_privsep_close_others(keep, 5) != 0 || fcntl(mx->http_fd, F_SETFD, 0) != 0 ||
		    fcntl(rfd, F_SETFD, 0) != 0 || prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 ||
		    getppid() != self)
			ws_proc_exit(1);
		execv("/proc/self/exe", argv);
		ws_error("cannot start the metrics endpoints' process: %s", strerror(errno));
		ws_proc_exit(1);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(rfd);
	if (pid < 0) {
		ws_error("cannot fork the metrics endpoints' process: %s", strerror(errno));
		ws_http_later(mx, now);
		return;
	}
	mx->http = pid;
	mx->http_started = now;
}

/* Forks the engine probe: its exit code is its verdict (0: it answered). */
static void ws_probe_start(struct ws_metrics *mx)
{
	sigset_t term, old;
	pid_t pid;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	if ((pid = fork()) == 0) {
		const int keep[] = { STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO };
		struct ws_engine *e = NULL;
		char why[300] = "out of memory";
		ws_err rc = WS_ERR_NOMEM;

		/* Short (WS_PROBE_TIMEOUT bounds it): it ends by itself. */
		signal(SIGTERM, SIG_IGN);
		sigprocmask(SIG_SETMASK, &old, NULL);
		signal(SIGINT, SIG_DFL);
		ws_log_set_tag("[probe]");
		if (ws_privsep_close_others(keep, 3) == 0 &&
		    (e = ws_workspace_engine(mx->cfg, WS_PROBE_TIMEOUT)) != NULL)
			rc = ws_engine_ping(e, why, sizeof(why));
		if (rc != WS_OK)
			ws_debug("engine probe: %s", why);
		ws_engine_free(e);
		ws_proc_exit(rc == WS_OK ? 0 : 1);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	mx->probe = pid > 0 ? pid : 0;
}

ws_err ws_metrics_start(const struct ws_config *cfg, struct ws_metrics **out)
{
	struct ws_metrics *mx = NULL;

	*out = NULL;
	if (cfg->metrics_listen[0] == '\0')
		return WS_OK;
	if ((mx = calloc(1, sizeof(*mx))) == NULL)
		goto fail;
	mx->cfg = cfg;
	mx->send_fd = mx->http_fd = -1;
	mx->http_backoff = 1;
	mx->engine_up = -1;
	if ((mx->region = ws_mregion_new()) == NULL ||
	    (mx->recv = ws_mrecv_new(mx->region, geteuid())) == NULL ||
	    (mx->send_fd = ws_mrecv_socket(mx->recv)) < 0) {
		ws_error("cannot set the metrics up: %s", strerror(errno));
		goto fail;
	}
	if ((mx->http_fd = ws_metrics_bind(cfg->metrics_listen)) < 0)
		goto fail;
	ws_msend_init(mx->send_fd);
	if (cfg->privsep_user[0] == '\0' || geteuid() != 0)
		ws_warn("the metrics endpoints run without a sandbox (privsep_user is empty, or wsgate is not root): "
		    "keep metrics_listen on loopback");
	ws_http_start(mx, ws_clock_now());
	ws_info("metrics and health endpoints on %s (/metrics, /healthz, /readyz)", cfg->metrics_listen);
	*out = mx;
	return WS_OK;
fail:
	ws_metrics_free(mx);
	return WS_ERR_IO;
}

void ws_metrics_config(struct ws_metrics *mx, const struct ws_config *cfg)
{
	if (mx == NULL)
		return;
	if (strcmp(cfg->metrics_listen, mx->cfg->metrics_listen) != 0)
		ws_warn("metrics_listen changed to \"%s\": it takes a restart; the endpoints stay on %s",
		    cfg->metrics_listen, mx->cfg->metrics_listen);
	mx->cfg = cfg;
}

void ws_metrics_free(struct ws_metrics *mx)
{
	if (mx == NULL)
		return;
	if (mx->http > 0) {
		kill(mx->http, SIGTERM);
		while (waitpid(mx->http, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (mx->probe > 0) {
		kill(mx->probe, SIGKILL);
		while (waitpid(mx->probe, NULL, 0) < 0 && errno == EINTR)
			;
	}
	if (ws_msend_socket() == mx->send_fd)
		ws_msend_init(-1);
	if (mx->send_fd >= 0)
		close(mx->send_fd);
	if (mx->http_fd >= 0)
		close(mx->http_fd);
	ws_mrecv_free(mx->recv);
	ws_mregion_free(mx->region);
	free(mx);
}

void ws_metrics_forget(struct ws_metrics *mx)
{
	if (mx == NULL)
		return;
	ws_mrecv_forget(mx->recv);
	ws_mregion_forget(mx->region);
	if (mx->http_fd >= 0)
		close(mx->http_fd);
	mx->http_fd = -1;
}

void ws_metrics_tick(struct ws_metrics *mx, const struct ws_penalty *pen, double now)
{
	if (mx == NULL)
		return;
	ws_mregion_heartbeat(mx->region, ws_mregion_now_us());
	if (now >= mx->pen_next) {
		mx->pen_next = now + 1;
		ws_mregion_set(mx->region, WS_M_PENALTIES_ACTIVE, 0, (uint64_t)ws_penalty_active(pen, now));
	}
	if (mx->probe == 0 && now >= mx->probe_next) {
		mx->probe_next = now + WS_PROBE_EVERY;
		ws_probe_start(mx);
	}
	if (mx->http == 0 && now >= mx->http_next)
		ws_http_start(mx, now);
}

int ws_metrics_fd(const struct ws_metrics *mx)
{
	return mx != NULL ? ws_mrecv_fd(mx->recv) : -1;
}

void ws_metrics_read(struct ws_metrics *mx)
{
	if (mx != NULL)
		ws_mrecv_drain(mx->recv, WS_REPORTS_PER_TURN);
}

void ws_metrics_connection(struct ws_metrics *mx, pid_t pid)
{
	if (mx == NULL)
		return;
	ws_metrics_incoming(mx, WS_MC_ACCEPTED);
	if (ws_mrecv_child(mx->recv, pid) != WS_OK)
		ws_warn("metrics: cannot track connection process %ld; its reports are refused",
		    (long)pid);
}

/* The probe ended: the engine's state, said when it changes. */
static void ws_probe_ended(struct ws_metrics *mx, int status)
{
	int up = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	mx->probe = 0;
	ws_mregion_probe(mx->region, ws_mregion_now_us(), up);
	if (up && mx->engine_up == 0)
		ws_info("the container engine answers again at %s", mx->cfg->docker_socket);
	else if (!up && mx->engine_up != 0)
		ws_warn("the container engine does not answer at %s (/readyz says so)",
		    mx->cfg->docker_socket);
	mx->engine_up = up;
}

int ws_metrics_reaped(struct ws_metrics *mx, pid_t pid, int status)
{
	double now = ws_clock_now();

	if (mx == NULL)
		return 0;
	if (pid == mx->probe) {
		ws_probe_ended(mx, status);
		return 1;
	}
	if (pid != mx->http) {
		ws_mrecv_gone(mx->recv, pid);
		return 0;
	}
	mx->http = 0;
	if (now - mx->http_started >= WS_HTTP_BACKOFF_MAX)
		mx->http_backoff = 1;
	ws_http_later(mx, now);
	ws_error("the metrics endpoints' process %ld ended (%s %d); starting another in %.0f s",
	    (long)pid, WIFSIGNALED(status) ? "signal" : "exit",
	    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status),
	    mx->http_next - now);
	return 1;
}

void ws_metrics_incoming(struct ws_metrics *mx, enum ws_mconn outcome)
{
	if (mx != NULL)
		ws_mregion_add(mx->region, WS_M_CONNECTIONS_TOTAL, outcome, 1);
}
