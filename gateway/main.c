/* wsgate — the SSH front door for containerized workspaces. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "addrmatch.h"
#include "audit.h"
#include "children.h"
#include "clock.h"
#include "config.h"
#include "idle.h"
#include "keyline.h"
#include "keys.h"
#include "penalty.h"
#include "jail.h"
#include "privsep.h"
#include "proc.h"
#include "rate.h"
#include "log.h"
#include "metrics_http.h"
#include "metrics_srv.h"
#include "monitor.h"
#include "session.h"
#include "userca.h"

#define WS_VERSION "0.1.0"
#define WS_DEFAULT_CONFIG "/etc/wsgate/wsgate.conf"

/* Offered to clients: post-quantum hybrid key exchange first (OpenSSH 9.x
 * picks sntrup761, 9.9 and later mlkem768; 10.1 warns without either), AEAD
 * ciphers, ETM MACs. */
#define WS_KEX "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512"
#define WS_CIPHERS "chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr"
#define WS_MACS "hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com"

static volatile sig_atomic_t ws_stop;

static void ws_on_term(int sig)
{
	(void)sig;
	ws_stop = 1;
}

static void ws_usage(FILE *out)
{
	fprintf(out,
	    "usage: wsgate [-f FILE] [-t] [-d]\n"
	    "  -f FILE        configuration file (default " WS_DEFAULT_CONFIG "; absent = defaults)\n"
	    "  -t             check the configuration and exit\n"
	    "  -d             debug logging\n"
	    "  --config-doc   print the settings reference (Markdown)\n"
	    "  --help         this text\n"
	    "  --version      print the version\n");
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

/* Accepts until SIGTERM/SIGINT; each connection gets its own process so a
 * slow workspace or a crash touches one user only. */
/* Is ip on the penalty_exempt list? */
static int ws_penalty_exempt(const struct ws_config *cfg, const char *ip)
{
	size_t i;

	for (i = 0; cfg->penalty_exempt != NULL && cfg->penalty_exempt[i] != NULL; i++)
		if (ws_addr_list_allows(cfg->penalty_exempt[i], ip))
			return 1;
	return 0;
}

/* A flood of dropped connections must not become a flood of log lines:
 * at most WS_DROP_LOGS per second, the rest counted in the next line. */
#define WS_DROP_LOGS 10

/* max_startups and per_source_max_startups: may a connection from ip
 * (counted as source) start? Logs why not. The per-source cap comes first,
 * so that one address cannot fill the global count for everyone. */
static int ws_admit(const struct ws_config *cfg, const struct ws_startups *su,
    const struct ws_children *kids, const char *source, const char *ip, int port)
{
	static struct ws_rate lines;
	int unauth = ws_children_unauthenticated(kids), mine, skipped;
	char why[200], more[64] = "";

	mine = ws_children_unauthenticated_from(kids, source);
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

static int ws_serve(struct ws_session_ctx *ctx, int lfd)
{
	struct pollfd pfd[3] = { { .fd = lfd, .events = POLLIN }, { .fd = -1, .events = POLLIN },
		{ .fd = -1, .events = POLLIN } };
	struct ws_children *kids = ws_children_new();
	struct ws_penalty *pen = ws_penalty_new(ctx->cfg->penalty_authfail, ctx->cfg->penalty_min,
	    ctx->cfg->penalty_max);
	struct ws_notice note;
	struct ws_startups su;
	struct ws_metrics *mx = NULL;
	pid_t sweeper = 0;
	double last_sweep = 0;
	char why[200];
	int pipefd[2], status;
	sigset_t term, old;

	/* Children report "authenticated" through a pipe (pid-sized writes are
	 * atomic), so the listener can count unauthenticated connections.
	 * max_startups is parsed once (ws_config_check has checked it). */
	if (kids == NULL || pen == NULL ||
	    ws_startups_parse(ctx->cfg->max_startups, &su, why, sizeof(why)) != WS_OK ||
	    pipe2(pipefd, O_CLOEXEC | O_NONBLOCK) != 0) {
		ws_error("cannot set up the connection table");
		ws_children_free(kids);
		ws_penalty_free(pen);
		return 1;
	}
	pfd[1].fd = pipefd[0];
	ctx->notify_fd = pipefd[1];
	if (ws_metrics_start(ctx->cfg, &mx) != WS_OK) {
		close(pipefd[0]);
		close(pipefd[1]);
		ws_children_free(kids);
		ws_penalty_free(pen);
		return 1;
	}
	pfd[2].fd = ws_metrics_fd(mx);
	/* SIGTERM is held across fork: a new child takes it only once its own
	 * handler is in place (ws_session_serve, the idle sweep). */
	sigemptyset(&term);
	sigaddset(&term, SIGTERM);
	while (!ws_stop) {
		struct sockaddr_storage ss = { 0 };
		double now = ws_clock_now();
		socklen_t sslen = sizeof(ss);
		struct rusage ru;
		char ip[64], source[64];
		int fd, port;
		pid_t pid;

		ws_metrics_tick(mx, pen, now);
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
			if (ws_metrics_reaped(mx, pid, status)) {
				continue;
			} else if (pid == sweeper) {
				sweeper = 0;
			} else if (ws_children_remove(kids, pid, source, sizeof(source)) &&
			    WIFSIGNALED(status) && !ws_penalty_exempt(ctx->cfg, source)) {
				/* A connection process that dies before login may be
				 * someone probing for memory errors: OpenSSH's crash
				 * penalty. */
				ws_penalty_add(pen, source, ws_clock_now(), ctx->cfg->penalty_crash);
			}
		}
		/* Idle stop runs in its own process: Docker calls block. */
		if (ctx->cfg->idle_stop > 0 && sweeper == 0 &&
		    now - last_sweep >= ws_idle_interval(ctx->cfg->idle_stop)) {
			last_sweep = now;
			sigprocmask(SIG_BLOCK, &term, &old);
			if ((sweeper = fork()) == 0) {
				close(lfd);
				close(pipefd[0]);
				ws_metrics_forget(mx);
				/* A sweep is short (docker_timeout bounds it): it ends
				 * by itself, through ws_proc_exit. */
				signal(SIGTERM, SIG_IGN);
				sigprocmask(SIG_SETMASK, &old, NULL);
				signal(SIGINT, SIG_DFL);
				ws_log_set_tag("[idle]");
				ws_proc_exit(ws_idle_sweep(ctx->cfg) >= 0 ? 0 : 1);
			}
			sigprocmask(SIG_SETMASK, &old, NULL);
			if (sweeper < 0)
				sweeper = 0;
		}
		if (poll(pfd, 3, 1000) <= 0)
			continue;
		ws_metrics_read(mx);
		while (read(pipefd[0], &note, sizeof(note)) == (ssize_t)sizeof(note)) {
			note.ip[sizeof(note.ip) - 1] = '\0';
			if (note.kind == 'A')
				ws_children_authed(kids, note.pid);
			else if (note.kind == 'F' && !ws_penalty_exempt(ctx->cfg, note.ip))
				ws_penalty_fail(pen, note.ip, ws_clock_now());
			else if (note.kind == 'G' && !ws_penalty_exempt(ctx->cfg, note.ip))
				ws_penalty_add(pen, note.ip, ws_clock_now(), ctx->cfg->penalty_grace);
			else if (note.kind == 'C' && !ws_penalty_exempt(ctx->cfg, note.ip))
				ws_penalty_add(pen, note.ip, ws_clock_now(), ctx->cfg->penalty_crash);
		}
		if (!(pfd[0].revents & POLLIN))
			continue;
		fd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
				ws_warn("accept: %s", strerror(errno));
			continue;
		}
		ws_peer(&ss, ip, sizeof(ip), &port);
		if (ws_penalty_refused(pen, ip, ws_clock_now()) > 0) {
			ws_info("refusing %s port %d: penalised for failed logins (%.0f s left)", ip, port,
			    ws_penalty_refused(pen, ip, ws_clock_now()));
			ws_metrics_incoming(mx, WS_MC_PENALISED);
			close(fd);
			continue;
		}
		ws_addr_source(ip, source, sizeof(source));
		if (!ws_admit(ctx->cfg, &su, kids, source, ip, port)) {
			ws_metrics_incoming(mx, WS_MC_DROPPED);
			close(fd);
			continue;
		}
		sigprocmask(SIG_BLOCK, &term, &old);
		pid = fork();
		if (pid != 0)
			sigprocmask(SIG_SETMASK, &old, NULL);
		if (pid < 0) {
			ws_warn("fork: %s; dropping connection from %s", strerror(errno), ip);
			ws_metrics_incoming(mx, WS_MC_DROPPED);
			close(fd);
			continue;
		}
		if (pid == 0) {
			char tag[96];
			close(lfd);
			close(pipefd[0]);
			ws_metrics_forget(mx);
			signal(SIGINT, SIG_DFL);
			signal(SIGCHLD, SIG_DFL);
			snprintf(tag, sizeof(tag), "[%s:%d]", ip, port);
			ws_log_set_tag(tag);
			ws_debug("connection");
			ws_proc_exit(ws_monitor_serve(ctx, fd, ip, port));
		}
		close(fd);
		ws_metrics_connection(mx, pid);
		if (ws_children_add(kids, pid, source) != WS_OK)
			ws_warn("connection table full; not counting pid %ld", (long)pid);
	}
	ws_info("stopping (sessions in progress continue)");
	ws_metrics_free(mx);
	close(pipefd[0]);
	close(pipefd[1]);
	ws_children_free(kids);
	ws_penalty_free(pen);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "config-doc", no_argument, NULL, 'C' },
		{ NULL, 0, NULL, 0 },
	};
	struct ws_config *cfg = NULL;
	struct ws_session_ctx ctx;
	const char *path = WS_DEFAULT_CONFIG;
	ssh_key hostkey = NULL;
	char *hostkey_line = NULL;
	ssh_bind bind = NULL;
	char err[512], ca_pub[WS_USERCA_PUB_MAX], ca_fp[WS_USERCA_FP_MAX];
	int opt, test = 0, debug = 0, lfd = -1, ret = 1;
	struct sigaction sa;

	if (argc > 1 && strcmp(argv[1], WS_METRICS_HTTP_ARG) == 0)
		return ws_metrics_http_main(argc, argv);
	while ((opt = getopt_long(argc, argv, "f:tdhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			path = optarg;
			break;
		case 't':
			test = 1;
			break;
		case 'd':
			debug = 1;
			break;
		case 'h':
			ws_usage(stdout);
			return 0;
		case 'V':
			printf("wsgate %s (libssh %s)\n", WS_VERSION, ssh_version(0));
			return 0;
		case 'C':
			ws_config_write_doc(stdout);
			return 0;
		default:
			ws_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		ws_usage(stderr);
		return 2;
	}
	if ((cfg = ws_config_new()) == NULL) {
		fprintf(stderr, "wsgate: out of memory\n");
		return 1;
	}
	if (ws_config_load(cfg, path, 1, err, sizeof(err)) != WS_OK ||
	    ws_config_check(cfg, err, sizeof(err)) != WS_OK ||
	    ws_privsep_check(cfg->privsep_user, err, sizeof(err)) != WS_OK) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	if (test) {
		printf("%s: configuration OK\n", path);
		ret = 0;
		goto out;
	}
	/* What workspaces write is parsed in jails as that user (jail.h). */
	ws_jail_user(cfg->privsep_user);
	ws_log_set_level(debug ? WS_LOG_DEBUG : (enum ws_log_level)ws_log_level_parse(cfg->log_level));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ws_on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	if (ssh_init() != SSH_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ws_error("library initialisation failed");
		goto out;
	}
	/* The listener (and so every connection process) holds only the CA's
	 * public half: the private key is read to sign, and wiped, by the
	 * process that logs in to a workspace, while it is still root. */
	/* The host key likewise: the listener takes its public half from a
	 * forked loader; each monitor reads the private key after forking its
	 * connection process (monitor.c). */
	if (ws_key_public_of(cfg->host_key, &hostkey) != WS_OK ||
	    ws_userca_ensure(cfg->user_ca_key) != WS_OK)
		goto out;
	if (ws_userca_public(cfg->user_ca_key, ca_pub, sizeof(ca_pub), ca_fp, sizeof(ca_fp)) != WS_OK) {
		ws_error("cannot read the user certificate authority %s: it must be an unencrypted ed25519 OpenSSH key",
		    cfg->user_ca_key);
		goto out;
	}
	if ((hostkey_line = ws_keyline_make(hostkey)) == NULL)
		goto out;
	bind = ws_make_bind(hostkey);
	hostkey = NULL; /* taken */
	if (bind == NULL)
		goto out;
	if (ws_audit_open(cfg->audit_log) != WS_OK) {
		ws_error("cannot open audit log %s: %s", cfg->audit_log, strerror(errno));
		goto out;
	}
	if ((lfd = ws_listen(cfg->listen_address, cfg->listen_port)) < 0)
		goto out;
	ws_key_warm();
	ws_info("wsgate %s listening on %s port %d", WS_VERSION, cfg->listen_address,
	    cfg->listen_port);
	ctx.cfg = cfg;
	ctx.bind = bind;
	ctx.hostkey_line = hostkey_line;
	ctx.user_ca = ca_pub;
	ctx.ca_fp = ca_fp;
	ret = ws_serve(&ctx, lfd);
out:
	if (lfd >= 0)
		close(lfd);
	ssh_bind_free(bind);
	ssh_key_free(hostkey);
	free(hostkey_line);
	ws_config_free(cfg);
	return ret;
}
