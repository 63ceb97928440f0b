#include "monitor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "log.h"
#include "rate.h"

/* A record from the child starts with a byte no log line starts with. */
#define WS_REC_MARK '\001'
/* Lines a child may have relayed per second: a taken-over one must not
 * drown the log (and, through the journal's rate limit, everyone's). */
#define WS_RELAY_LINES 1000

/* Seconds a child has to end after SIGTERM before it gets SIGKILL. */
#define WS_MON_KILL_AFTER 10
/* Longest log line relayed as it is (ws_log writes at most 1024 bytes). */
#define WS_RELAY_LINE_MAX 1024

static volatile sig_atomic_t ws_mon_term;

static void ws_mon_on_term(int sig)
{
	(void)sig;
	ws_mon_term = 1;
}

/* Only there so that the child's end interrupts the loop's poll (EINTR). */
static void ws_mon_on_chld(int sig)
{
	(void)sig;
}

void ws_monitor_tell_start(const char *account, const char *workspace)
{
	char rec[160];
	int n = snprintf(rec, sizeof(rec), "%cS %.32s %.63s", WS_REC_MARK, account, workspace);

	(void)!write(STDERR_FILENO, rec, (size_t)n);
}

void ws_monitor_tell_end(uint64_t bytes_in, uint64_t bytes_out)
{
	char rec[64];
	int n = snprintf(rec, sizeof(rec), "%cE %llu %llu", WS_REC_MARK,
	    (unsigned long long)bytes_in, (unsigned long long)bytes_out);

	(void)!write(STDERR_FILENO, rec, (size_t)n);
}

/* What the monitor learns of its session. */
struct ws_mon {
	const struct ws_session_ctx *ctx;
	const char *ip;
	char port[8];
	pid_t child;
	int started;                 /* the child logged in (its start record) */
	double since;
	char account[33], workspace[64], in[24], out[24];
	struct ws_rate relay;        /* lines relayed per second */
	double told;                 /* when SIGTERM was passed on, 0 if not */
};

/* Is line (len bytes) one of the child's own log lines, as ws_log and
 * ws_audit write them: "STAMP wsgate[PID] LEVEL TAG: ...\n" with its pid,
 * a level and this connection's tag, or (before login only: audit_log ""
 * sends them here) "STAMP wsgate[PID] audit event=..."; one line of at
 * most WS_RELAY_LINE_MAX bytes, nothing unescaped? */
static int ws_child_line(const struct ws_mon *m, const char *line, size_t len)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	const char *tag = ws_log_get_tag(), *sp = memchr(line, ' ', len), *rest;
	char want[40], head[160];
	size_t i, n, k;

	if (len > WS_RELAY_LINE_MAX || sp == NULL || line[len - 1] != '\n')
		return 0;
	n = (size_t)snprintf(want, sizeof(want), " wsgate[%ld] ", (long)m->child);
	if ((size_t)(line + len - sp) < n + 1 || memcmp(sp, want, n) != 0)
		return 0;
	rest = sp + n;
	for (i = 0; i + 1 < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
			return 0;
	if (!m->started && strncmp(rest, "audit event=", 12) == 0)
		return 1;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		k = (size_t)snprintf(head, sizeof(head), "%s%s%s: ", levels[i], tag[0] ? " " : "", tag);
		if (k < sizeof(head) && (size_t)(line + len - rest) > k && memcmp(rest, head, k) == 0)
			return 1;
	}
	return 0;
}

/* Says how many of the child's lines went unrelayed, if any did. */
static void ws_relay_dropped(struct ws_mon *m)
{
	int n = ws_rate_skipped(&m->relay);

	if (n > 0)
		ws_warn("process %ld wrote %d more log lines in one second than the %d relayed",
		    (long)m->child, n, WS_RELAY_LINES);
}

/* One message from the child: a record, or a log line to relay. */
static void ws_mon_message(struct ws_mon *m, const char *msg, size_t len)
{
	char escaped[1200];

	if (msg[0] == WS_REC_MARK) {
		if (msg[1] == 'S' && !m->started &&
		    sscanf(msg + 2, " %32s %63s", m->account, m->workspace) == 2) {
			m->started = 1;
			m->since = ws_clock_now();
		} else if (msg[1] == 'E' && sscanf(msg + 2, " %23[0-9] %23[0-9]", m->in, m->out) != 2) {
			snprintf(m->in, sizeof(m->in), "0");
			snprintf(m->out, sizeof(m->out), "0");
		}
		return;
	}
	if (!ws_rate_take(&m->relay, ws_clock_now(), WS_RELAY_LINES))
		return;
	ws_relay_dropped(m);
	if (ws_child_line(m, msg, len)) {
		(void)!write(STDERR_FILENO, msg, len);
		return;
	}
	ws_log_escape(escaped, sizeof(escaped), msg);
	ws_warn("process %ld wrote: %s", (long)m->child, escaped);
}

/* The child has ended (status): the session's end, a crash's notice. */
static int ws_mon_end(struct ws_mon *m, int status)
{
	char dur[24];

	ws_relay_dropped(m);
	if (WIFSIGNALED(status)) {
		ws_error("process %ld died of signal %d%s", (long)m->child, WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (a system call its sandbox forbids)" : "");
		if (!m->started) {
			/* Before login: maybe someone probing for memory
			 * errors (the listener's crash penalty). */
			struct ws_notice n;
			ws_notice_make(&n, getpid(), 'C', m->ip);
			(void)!write(m->ctx->notify_fd, &n, sizeof(n));
		}
	}
	if (m->started) {
		const char *kv[] = { "src", m->ip, "port", m->port, "account", m->account,
			"workspace", m->workspace, "bytes_in", m->in, "bytes_out", m->out,
			"duration", dur, NULL };
		snprintf(dur, sizeof(dur), "%.3f", ws_clock_now() - m->since);
		ws_audit("session-end", kv);
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* Passes a stop on: SIGTERM first, SIGKILL if the child is still there
 * WS_MON_KILL_AFTER seconds later. */
static void ws_mon_stop(struct ws_mon *m)
{
	if (!ws_mon_term)
		return;
	if (m->told == 0) {
		kill(m->child, SIGTERM);
		m->told = ws_clock_now();
	} else if (ws_clock_now() - m->told > WS_MON_KILL_AFTER) {
		kill(m->child, SIGKILL);
	}
}

/* Takes every message waiting on sock. */
static void ws_mon_drain(struct ws_mon *m, int sock)
{
	char msg[4096];
	ssize_t n;

	while ((n = recv(sock, msg, sizeof(msg) - 1, MSG_DONTWAIT)) >= 0 || errno == EINTR) {
		if (n <= 0)
			continue; /* an empty message (sanitizers write some): nothing */
		msg[n] = '\0';
		ws_mon_message(m, msg, (size_t)n);
	}
}

/* Relays until the child has ended (a datagram socket has no end of its
 * own: an empty message must not pass for one), then takes what is left. */
static int ws_mon_run(struct ws_mon *m, int sock)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };
	int status = 0;
	pid_t r;

	for (;;) {
		ws_mon_stop(m);
		r = waitpid(m->child, &status, WNOHANG);
		if (r == m->child || (r < 0 && errno != EINTR))
			break;
		/* SIGCHLD interrupts the wait; a second bounds a lost one. */
		if (poll(&pfd, 1, 1000) > 0)
			ws_mon_drain(m, sock);
	}
	ws_mon_drain(m, sock);
	return ws_mon_end(m, status);
}

int ws_monitor_serve(const struct ws_session_ctx *ctx, int fd, const char *peer_ip,
    int peer_port)
{
	struct ws_mon m;
	struct sigaction sa;
	sigset_t term;
	pid_t self = getpid();
	int sp[2];

	memset(&m, 0, sizeof(m));
	m.ctx = ctx;
	m.ip = peer_ip;
	snprintf(m.port, sizeof(m.port), "%d", peer_port);
	snprintf(m.in, sizeof(m.in), "0");
	snprintf(m.out, sizeof(m.out), "0");
	/* Datagrams: one per log line, and a zero-length one is no end. */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sp) != 0) {
		ws_error("cannot make the connection's socket: %s", strerror(errno));
		close(fd);
		return 1;
	}
	if ((m.child = fork()) < 0) {
		ws_error("cannot fork the connection's process: %s", strerror(errno));
		close(fd);
		close(sp[0]);
		close(sp[1]);
		return 1;
	}
	if (m.child == 0) {
		/* The child: served with its log (and records) going here. */
		close(sp[0]);
		/* Its monitor must still be there once it is told to die with it. */
		if (dup2(sp[1], STDERR_FILENO) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
		    getppid() != self)
			return 1;
		close(sp[1]);
		return ws_session_serve(ctx, fd, peer_ip, peer_port);
	}
	close(fd);
	close(sp[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ws_mon_on_term; /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = ws_mon_on_chld;
	sigaction(SIGCHLD, &sa, NULL);
	/* The listener held SIGTERM across fork; one sent meanwhile lands now. */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &term, NULL);
	{
		int rc = ws_mon_run(&m, sp[0]);
		close(sp[0]);
		return rc;
	}
}
