#include "listener.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "addrmatch.h"
#include "audit.h"
#include "children.h"
#include "clock.h"
#include "confcheck.h"
#include "idle.h"
#include "jail.h"
#include "keyline.h"
#include "keys.h"
#include "log.h"
#include "metrics_srv.h"
#include "monitor.h"
#include "penalty.h"
#include "privsep.h"
#include "proc.h"
#include "rate.h"
#include "session.h"
#include "systemd.h"
#include "userca.h"
#include "version.h"

/* Offered to clients: post-quantum hybrid key exchange first (OpenSSH 9.x
 * picks sntrup761, 9.9 and later mlkem768; 10.1 warns without either), AEAD
 * ciphers, ETM MACs. */
#define WS_KEX "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512"
#define WS_CIPHERS "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"
#define WS_MACS "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"

/* A flood of dropped connections must not become a flood of log lines:
 * at most WS_DROP_LOGS per second, the rest counted in the next line. */
#define WS_DROP_LOGS 10

/* What one configuration makes: a reload builds a new one beside the old
 * and swaps them only when all of it is ready. */
struct ws_gen {
	struct ws_config *cfg;
	ssh_bind bind;          /* the host key's public half and the algorithms */
	char *hostkey_line;     /* that public half, "type base64" */
	char ca_pub[WS_USERCA_PUB_MAX];
	char ca_fp[WS_USERCA_FP_MAX];
	struct ws_startups su;  /* max_startups, parsed */
	int lfd;                /* the listening socket */
};

struct ws_listener {
	struct ws_listener_opts opts;
	struct ws_gen *gen;
	struct ws_children *kids;
	struct ws_penalty *pen;
	struct ws_metrics *mx;  /* metrics_listen's side here; NULL when off */
	int notes[2];           /* children report to the listener here */
	pid_t sweeper;          /* the idle sweep's process, or 0 */
	int had_file;           /* the configuration file existed at start */
	double last_sweep;
};

static volatile sig_atomic_t ws_stop, ws_reload;

static void ws_on_term(int sig)
{
	(void)sig;
	ws_stop = 1;
}

static void ws_on_hup(int sig)
{
	(void)sig;
	ws_reload = 1;
}

/* Opens the listening socket; returns the fd or -1. */
static int ws_listen(const char *addr, int port)
{
	struct addrinfo hints, *res = NULL, *ai;
	char portstr[8];
	int fd = -1, one = 1, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE;
	snprintf(portstr, sizeof(portstr), "%d", port);
	if ((gai = getaddrinfo(addr, portstr, &hints, &res)) != 0) {
		ws_error("cannot resolve listen address %s: %s", addr, gai_strerror(gai));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
			break;
		ws_error("cannot listen on %s port %d: %s", addr, port, strerror(errno));
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

/* The client's address as everything after matches it: an IPv4 client of a
 * socket bound to "::" is a.b.c.d, not ::ffff:a.b.c.d (from=, penalties,
 * penalty_exempt, per-source counts, logs, PAM's rhost). */
static void ws_peer(const struct sockaddr_storage *ss, char *ip, size_t iplen, int *port)
{
	char raw[INET6_ADDRSTRLEN + 16];

	if (getnameinfo((const struct sockaddr *)ss, sizeof(*ss), raw, sizeof(raw),
	    NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(raw, sizeof(raw), "?");
	ws_addr_normalise(raw, ip, iplen);
	*port = ss->ss_family == AF_INET6 ?
	    ntohs(((const struct sockaddr_in6 *)ss)->sin6_port) :
	    ntohs(((const struct sockaddr_in *)ss)->sin_port); // NOLINT(clang-analyzer-core.CallAndMessage): accept() filled ss
}

/* The SSH server's settings, with the host key's public half only (pub,
 * taken: ssh_bind_free() frees it): each connection's monitor reads the
 * private key and signs its key exchange (preauth.c, mon_req.c). */
static ssh_bind ws_make_bind(ssh_key pub)
{
	ssh_bind b = ssh_bind_new();

	if (b == NULL) {
		ssh_key_free(pub);
		return NULL;
	}
	if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_IMPORT_KEY, pub) < 0) {
		ssh_key_free(pub);
		ws_error("cannot configure the SSH server: %s", ssh_get_error(b));
		ssh_bind_free(b);
		return NULL;
	}
	if (ssh_bind_options_set(b, SSH_BIND_OPTIONS_BANNER, "wsgate_" WS_VERSION) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_KEY_EXCHANGE, WS_KEX) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_C_S, WS_CIPHERS) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_CIPHERS_S_C, WS_CIPHERS) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_C_S, WS_MACS) < 0 ||
	    ssh_bind_options_set(b, SSH_BIND_OPTIONS_HMAC_S_C, WS_MACS) < 0) {
		ws_error("cannot configure the SSH server: %s", ssh_get_error(b));
		ssh_bind_free(b);
		return NULL;
	}
	return b;
}

/* Frees g; its socket is closed unless keep_lfd (the next one took it). */
static void ws_gen_free(struct ws_gen *g, int keep_lfd)
{
	if (g == NULL)
		return;
	if (g->lfd >= 0 && !keep_lfd)
		close(g->lfd);
	ssh_bind_free(g->bind);
	free(g->hostkey_line);
	ws_config_free(g->cfg);
	free(g);
}

/* Builds what cfg makes (cfg taken on success). The listening socket of
 * old is reused when the address and port stay. Returns NULL after
 * logging why. */
static struct ws_gen *ws_gen_new(struct ws_config *cfg, const struct ws_gen *old)
{
	struct ws_gen *g = calloc(1, sizeof(*g));
	ssh_key hostkey = NULL;
	char why[200];

	if (g == NULL)
		return NULL;
	g->lfd = -1;
	/* The listener (and so every connection process) holds only the CA's
	 * public half and the host key's: the private keys are read, and
	 * wiped, by the processes that sign (monitor.c, login). */
	if (ws_key_public_of(cfg->host_key, &hostkey) != WS_OK ||
	    ws_userca_ensure(cfg->user_ca_key) != WS_OK)
		goto fail;
	if (ws_userca_public(cfg->user_ca_key, g->ca_pub, sizeof(g->ca_pub), g->ca_fp,
	    sizeof(g->ca_fp)) != WS_OK) {
		ws_error("cannot read the user certificate authority %s: it must be an unencrypted ed25519 OpenSSH key",
		    cfg->user_ca_key);
		goto fail;
	}
	if ((g->hostkey_line = ws_keyline_make(hostkey)) == NULL)
		goto fail;
	g->bind = ws_make_bind(hostkey);
	hostkey = NULL; /* taken */
	if (g->bind == NULL ||
	    ws_startups_parse(cfg->max_startups, &g->su, why, sizeof(why)) != WS_OK)
		goto fail;
	if (old != NULL && old->cfg->listen_port == cfg->listen_port &&
	    strcmp(old->cfg->listen_address, cfg->listen_address) == 0)
		g->lfd = old->lfd;
	else if ((g->lfd = ws_listen(cfg->listen_address, cfg->listen_port)) < 0)
		goto fail;
	g->cfg = cfg;
	return g;
fail:
	ssh_key_free(hostkey);
	if (old != NULL && g->lfd == old->lfd)
		g->lfd = -1;
	ws_gen_free(g, 0);
	return NULL;
}

/* Points the logs where cfg says (reopening them: rotation). */
static int ws_logs_apply(const struct ws_config *cfg, int debug)
{
	char why[300];

	if (ws_log_open(cfg->log_target, strcmp(cfg->log_format, "json") == 0, why,
	    sizeof(why)) != WS_OK) {
		ws_error("%s", why);
		return -1;
	}
	ws_log_set_level(debug ? WS_LOG_DEBUG :
	    (enum ws_log_level)ws_log_level_parse(cfg->log_level));
	if (ws_audit_open(cfg->audit_log) != WS_OK) {
		ws_error("cannot open audit log %s: %s", cfg->audit_log, strerror(errno));
		return -1;
	}
	return 0;
}

/* What wsgate -t would say beyond the file's values, logged: the daemon
 * starts anyway (the file itself is sound), but an administrator sees it. */
static void ws_log_confcheck(const struct ws_config *cfg)
{
	struct ws_diag *d = ws_diag_new();
	enum ws_diag_kind kind;
	const char *line;
	size_t i;

	if (d == NULL)
		return;
	ws_confcheck(cfg, d, 0);
	for (i = 0; (line = ws_diag_line(d, i, &kind)) != NULL; i++)
		ws_log(kind == WS_DIAG_ERROR ? WS_LOG_ERROR : WS_LOG_WARN, "%s", line);
	ws_diag_free(d);
}

struct ws_listener *ws_listener_new(const struct ws_listener_opts *opts, struct ws_config *cfg)
{
	struct ws_listener *l = calloc(1, sizeof(*l));
	struct sigaction sa;

	if (l == NULL)
		return NULL;
	l->opts = *opts;
	l->had_file = access(opts->path, F_OK) == 0;
	l->notes[0] = l->notes[1] = -1;
	if (ws_logs_apply(cfg, opts->debug) != 0)
		goto fail;
	ws_log_confcheck(cfg);
	/* Children report "authenticated" through a pipe (pid-sized writes are
	 * atomic), so the listener can count unauthenticated connections. */
	l->kids = ws_children_new();
	l->pen = ws_penalty_new(cfg->penalty_authfail, cfg->penalty_min, cfg->penalty_max);
	if (l->kids == NULL || l->pen == NULL || pipe2(l->notes, O_CLOEXEC | O_NONBLOCK) != 0) {
		ws_error("cannot set up the connection table");
		goto fail;
	}
	/* What workspaces write is parsed in jails as that user (jail.h). */
	ws_jail_user(cfg->privsep_user);
	if ((l->gen = ws_gen_new(cfg, NULL)) == NULL)
		goto fail;
	if (ws_metrics_start(l->gen->cfg, &l->mx) != WS_OK) {
		l->gen->cfg = NULL; /* the caller's again */
		ws_gen_free(l->gen, 0);
		l->gen = NULL;
		goto fail;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ws_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = ws_on_hup;
	sigaction(SIGHUP, &sa, NULL);
	ws_info("wsgate %s listening on %s port %d", WS_VERSION, cfg->listen_address,
	    cfg->listen_port);
	return l;
fail:
	ws_listener_free(l);
	return NULL;
}

void ws_listener_free(struct ws_listener *l)
{
	if (l == NULL)
		return;
	if (l->notes[0] >= 0)
		close(l->notes[0]);
	if (l->notes[1] >= 0)
		close(l->notes[1]);
	ws_metrics_free(l->mx);
	ws_children_free(l->kids);
	ws_penalty_free(l->pen);
	ws_gen_free(l->gen, 0);
	free(l);
}

/* SIGHUP: the configuration and keys again, for new connections. Anything
 * wrong keeps the running configuration, with a line saying why. */
static void ws_reload_now(struct ws_listener *l)
{
	struct ws_config *cfg = ws_config_new();
	struct ws_diag *d = ws_diag_new();
	struct ws_gen *g = NULL;
	enum ws_diag_kind kind;
	const char *line, *path = l->opts.path;
	char why[300];
	size_t i;

	ws_sd_notify("RELOADING=1");
	/* Rotation first, and whatever the file now says: the logs reopen
	 * where the running configuration has them (the new one, once
	 * applied, may move them again). */
	if (ws_logs_apply(l->gen->cfg, l->opts.debug) != 0)
		ws_error("SIGHUP: the logs could not all be reopened");
	if (cfg == NULL || d == NULL)
		goto out;
	/* The default file may be absent at start (defaults); once it was
	 * there, its going is a mistake, not "defaults now". */
	if (ws_config_load_diag(cfg, path, !l->opts.path_given && !l->had_file, d) == WS_OK)
		ws_config_check_diag(cfg, d);
	for (i = 0; (line = ws_diag_line(d, i, &kind)) != NULL; i++)
		ws_log(kind == WS_DIAG_ERROR ? WS_LOG_ERROR : WS_LOG_WARN, "%s", line);
	if (ws_diag_count(d, WS_DIAG_ERROR) > 0 ||
	    ws_privsep_check(cfg->privsep_user, why, sizeof(why)) != WS_OK) {
		if (ws_diag_count(d, WS_DIAG_ERROR) == 0)
			ws_error("%s", why);
		ws_error("SIGHUP: %s has errors; still serving with the configuration loaded before",
		    path);
		goto out;
	}
	if ((g = ws_gen_new(cfg, l->gen)) == NULL) {
		ws_error("SIGHUP: cannot apply %s; still serving with the configuration loaded before",
		    path);
		goto out;
	}
	if (strcmp(g->cfg->metrics_listen, l->gen->cfg->metrics_listen) != 0)
		ws_warn("SIGHUP: metrics_listen changed to '%s': it takes a restart (still '%s')",
		    g->cfg->metrics_listen, l->gen->cfg->metrics_listen);
	cfg = NULL; /* taken */
	if (ws_logs_apply(g->cfg, l->opts.debug) != 0)
		ws_error("SIGHUP: the logs could not all be reopened");
	ws_log_confcheck(g->cfg);
	ws_jail_user(g->cfg->privsep_user);
	ws_penalty_limits(l->pen, g->cfg->penalty_authfail, g->cfg->penalty_min,
	    g->cfg->penalty_max);
	/* The metrics borrow the configuration: the new one before the old
	 * is freed. */
	ws_metrics_config(l->mx, g->cfg);
	ws_gen_free(l->gen, g->lfd == l->gen->lfd);
	l->gen = g;
	ws_info("SIGHUP: reloaded %s; new connections get it, sessions keep theirs (listening on %s port %d)",
	    path, g->cfg->listen_address, g->cfg->listen_port);
out:
	ws_sd_notify("READY=1");
	ws_config_free(cfg);
	ws_diag_free(d);
}

/* Is ip on the penalty_exempt list? */
static int ws_penalty_exempt(const struct ws_config *cfg, const char *ip)
{
	size_t i;

	for (i = 0; cfg->penalty_exempt != NULL && cfg->penalty_exempt[i] != NULL; i++)
		if (ws_addr_list_allows(cfg->penalty_exempt[i], ip))
			return 1;
	return 0;
}

/* max_startups and per_source_max_startups: may a connection from ip
 * (counted as source) start? Logs why not. The per-source cap comes first,
 * so that one address cannot fill the global count for everyone. */
static int ws_admit(const struct ws_listener *l, const char *source, const char *ip, int port)
{
	static struct ws_rate lines;
	const struct ws_config *cfg = l->gen->cfg;
	const struct ws_startups *su = &l->gen->su;
	int unauth = ws_children_unauthenticated(l->kids), mine, skipped;
	char why[200], more[64] = "";

	mine = ws_children_unauthenticated_from(l->kids, source);
	if (cfg->per_source_max_startups > 0 && mine >= cfg->per_source_max_startups)
		snprintf(why, sizeof(why), "%d connections from %s are still authenticating (per_source_max_startups)",
		    mine, source);
	else if (ws_startups_admit(su, unauth, (double)arc4random_uniform(10000) / 100.0))
		return 1;
	else if (su->start == su->full)
		snprintf(why, sizeof(why), "%d connections are still authenticating (max_startups)",
		    unauth);
	else
		snprintf(why, sizeof(why), "%d connections are still authenticating (max_startups %s: dropping at random from %d)",
		    unauth, cfg->max_startups, su->start);
	if (ws_rate_take(&lines, ws_clock_now(), WS_DROP_LOGS)) {
		if ((skipped = ws_rate_skipped(&lines)) > 0)
			snprintf(more, sizeof(more), " (%d more dropped without a line)", skipped);
		ws_warn("dropping connection from %s port %d: %s%s", ip, port, why, more);
	}
	return 0;
}

/* Collects ended children; a crash before login earns a penalty. */
static void ws_reap(struct ws_listener *l)
{
	const struct ws_config *cfg = l->gen->cfg;
	struct rusage ru;
	char source[64];
	int status;
	pid_t pid;

	while ((pid = wait4(-1, &status, WNOHANG, &ru)) > 0) {
		/* A crash (a sanitizer abort, the stack protector, a kill)
		 * must not pass unnoticed: normal ends are exit 0 or 1. */
		ws_debug("process %ld ended (%s %d; peak RSS %ld kB, CPU %.2f s)", (long)pid,
		    WIFSIGNALED(status) ? "signal" : "exit",
		    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), ru.ru_maxrss,
		    (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		    (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
		if (WIFSIGNALED(status))
			ws_error("process %ld died of signal %d", (long)pid, WTERMSIG(status));
		else if (WIFEXITED(status) && WEXITSTATUS(status) > 1)
			ws_error("process %ld ended with status %d", (long)pid, WEXITSTATUS(status));
		if (ws_metrics_reaped(l->mx, pid, status)) {
			continue;
		} else if (pid == l->sweeper) {
			l->sweeper = 0;
		} else if (ws_children_remove(l->kids, pid, source, sizeof(source)) &&
		    WIFSIGNALED(status) && !ws_penalty_exempt(cfg, source)) {
			/* A connection process that dies before login may be
			 * someone probing for memory errors: OpenSSH's crash
			 * penalty. */
			ws_penalty_add(l->pen, source, ws_clock_now(), cfg->penalty_crash);
		}
	}
}

/* Idle stop runs in its own process: Docker calls block. */
static void ws_idle_maybe(struct ws_listener *l, double now)
{
	const struct ws_config *cfg = l->gen->cfg;
	sigset_t term, old;

	if (cfg->idle_stop <= 0 || l->sweeper != 0 ||
	    now - l->last_sweep < ws_idle_interval(cfg->idle_stop))
		return;
	l->last_sweep = now;
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	if ((l->sweeper = fork()) == 0) {
		close(l->gen->lfd);
		close(l->notes[0]);
		ws_metrics_forget(l->mx);
		/* A sweep is short (docker_timeout bounds it): it ends by
		 * itself, through ws_proc_exit. */
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		sigprocmask(SIG_SETMASK, &old, NULL);
		signal(SIGINT, SIG_DFL);
		ws_log_set_tag("[idle]");
		ws_proc_exit(ws_idle_sweep(cfg) >= 0 ? 0 : 1);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (l->sweeper < 0)
		l->sweeper = 0;
}

/* What children said: authenticated, failed logins, grace, crash. */
static void ws_read_notes(struct ws_listener *l)
{
	const struct ws_config *cfg = l->gen->cfg;
	struct ws_notice note;

	while (read(l->notes[0], &note, sizeof(note)) == (ssize_t)sizeof(note)) {
		note.ip[sizeof(note.ip) - 1] = '\0';
		if (note.kind == 'A')
			ws_children_authed(l->kids, note.pid);
		else if (note.kind == 'F' && !ws_penalty_exempt(cfg, note.ip))
			ws_penalty_fail(l->pen, note.ip, ws_clock_now());
		else if (note.kind == 'G' && !ws_penalty_exempt(cfg, note.ip))
			ws_penalty_add(l->pen, note.ip, ws_clock_now(), cfg->penalty_grace);
		else if (note.kind == 'C' && !ws_penalty_exempt(cfg, note.ip))
			ws_penalty_add(l->pen, note.ip, ws_clock_now(), cfg->penalty_crash);
	}
}

/* Forks the connection's monitor; the child never returns. SIGTERM is
 * held across fork: a new child takes it only once its own handler is in
 * place (ws_session_serve). */
static void ws_fork_connection(struct ws_listener *l, int fd, const char *ip, int port,
    const char *source)
{
	struct ws_session_ctx ctx;
	sigset_t term, old;
	char tag[96];
	pid_t pid;

	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	sigprocmask(SIG_BLOCK, &term, &old);
	pid = fork();
	if (pid != 0)
		sigprocmask(SIG_SETMASK, &old, NULL);
	if (pid < 0) {
		ws_warn("fork: %s; dropping connection from %s", strerror(errno), ip);
		ws_metrics_incoming(l->mx, WS_MC_DROPPED);
		close(fd);
		return;
	}
	if (pid == 0) {
		close(l->gen->lfd);
		close(l->notes[0]);
		ws_metrics_forget(l->mx);
		signal(SIGINT, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		/* A reload is the listener's; a session keeps its settings. */
		signal(SIGHUP, SIG_IGN);
		snprintf(tag, sizeof(tag), "[%s:%d]", ip, port);
		ws_log_set_tag(tag);
		ws_debug("connection");
		ctx.cfg = l->gen->cfg;
		ctx.bind = l->gen->bind;
		ctx.hostkey_line = l->gen->hostkey_line;
		ctx.user_ca = l->gen->ca_pub;
		ctx.ca_fp = l->gen->ca_fp;
		ctx.notify_fd = l->notes[1];
		ws_proc_exit(ws_monitor_serve(&ctx, fd, ip, port));
	}
	close(fd);
	ws_metrics_connection(l->mx, pid);
	if (ws_children_add(l->kids, pid, source) != WS_OK)
		ws_warn("connection table full; not counting pid %ld", (long)pid);
}

/* Takes one connection: refused when penalised or over max_startups. */
static void ws_accept_one(struct ws_listener *l)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t sslen = sizeof(ss);
	char ip[64], source[64];
	int fd, port;

	fd = accept4(l->gen->lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
	if (fd < 0) {
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			ws_warn("accept: %s", strerror(errno));
		return;
	}
	ws_peer(&ss, ip, sizeof(ip), &port);
	if (ws_penalty_refused(l->pen, ip, ws_clock_now()) > 0) {
		ws_info("refusing %s port %d: penalised for failed logins (%.0f s left)", ip, port,
		    ws_penalty_refused(l->pen, ip, ws_clock_now()));
		ws_metrics_incoming(l->mx, WS_MC_PENALISED);
		close(fd);
		return;
	}
	ws_addr_source(ip, source, sizeof(source));
	if (!ws_admit(l, source, ip, port)) {
		ws_metrics_incoming(l->mx, WS_MC_DROPPED);
		close(fd);
		return;
	}
	ws_fork_connection(l, fd, ip, port, source);
}

int ws_listener_run(struct ws_listener *l)
{
	struct pollfd pfd[3];

	ws_sd_notify("READY=1");
	while (!ws_stop) {
		if (ws_reload) {
			ws_reload = 0;
			ws_reload_now(l);
		}
		ws_metrics_tick(l->mx, l->pen, ws_clock_now());
		ws_reap(l);
		ws_idle_maybe(l, ws_clock_now());
		pfd[0] = (struct pollfd){ .fd = l->gen->lfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = l->notes[0], .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = ws_metrics_fd(l->mx), .events = POLLIN };
		if (poll(pfd, 3, 1000) <= 0)
			continue;
		ws_metrics_read(l->mx);
		ws_read_notes(l);
		if (pfd[0].revents & POLLIN)
			ws_accept_one(l);
	}
	ws_sd_notify("STOPPING=1");
	ws_info("stopping (sessions in progress continue)");
	return 0;
}
