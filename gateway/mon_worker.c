/* mon_worker.c — the monitor's login worker. Deciding a login dirties
 * memory (PAM, key files, auth_url's answer, the engine's JSON, the bring-up);
 * the monitor lives as long as the session, so that work is done by a root
 * process of its own, forked by the monitor, which answers the child's
 * requests until it has logged in (or ended), hands the monitor the outcome
 * and exits, taking what it dirtied with it (bench/memory.sh). Meanwhile the
 * monitor relays the child's log lines and waits. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "login_int.h"
#include "mon_int.h"
#include "proc.h"

/* What the worker tells the monitor as it ends (one pipe write). */
struct ws_mon_outcome {
	int authed, failures, killed, record;
	double grace_end, since;
	char account[WS_ACCOUNT_MAX + 1], name[WS_NAME_MAX + 1];
	size_t groups_len;                /* an ACCOUNT+ login's groups follow (conn.h) */
};

/* The worker: answers requests until the child is logged in or gone. */
static void ws_worker_run(struct ws_mon *m, int out)
{
	struct ws_mon_outcome o;
	struct pollfd pfd = { .fd = m->req_sock, .events = POLLIN };

	while (m->state == WS_MON_HELLO || m->state == WS_MON_PREAUTH) {
		ws_mon_grace(m);  /* m->worker is 0 in the worker's own copy */
		if (poll(&pfd, 1, 1000) > 0)
			ws_mon_request(m);
	}
	ws_login_cleanup(&m->c);
	memset(&o, 0, sizeof(o));
	o.authed = m->c.authed;
	o.failures = m->c.failures;
	o.record = m->c.record;
	o.killed = m->killed;
	o.grace_end = m->grace_end;
	o.since = m->since;
	snprintf(o.account, sizeof(o.account), "%s", m->c.account);
	snprintf(o.name, sizeof(o.name), "%s", m->c.name);
	o.groups_len = m->c.groups != NULL ? m->c.groups_len : 0;
	(void)!write(out, &o, sizeof(o));
	if (o.groups_len > 0)
		(void)!write(out, m->c.groups, o.groups_len);
}

int ws_mon_worker_start(struct ws_mon *m)
{
	struct sigaction sa;
	int p[2] = { -1, -1 }, reports = -1;
	pid_t pid = -1, self = getpid();

	/* Read once the worker has ended: never waits (a jail or PAM helper
	 * it forked might still hold the write end a moment). Its metric
	 * reports come on a socket of their own. */
	if (pipe2(p, O_CLOEXEC) != 0 || fcntl(p[0], F_SETFL, O_NONBLOCK) != 0 ||
	    ws_mon_metrics_pair(m, &reports) != 0 || (pid = fork()) < 0) {
		for (int i = 0; i < 2; i++)
			if (p[i] >= 0)
				close(p[i]);
		if (reports >= 0)
			close(reports);
		if (m->mrelay >= 0)
			close(m->mrelay);
		m->mrelay = -1;
		return -1;
	}
	if (pid == 0) {
		/* A stop of the gateway lets it finish what it started (a
		 * container half made is worse); the child's end ends it. */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_IGN;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		sa.sa_handler = SIG_DFL;
		sigaction(SIGCHLD, &sa, NULL);
		close(p[0]);
		if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != self)
			ws_proc_exit(1);
		if (m->mrelay >= 0)
			close(m->mrelay);
		m->mrelay = -1;
		ws_mon_metrics_worker(reports);
		/* The log lines are the monitor's to read. */
		close(m->log_sock);
		m->log_sock = -1;
		/* The host key signs the child's key exchange: without it the
		 * connection ends, at no cost to the client's address. */
		if (ws_mon_hostkey(m) != WS_OK) {
			kill(m->child, SIGKILL);
			m->killed = WS_MON_KILLED_SLOW;
			ws_mon_set_state(m, WS_MON_CLOSED);
		}
		ws_worker_run(m, p[1]);
		ws_proc_exit(0);
	}
	close(p[1]);
	if (reports >= 0)
		close(reports);
	m->worker = pid;
	m->worker_out = p[0];
	return 0;
}

/* An owner login's groups, after the outcome (the worker has ended: they
 * are all in the pipe). Only such a login's monitor holds room for them. */
static void ws_worker_groups(struct ws_mon *m, size_t len)
{
	char *g;

	if (len == 0 || len > WS_CONN_GROUPS_MAX || (g = malloc(len)) == NULL)
		return;
	if (read(m->worker_out, g, len) != (ssize_t)len) {
		free(g);
		return;
	}
	free(m->c.groups);
	m->c.groups = g;
	m->c.groups_len = len;
}

int ws_mon_worker_poll(struct ws_mon *m, int wait)
{
	struct ws_mon_outcome o;
	pid_t r, w = m->worker;
	int status = 0;

	if (w <= 0)
		return 0;
	do {
		r = waitpid(w, &status, wait ? 0 : WNOHANG);
	} while (r < 0 && errno == EINTR);
	if (r == 0)
		return 0;
	m->worker = 0;
	/* All it reported comes before what its outcome makes of the
	 * connection (a state it set must not land after "bridging"). */
	ws_mon_metrics_relay(m, 1);
	if (m->mrelay >= 0)
		close(m->mrelay);
	m->mrelay = -1;
	memset(&o, 0, sizeof(o));
	if (read(m->worker_out, &o, sizeof(o)) != (ssize_t)sizeof(o)) {
		/* It died without a word: nobody logged in. Of a signal, it
		 * may have been the client's doing (it reads the client's
		 * keys and names as root): the crash penalty. */
		if (WIFSIGNALED(status))
			ws_error("process %ld died of signal %d (the login worker of process %ld); "
			    "ending the connection", (long)w, WTERMSIG(status), (long)m->child);
		else
			ws_error("process %ld ended with status %d (the login worker of process %ld) "
			    "without an outcome; ending the connection", (long)w,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1, (long)m->child);
		kill(m->child, SIGKILL);
		memset(&o, 0, sizeof(o));
		o.killed = WIFSIGNALED(status) ? WS_MON_KILLED_PROTOCOL : WS_MON_KILLED_SLOW;
		o.grace_end = m->grace_end;
	}
	ws_worker_groups(m, o.groups_len);
	close(m->worker_out);
	m->worker_out = -1;
	m->c.authed = o.authed;
	m->c.failures = o.failures;
	m->c.record = o.record;
	m->killed = o.killed;
	m->grace_end = o.grace_end;
	m->since = o.since;
	snprintf(m->c.account, sizeof(m->c.account), "%s", o.account);
	snprintf(m->c.name, sizeof(m->c.name), "%s", o.name);
	ws_mon_set_state(m, o.authed ? WS_MON_SESSION : WS_MON_CLOSED);
	if (o.authed)
		ws_mon_metrics_session();
	return 1;
}
