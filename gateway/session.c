#include "session.h"

#include <errno.h>
#include <libssh/callbacks.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bridge.h"
#include "clock.h"
#include "preauth.h"
#include "log.h"
#include "owner.h"
#include "metrics_report.h"
#include "privsep.h"
#include "proc.h"
#include "recording.h"
#include "watchdog.h"

void ws_notice_make(struct ws_notice *n, pid_t pid, char kind, const char *ip)
{
	memset(n, 0, sizeof(*n));
	n->pid = pid;
	n->kind = kind;
	snprintf(n->ip, sizeof(n->ip), "%s", ip);
}

/* Takes the next message libssh queued on s, or NULL. Nothing installs a
 * message or server callback, so libssh keeps every request until we answer
 * it: that is what lets a reply wait for the workspace without holding the
 * connection. ssh_message_get() would block on a blocking session. */
static ssh_message ws_next_message(ssh_session s)
{
	int blocking = ssh_is_blocking(s);
	ssh_message msg;

	if (blocking)
		ssh_set_blocking(s, 0);
	msg = ssh_message_get(s);
	if (blocking)
		ssh_set_blocking(s, 1);
	return msg;
}

/* Answers what arrived before login: authentication attempts, one by one. */
static void ws_login_messages(struct ws_sess *c)
{
	ssh_message msg;

	while (!c->authed && !c->fatal && (msg = ws_next_message(c->down)) != NULL) {
		ws_preauth_message(c, msg);
		ssh_message_free(msg);
	}
}

/* Hands what both peers queued to the bridges. Returns how many. */
static int ws_bridge_messages(struct ws_sess *c)
{
	ssh_message msg;
	int n = 0;

	while ((msg = ws_next_message(c->down)) != NULL) {
		ws_bridges_message(c->bridges, msg, 0);
		n++;
	}
	while ((msg = ws_next_message(c->up)) != NULL) {
		ws_bridges_message(c->bridges, msg, 1);
		n++;
	}
	return n;
}

static int ws_dead(ssh_session s)
{
	return s == NULL || !ssh_is_connected(s) ||
	    (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

/* Keepalives keep idle connections alive through load balancers; the TCP
 * user timeout drops a peer that stops acknowledging them (dead peer). */
static void ws_keepalive_setup(int fd, const struct ws_config *cfg)
{
	int on = 1, idle = cfg->client_alive_interval, cnt = cfg->client_alive_count_max;
	unsigned int tmo = (unsigned int)(idle * cnt) * 1000u;

	if (idle <= 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &tmo, sizeof(tmo));
}

static volatile sig_atomic_t ws_grace_over, ws_terminating;

/* The first expiry ends the login at the loop's next turn, through the
 * normal cleanup; the second, 2 s later, ends a process stuck in a blocking
 * call (a key exchange that never finishes). */
static void ws_grace_expired(int sig)
{
	static const char msg[] = "wsgate: login grace time expired\n";

	(void)sig;
	if (!ws_grace_over) {
		ws_grace_over = 1;
		alarm(2);
		return;
	}
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

/* SIGTERM (the service stopping): disconnect the client cleanly, then end. */
static void ws_on_term(int sig)
{
	(void)sig;
	ws_terminating = 1;
}

static void ws_session_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = ws_grace_expired;   /* no SA_RESTART: poll returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	sa.sa_handler = ws_on_term;
	sigaction(SIGTERM, &sa, NULL);
	/* The listener held SIGTERM across fork; one sent meanwhile lands now. */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigprocmask(SIG_UNBLOCK, &sa.sa_mask, NULL);
}

/* CPU a connection may spend inside one call before it is ended: far above
 * what any call of a working loop takes (the slowest is a rekey with
 * diffie-hellman-group18-sha512: 0.17 s here), far below what a looping
 * libssh fills memory with. */
#define WS_WATCHDOG_CPU 1.0

static void ws_session_watch(const struct ws_sess *c)
{
	char line[400], escaped[512];

	snprintf(line, sizeof(line), "the connection of %s port %d to workspace %s spent "
	    "%.1f s of CPU in one call without returning (libssh 0.10 loops so when a peer "
	    "gives a channel a maximum packet size of 10); ending it", c->peer_ip,
	    c->peer_port, c->name, WS_WATCHDOG_CPU);
	ws_log_escape(escaped, sizeof(escaped), line);
	if (ws_watchdog_arm(WS_WATCHDOG_CPU, escaped) != 0)
		ws_warn("cannot start the connection's watchdog: %s", strerror(errno));
}

/* Ends the session for why: logged at level, and told to the client as
 * the disconnect message. */
static void ws_session_end(struct ws_sess *c, enum ws_log_level level, const char *why)
{
	char msg[300];

	snprintf(msg, sizeof(msg), "wsgate: %s", why);
	ws_log(level, "ending the session of %s: %s", c->name, why);
	ssh_session_set_disconnect_message(c->down, msg);
}

/* libssh answers some requests by itself (keepalives, unknown global
 * requests) into a buffer nobody bounds: a peer that stops reading while it
 * sends them makes the process grow. Returns 1 when it has grown past
 * max_session_memory (the listener logs the peak when the process ends). */
static int ws_session_too_big(const struct ws_sess *c)
{
	struct rusage ru;

	return getrusage(RUSAGE_SELF, &ru) == 0 &&
	    ru.ru_maxrss > (long)c->ctx->cfg->max_session_memory * 1024;
}

/* The bridge's figures to the monitor, for the metrics (when they are on:
 * the listener gave every process its reports' socket). */
static void ws_session_stats(struct ws_sess *c)
{
	unsigned kinds[WS_BRIDGE_KINDS];
	uint64_t in = 0, out = 0;

	if (ws_msend_socket() < 0)
		return;
	ws_bridges_bytes(c->bridges, &in, &out);
	ws_bridges_kinds(c->bridges, kinds);
	ws_preauth_stats(c, in, out, kinds);
}

/* The bridge: both peers' channels, until the client goes, the workspace
 * is lost, or the session must end. Runs sandboxed. Returns 0 after a
 * normal end; *flush_down says whether what is owed to the client may still
 * be sent. */
static int ws_session_bridge(struct ws_sess *c, ssh_event ev, int *flush_down)
{
	const struct ws_config *cfg = c->ctx->cfg;
	int waiting = 0, again;
	double now, last_alive, next_mem_check = 0, next_stats = 0;

	/* Neither side may hold the loop: a peer that stops reading gets no
	 * more data (ws_room) instead of a write that waits for it forever. */
	ssh_set_blocking(c->down, 0);
	ssh_set_blocking(c->up, 0);
	if (ssh_event_add_session(ev, c->up) != SSH_OK)
		return 1;
	/* The two key exchanges and the login are done: what they freed goes
	 * back (an idle session keeps only what it holds). */
	malloc_trim(0);
	c->bridges = ws_bridges_new(c->down, c->up, cfg->max_channels, &c->restr);
	if (c->bridges == NULL)
		return 1;
	/* The monitor decided: what it records, it is sent. */
	if (c->record != WS_RECORD_OFF &&
	    ws_bridges_record(c->bridges, c->mon, c->record == WS_RECORD_INPUT) != 0)
		return 1;
	ws_session_watch(c);
	last_alive = ws_clock_now();
	again = 1; /* the client may have asked already */
	for (;;) {
		ws_watchdog_tick();
		/* Requests taken in after the pump are started without waiting. */
		ssh_event_dopoll(ev, again ? 0 : waiting ? 20 : 1000);
		again = 0;
		now = ws_clock_now();
		if (cfg->client_alive_interval > 0 && now - last_alive >= cfg->client_alive_interval) {
			/* Non-blocking, a call that finds the last reply only
			 * collects it: the second sends. */
			ssh_send_keepalive(c->down);
			ssh_send_keepalive(c->down);
			last_alive = now;
		}
		ws_bridge_messages(c);
		waiting = ws_bridges_pump(c->bridges);
		/* The pump's reads may have taken in new requests: start them now. */
		if (ws_bridge_messages(c) > 0)
			again = 1;
		if (ws_dead(c->down)) {
			/* A protocol error ends it too (libssh: data past a
			 * window ends the session, as OpenSSH's "peer ignored
			 * channel window"): say which. */
			const char *why = ssh_get_error(c->down);

			if (why != NULL && *why != '\0')
				ws_info("the connection from %s port %d ended: %s", c->peer_ip,
				    c->peer_port, why);
			break;
		}
		if (now >= next_stats) {
			next_stats = now + 1;
			ws_session_stats(c);
		}
		if (now >= next_mem_check) {
			next_mem_check = now + 0.25;
			if (ws_session_too_big(c)) {
				char why[160];
				snprintf(why, sizeof(why), "this connection used more than %d MiB (a peer "
				    "that does not read what it is sent?); closing it",
				    cfg->max_session_memory);
				ws_session_end(c, WS_LOG_WARN, why);
				/* Flushing would read, and libssh answer, more. */
				*flush_down = 0;
				break;
			}
		}
		if (ws_bridges_fatal(c->bridges) != NULL) {
			ws_session_end(c, WS_LOG_WARN, ws_bridges_fatal(c->bridges));
			break;
		}
		if (ws_terminating) {
			ws_session_end(c, WS_LOG_INFO, "the gateway is stopping");
			break;
		}
		if (ws_dead(c->up)) {
			char msg[200];
			snprintf(msg, sizeof(msg), "wsgate: connection to workspace '%s' lost", c->name);
			/* libssh's error carries the workspace's own words (its
			 * disconnect message): ws_log escapes them. */
			ws_warn("%s: %s", msg + 8, ssh_get_error(c->up));
			ws_bridges_upstream_lost(c->bridges, msg);
			/* Said in the disconnect too: a channel whose window is
			 * full cannot carry the line. */
			ssh_session_set_disconnect_message(c->down, msg);
			ws_watchdog_disarm(); /* the flush may take CPU, not a loop */
			ssh_blocking_flush(c->down, 2000);
			break;
		}
	}
	return 0;
}

/* Enters the sandbox (privsep.h) before a byte of the client's is read,
 * keeping only the client's socket, the log (descriptor 2) and the
 * monitor's request socket, then tells the monitor the session key. It has
 * only the host key's public half (the bind's): the monitor signs each key
 * exchange. */
static int ws_session_enter_sandbox(struct ws_sess *c)
{
	const int keep[] = { STDERR_FILENO, ssh_get_fd(c->down), c->mon };
	pid_t monitor = getppid();
	char why[300];

	if (ws_preauth_init(c) != WS_OK || ws_preauth_hostkey(c) != WS_OK) {
		ws_error("cannot make the connection's session key; ending the connection");
		return -1;
	}
	ws_proc_sandboxed();
	if (ws_privsep_sandbox(c->ctx->cfg->privsep_user, keep, 3, monitor, why, sizeof(why)) !=
	    WS_OK) {
		ws_error("%s; ending the connection", why);
		return -1;
	}
	if (ws_preauth_hello(c) != WS_OK) {
		ws_error("cannot reach the connection's monitor; ending the connection");
		return -1;
	}
	return 0;
}

/* Until logged in (the monitor decides), or the login has failed for good. */
static void ws_session_login(struct ws_sess *c, ssh_event ev)
{
	for (;;) {
		ws_login_messages(c);
		if (c->authed || c->fatal || ws_dead(c->down) || ws_grace_over || ws_terminating)
			break;
		ssh_event_dopoll(ev, 1000);
	}
	if (!c->authed && ws_grace_over)
		ws_info("login grace time (%d s) expired for %s port %d", c->ctx->cfg->login_grace_time,
		    c->peer_ip, c->peer_port);
}

int ws_session_serve(const struct ws_session_ctx *ctx, int fd, const char *peer_ip,
    int peer_port, int mon)
{
	struct ws_sess c;
	ssh_event ev = NULL;
	uint64_t bin = 0, bout = 0;
	int one = 1, ret = 1, flush_down = 1, served = 0;

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.peer_ip = peer_ip;
	c.peer_port = peer_port;
	c.mon = mon;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ws_keepalive_setup(fd, ctx->cfg);
	ws_session_signals();
	alarm((unsigned)ctx->cfg->login_grace_time);

	if ((c.down = ssh_new()) == NULL)
		goto out;
	if (ssh_bind_accept_fd(ctx->bind, c.down, fd) != SSH_OK) {
		ws_warn("accept from %s: %s", peer_ip, ssh_get_error(ctx->bind));
		close(fd);
		goto out;
	}
	ws_preauth_methods(&c);
	if (ws_session_enter_sandbox(&c) != 0) {
		flush_down = 0;
		goto out;
	}
	if (ssh_handle_key_exchange(c.down) != SSH_OK) {
		ws_info("key exchange with %s port %d failed: %s", peer_ip, peer_port,
		    ssh_get_error(c.down));
		goto out;
	}
	if ((ev = ssh_event_new()) == NULL || ssh_event_add_session(ev, c.down) != SSH_OK)
		goto out;
	ws_session_login(&c, ev);
	if (!c.authed)
		goto out;
	alarm(0);
	if (c.name[0] == '\0') {
		/* ACCOUNT+: the owner's commands, no workspace (owner.h). */
		ws_session_watch(&c);
		ret = ws_owner_serve(&c, ev, &ws_terminating, &bin, &bout);
		served = 1;
		if (ws_terminating)
			ws_session_end(&c, WS_LOG_INFO, "the gateway is stopping");
	} else {
		ret = ws_session_bridge(&c, ev, &flush_down);
		/* The recordings' last bytes reach the monitor before END. */
		ws_bridges_record_end(c.bridges, 2000);
		if (c.bridges != NULL)
			ws_bridges_bytes(c.bridges, &bin, &bout);
		served = c.bridges != NULL;
	}
	ws_preauth_end(&c, bin, bout);
out:
	alarm(0);
	ws_watchdog_disarm();
	if (c.fatal && c.down != NULL)
		ssh_blocking_flush(c.down, 2000);
	/* Only a session that was served has anything owed to the client. */
	flush_down = flush_down && served;
	ws_bridges_free(c.bridges);
	c.bridges = NULL;
	if (ev != NULL) {
		if (c.up != NULL)
			ssh_event_remove_session(ev, c.up);
		if (c.down != NULL)
			ssh_event_remove_session(ev, c.down);
		ssh_event_free(ev);
	}
	if (c.up != NULL) {
		ssh_disconnect(c.up);
		ssh_free(c.up);
	}
	if (c.down != NULL) {
		/* Non-blocking since the bridge began: what is owed to the
		 * client (the last data, a disconnect reason) gets 2 s to leave. */
		if (flush_down)
			ssh_blocking_flush(c.down, 2000);
		ssh_disconnect(c.down);
		ssh_free(c.down);
	}
	ws_preauth_free(&c);
	return ret;
}
