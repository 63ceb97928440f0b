#include "monitor.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "jail.h"
#include "keyline.h"
#include "log.h"
#include "login_int.h"
#include "readfile.h"
#include "mon_int.h"
#include "rate.h"

/* Lines a child may have relayed per second: a taken-over one must not
 * drown the log (and, through the journal's rate limit, everyone's). */
#define WS_RELAY_LINES 1000

/* Seconds a child has to end after SIGTERM before it gets SIGKILL. */
#define WS_MON_KILL_AFTER 10
/* Log messages read at a time. */
#define WS_MON_DRAIN_MAX 256
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

/* Is line (len bytes) one of the child's own log lines, as ws_log writes
 * them for its monitor (ws_log_relayed): "STAMP wsgate[PID] LEVEL TAG:
 * ...\n" with its pid, a level and this connection's tag; one line of at
 * most WS_RELAY_LINE_MAX bytes, nothing unescaped? Returns its level, with
 * *msg at the message, or -1. (Audit lines are the monitor's own.) */
static int ws_child_line(const struct ws_mon *m, const char *line, size_t len,
    const char **msg)
{
	static const char *const levels[] = { "error", "warn", "info", "debug" };
	const char *tag = ws_log_get_tag(), *sp = memchr(line, ' ', len), *rest;
	char want[40], head[160];
	size_t i, n, k;

	if (len > WS_RELAY_LINE_MAX || sp == NULL || line[len - 1] != '\n')
		return -1;
	n = (size_t)snprintf(want, sizeof(want), " wsgate[%ld] ", (long)m->child);
	if ((size_t)(line + len - sp) < n + 1 || memcmp(sp, want, n) != 0)
		return -1;
	rest = sp + n;
	for (i = 0; i + 1 < len; i++)
		if ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)
			return -1;
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		k = (size_t)snprintf(head, sizeof(head), "%s%s%s: ", levels[i], tag[0] ? " " : "", tag);
		if (k < sizeof(head) && (size_t)(line + len - rest) > k && memcmp(rest, head, k) == 0) {
			*msg = rest + k;
			return (int)i;
		}
	}
	return -1;
}

/* Says how many of the child's lines went unrelayed, if any did. */
static void ws_relay_dropped(struct ws_mon *m)
{
	int n = ws_rate_skipped(&m->relay);

	if (n > 0)
		ws_warn("process %ld wrote %d more log lines in one second than the %d relayed",
		    (long)m->child, n, WS_RELAY_LINES);
}

static const char *const ws_mon_states[] = { "hello", "preauth", "session", "closed" };

void ws_mon_set_state(struct ws_mon *m, enum ws_mon_state st)
{
	if (m->state == st)
		return;
	ws_debug("monitor of process %ld: %s -> %s", (long)m->child, ws_mon_states[m->state],
	    ws_mon_states[st]);
	m->state = st;
}

void ws_mon_violation(struct ws_mon *m, const char *what)
{
	if (m->state == WS_MON_CLOSED)
		return;
	ws_error("process %ld broke the monitor protocol (%s); ending it", (long)m->child, what);
	kill(m->child, SIGKILL);
	m->killed = WS_MON_KILLED_PROTOCOL;
	ws_mon_set_state(m, WS_MON_CLOSED);
}

/* One message on the log socket: a line to relay. */
static void ws_mon_message(struct ws_mon *m, const char *msg, size_t len)
{
	char escaped[1200], text[WS_RELAY_LINE_MAX + 1];
	const char *body = NULL;
	int level;

	if (!ws_rate_take(&m->relay, ws_clock_now(), WS_RELAY_LINES))
		return;
	ws_relay_dropped(m);
	/* Framed here as configured (JSON, the journal's priority, syslog),
	 * at the child's own level and as its pid. */
	if ((level = ws_child_line(m, msg, len, &body)) >= 0) {
		snprintf(text, sizeof(text), "%.*s", (int)(msg + len - 1 - body), body);
		ws_log_relay((enum ws_log_level)level, (long)m->child, text);
		return;
	}
	ws_log_escape(escaped, sizeof(escaped), msg);
	ws_warn("process %ld wrote: %s", (long)m->child, escaped);
}

/* Tells the listener kind ('G', 'F', 'C') about this connection. */
static void ws_mon_notify(struct ws_mon *m, char kind)
{
	struct ws_notice n;

	ws_notice_make(&n, m->c.monitor, kind, m->c.peer_ip);
	(void)!write(m->ctx->notify_fd, &n, sizeof(n));
}

/* The child has ended (status): the session's end, or the penalties a
 * connection that never logged in earns (the monitor decides them: the
 * child holds no pipe to the listener). */
static int ws_mon_end(struct ws_mon *m, int status)
{
	const struct ws_conn *c = &m->c;
	char dur[24];

	ws_relay_dropped(m);
	ws_mon_rec_end(m);
	/* Killed by the monitor: it said why already. */
	if (WIFSIGNALED(status) && m->killed == WS_MON_ALIVE)
		ws_error("process %ld died of signal %d%s", (long)m->child, WTERMSIG(status),
		    WTERMSIG(status) == SIGSYS ? " (a system call its sandbox forbids)" : "");
	if (!c->authed) {
		/* Before login: maybe someone probing for memory errors, or a
		 * process taken over (the crash penalty), not one the gateway
		 * stopped or the grace time ended. */
		if (WIFSIGNALED(status) && m->told == 0 &&
		    (m->killed == WS_MON_ALIVE || m->killed == WS_MON_KILLED_PROTOCOL))
			ws_mon_notify(m, 'C');
		/* The child's own alarm ends it at grace_end, not before. */
		if (m->grace_end > 0 && ws_clock_now() >= m->grace_end - 0.05) {
			ws_info("login grace time (%d s) expired for %s port %d%s",
			    m->ctx->cfg->login_grace_time, c->peer_ip, c->peer_port,
			    c->failures > 0 ? " after failed logins" : "");
			ws_mon_notify(m, 'G');
		}
		if (c->failures > 0)
			ws_mon_notify(m, 'F');
	} else {
		const char *kv[] = { "src", c->peer_ip, "port", c->port_str, "account", c->account,
			"workspace", c->name, "bytes_in", m->in, "bytes_out", m->out,
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

/* Takes the log lines waiting on the child's log socket, at most
 * WS_MON_DRAIN_MAX at a time. Returns how many it read. */
static int ws_mon_drain(struct ws_mon *m)
{
	char msg[4096];
	ssize_t n;
	int k;

	/* A bounded number at a time: requests and signals come between. */
	for (k = 0; k < WS_MON_DRAIN_MAX; k++) {
		n = recv(m->log_sock, msg, sizeof(msg) - 1, MSG_DONTWAIT);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue; /* an empty message (sanitizers write some): nothing */
		msg[n] = '\0';
		ws_mon_message(m, msg, (size_t)n);
	}
	return k;
}

/* Whether the log socket is read now: not once this second's lines are
 * relayed, so that a child writing more waits on its own writes instead of
 * keeping the monitor busy reading what it would drop. Otherwise *wait_ms
 * is how long until the next second. */
static int ws_mon_log_open(const struct ws_mon *m, int *wait_ms)
{
	double now = ws_clock_now(), next = m->relay.second + 1;

	if (m->relay.used < WS_RELAY_LINES || now >= next)
		return 1;
	*wait_ms = (int)((next - now) * 1000) + 1;
	return 0;
}

/* Relays log lines and answers requests until the child has ended (a
 * datagram socket has no end of its own: an empty message must not pass
 * for one), then takes what is left. */
void ws_mon_grace(struct ws_mon *m)
{
	if (m->worker != 0 || m->c.authed || m->grace_end == 0 ||
	    ws_clock_now() < m->grace_end + 3 || m->killed != WS_MON_ALIVE)
		return;
	ws_warn("process %ld is still not logged in after the login grace time; ending it",
	    (long)m->child);
	kill(m->child, SIGKILL);
	m->killed = WS_MON_KILLED_GRACE;
	ws_mon_set_state(m, WS_MON_CLOSED);
}

/* Has the child ended? It is not reaped here (it stays a zombie until
 * ws_mon_run has taken what it left): the worker, or a breach in its last
 * requests, may still signal its pid, which must not be another process's
 * by then. */
static int ws_mon_child_ended(struct ws_mon *m)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)m->child, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return errno != EINTR;
	return si.si_pid == m->child;
}

static int ws_mon_run(struct ws_mon *m)
{
	struct pollfd pfd[3];
	int status = 0, wait_ms, n, log_open, reading, relaying;

	for (;;) {
		ws_mon_stop(m);
		ws_mon_worker_poll(m, 0);
		ws_mon_cmd_reap(m, 0);
		ws_mon_grace(m);
		if (ws_mon_child_ended(m))
			break;
		/* SIGCHLD interrupts the wait; a second bounds a lost one. The
		 * requests are the worker's while it runs. */
		wait_ms = 1000;
		log_open = ws_mon_log_open(m, &wait_ms);
		reading = m->worker == 0 && m->state != WS_MON_CLOSED;
		relaying = m->mrelay >= 0;
		n = 0;
		if (log_open)
			pfd[n++] = (struct pollfd){ .fd = m->log_sock, .events = POLLIN };
		if (relaying)
			pfd[n++] = (struct pollfd){ .fd = m->mrelay, .events = POLLIN };
		if (reading)
			pfd[n++] = (struct pollfd){ .fd = m->req_sock, .events = POLLIN };
		if (poll(pfd, (nfds_t)n, wait_ms) <= 0)
			continue;
		if (log_open && pfd[0].revents != 0)
			ws_mon_drain(m);
		if (relaying && pfd[log_open].revents != 0)
			ws_mon_metrics_relay(m, 0);
		if (reading && pfd[n - 1].revents != 0)
			ws_mon_request(m);
	}
	/* It has ended: what it left is bounded by the socket's queue. */
	while (ws_mon_drain(m) == WS_MON_DRAIN_MAX)
		;
	/* A worker still busy (a bring-up) finishes first: what it does to
	 * the workspace is not cut short by the client's going. Its work is
	 * bounded by the engine's timeouts, PAM's and the jails'. */
	ws_mon_worker_poll(m, 1);
	/* What a logged-in child sent before its end (its recordings' last
	 * bytes, END) is read too: bounded by the socket's queue, then EOF. */
	while (m->state == WS_MON_SESSION &&
	    poll(&(struct pollfd){ .fd = m->req_sock, .events = POLLIN }, 1, 0) > 0)
		ws_mon_request(m);
	/* An owner's commands finish (their streams ended with the child:
	 * each is bounded by the engine's timeouts) and are audited. */
	ws_mon_cmd_reap(m, 1);
	while (waitpid(m->child, &status, 0) < 0 && errno == EINTR)
		;
	return ws_mon_end(m, status);
}

/* Longest host key file read (an RSA key of 16384 bits fits). */
#define WS_HOSTKEY_FILE_MAX 16384

/* The host key this process holds, for jails to drop (ws_jail_scrub). */
static ssh_key *ws_mon_key;

/* In a jail, first: freeing the key wipes it (OpenSSL clears it). */
static void ws_mon_scrub(void)
{
	if (ws_mon_key != NULL) {
		ssh_key_free(*ws_mon_key);
		*ws_mon_key = NULL;
	}
}

ws_err ws_mon_hostkey(struct ws_mon *m)
{
	static char text[WS_HOSTKEY_FILE_MAX];
	const char *path = m->ctx->cfg->host_key;
	char *line = NULL;
	ssh_key k = NULL;
	size_t n = 0;
	ws_err rc = ws_read_small_file(path, text, sizeof(text), &n);

	if (rc != WS_OK) {
		ws_error("cannot read the host key %s: %s; ending the connection", path, ws_err_str(rc));
		goto out;
	}
	rc = WS_ERR_SSH;
	if (ssh_pki_import_privkey_base64(text, NULL, NULL, NULL, &k) != SSH_OK) {
		ws_error("cannot read the host key %s; ending the connection", path);
		goto out;
	}
	if ((line = ws_keyline_make(k)) == NULL || strcmp(line, m->ctx->hostkey_line) != 0) {
		ws_error("the host key %s is not the one wsgate started with (replaced since?): "
		    "restart wsgate; ending the connection", path);
		goto out;
	}
	ssh_key_free(m->hostkey);
	m->hostkey = k;
	k = NULL;
	ws_mon_key = &m->hostkey;
	ws_jail_scrub(ws_mon_scrub);
	rc = WS_OK;
out:
	explicit_bzero(text, n);
	free(line);
	ssh_key_free(k);
	return rc;
}

/* In the child, once forked: its log to the monitor, dying with it. */
static int ws_mon_child(const struct ws_session_ctx *ctx, int fd, const char *peer_ip,
    int peer_port, pid_t monitor, const int *logp, const int *reqp)
{
	close(logp[0]);
	close(reqp[0]);
	/* Its monitor must still be there once it is told to die with it. */
	/* Lines go to the monitor in the one form it reads. */
	ws_log_relayed();
	if (dup2(logp[1], STDERR_FILENO) < 0 || prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 ||
	    getppid() != monitor)
		return 1;
	close(logp[1]);
	return ws_session_serve(ctx, fd, peer_ip, peer_port, reqp[1]);
}

static void ws_mon_signals(void)
{
	struct sigaction sa;
	sigset_t term;

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
}

int ws_monitor_serve(const struct ws_session_ctx *ctx, int fd, const char *peer_ip,
    int peer_port)
{
	/* Big (its message buffer), and zero: nothing but this process's one
	 * call uses it, and pages it never writes cost the session nothing. */
	static struct ws_mon m;
	pid_t self = getpid();
	int logp[2] = { -1, -1 }, reqp[2] = { -1, -1 }, rc = 1;

	m.ctx = ctx;
	m.mrelay = -1;
	m.c.ctx = ctx;
	m.c.mon = &m;
	m.c.monitor = self;
	m.c.peer_ip = peer_ip;
	m.c.peer_port = peer_port;
	snprintf(m.c.port_str, sizeof(m.c.port_str), "%d", peer_port);
	snprintf(m.in, sizeof(m.in), "0");
	snprintf(m.out, sizeof(m.out), "0");
	if (ctx->cfg->login_grace_time > 0)
		m.grace_end = ws_clock_now() + ctx->cfg->login_grace_time;
	/* Log lines: datagrams, one per line, and a zero-length one is no end.
	 * Requests: records, each a whole message (monproto.h). */
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, logp) != 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, reqp) != 0) {
		ws_error("cannot make the connection's sockets: %s", strerror(errno));
		goto out;
	}
	if ((m.child = fork()) < 0) {
		ws_error("cannot fork the connection's process: %s", strerror(errno));
		goto out;
	}
	if (m.child == 0)
		return ws_mon_child(ctx, fd, peer_ip, peer_port, self, logp, reqp);
	close(logp[1]);
	close(reqp[1]);
	logp[1] = reqp[1] = -1;
	close(fd);
	fd = -1;
	m.log_sock = logp[0];
	m.req_sock = reqp[0];
	ws_mon_signals();
	/* The host key is read by the worker (and by the monitor only for a
	 * rekey after login): the connection process, forked above, never has
	 * it, and an idle session's monitor holds nothing of it. */
	if (ws_mon_worker_start(&m) != 0) {
		ws_error("cannot fork the connection's login worker: %s", strerror(errno));
		kill(m.child, SIGKILL);
		m.killed = WS_MON_KILLED_SLOW;
		ws_mon_set_state(&m, WS_MON_CLOSED);
	}
	rc = ws_mon_run(&m);
	ws_mon_scrub();
out:
	if (fd >= 0)
		close(fd);
	for (int i = 0; i < 2; i++) {
		if (logp[i] >= 0)
			close(logp[i]);
		if (reqp[i] >= 0)
			close(reqp[i]);
	}
	return rc;
}
