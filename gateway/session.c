#include "session.h"

#include <libssh/callbacks.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "authkeys.h"
#include "bridge.h"
#include "clock.h"
#include "docker.h"
#include "log.h"
#include "names.h"
#include "upstream.h"
#include "workspace.h"

struct ws_conn {
	const struct ws_session_ctx *ctx;
	ssh_session down, up;
	struct ssh_server_callbacks_struct scb;
	struct ws_bridges *bridges;
	struct ws_authkey_restrict restr;
	const char *peer_ip;
	int peer_port;
	int authed, fatal, failures;
	char name[WS_NAME_MAX + 1];
	char key_fp[128];       /* fingerprint of the accepted key */
	char port_str[8];
	double started;         /* when the session began (after login) */
};

/* One audit line about this connection; user is the name asked for. */
static void ws_audit_auth(struct ws_conn *c, const char *user, const char *fp, const char *result)
{
	const char *kv[] = { "src", c->peer_ip, "port", c->port_str, "account", "-",
		"workspace", user, "method", "publickey", "key", fp, "result", result, NULL };

	ws_audit("auth", kv);
}

/* Tells the client one line during authentication (SSH_MSG_USERAUTH_BANNER:
 * shown on stderr by OpenSSH, never mixed into a data stream). */
static void ws_tell(struct ws_conn *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void ws_tell(struct ws_conn *c, const char *fmt, ...)
{
	char line[700];
	ssh_string s;
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "wsgate: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	n = (int)strlen(line);
	line[n] = '\n';
	line[n + 1] = '\0';
	if ((s = ssh_string_from_char(line)) != NULL) {
		ssh_send_issue_banner(c->down, s);
		ssh_string_free(s);
	}
}

/* Starts or creates the workspace and logs in to its sshd. On failure tells
 * the client why and returns non-zero. */
static int ws_reach_workspace(struct ws_conn *c)
{
	const struct ws_config *cfg = c->ctx->cfg;
	struct ws_workspace_params wp = {
		.image = cfg->image, .publish_address = cfg->publish_address,
		.port_min = cfg->port_min, .port_max = cfg->port_max,
		.gateway_key = c->ctx->client_pub,
	};
	struct ws_workspace_target t;
	struct ws_upstream_params up;
	struct ws_docker *d = NULL;
	char why[600], detail[400];
	double start = ws_clock_now(), last_check = start;
	ws_err rc;
	int ret = 1;

	if ((d = ws_docker_new(cfg->docker_socket, cfg->docker_timeout)) == NULL) {
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	rc = ws_workspace_ensure(d, &wp, c->name, &t, why, sizeof(why));
	if (rc != WS_OK) {
		if (rc == WS_ERR_DOCKER_DOWN || rc == WS_ERR_TIMEOUT)
			snprintf(why, sizeof(why),
			    "workspace '%s' could not be started: the Docker engine is not answering at %s",
			    c->name, cfg->docker_socket);
		goto fail;
	}
	memset(&up, 0, sizeof(up));
	up.address = cfg->publish_address;
	up.port = t.port;
	up.user = cfg->workspace_user;
	up.hostkey = t.hostkey;
	up.client_key = c->ctx->client_key;
	up.timeout_s = cfg->docker_timeout;
	for (;;) {
		rc = ws_upstream_connect(&up, &c->up, detail, sizeof(detail));
		if (rc == WS_OK)
			break;
		if (rc != WS_ERR_IO) {
			snprintf(why, sizeof(why), "workspace '%s': %s", c->name, detail);
			goto fail;
		}
		if (ws_clock_now() - start > cfg->sshd_wait_timeout) {
			snprintf(why, sizeof(why),
			    "workspace '%s' did not answer within %d s: its sshd sent no SSH banner on port %d",
			    c->name, cfg->sshd_wait_timeout, t.port);
			goto fail;
		}
		if (ws_clock_now() - last_check > 1.0) {
			last_check = ws_clock_now();
			if (ws_workspace_check_running(d, c->name, why, sizeof(why)) != WS_OK)
				goto fail;
		}
		ws_clock_sleep_ms(100);
	}
	ws_info("workspace %s reached on port %d in %.0f ms%s", c->name, t.port,
	    (ws_clock_now() - start) * 1000, t.created ? " (created)" : t.started ? " (started)" : "");
	ret = 0;
	goto out;
fail:
	ws_warn("workspace %s for %s: %s", c->name, c->peer_ip, why);
	ws_tell(c, "%s", why);
out:
	ws_docker_free(d);
	return ret;
}

static void ws_fingerprint(ssh_key key, char *out, size_t outlen)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;

	snprintf(out, outlen, "?");
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
		return;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	if (fp != NULL)
		snprintf(out, outlen, "%s", fp);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
}

/* Reports to the listener (max_startups, penalties). */
static void ws_notify(struct ws_conn *c, char kind)
{
	struct ws_notice n;

	memset(&n, 0, sizeof(n));
	n.pid = getpid();
	n.kind = kind;
	snprintf(n.ip, sizeof(n.ip), "%s", c->peer_ip);
	(void)!write(c->ctx->notify_fd, &n, sizeof(n));
}

/* Counts a failed attempt; past the limit the connection is ended. */
static int ws_auth_failed(struct ws_conn *c)
{
	if (++c->failures >= c->ctx->cfg->max_auth_tries) {
		ws_tell(c, "too many authentication failures");
		c->fatal = 1;
	}
	return SSH_AUTH_DENIED;
}

static int ws_auth_pubkey(ssh_session session, const char *user, struct ssh_key_struct *pubkey,
    char signature_state, void *userdata)
{
	struct ws_conn *c = userdata;
	struct ws_authkey_restrict r;
	char why[200], fp[128];
	ws_err rc;

	(void)session;
	if (c->fatal || c->authed)
		return SSH_AUTH_DENIED;
	if (c->name[0] == '\0') {
		if (ws_name_check(user, why, sizeof(why)) != WS_OK) {
			/* Refused before Docker is touched, with the reason. */
			ws_info("invalid workspace name from %s", c->peer_ip);
			ws_audit_auth(c, user, "-", "invalid-name");
			c->failures++;
			ws_tell(c, "cannot log in as '%.64s': %s", user, why);
			c->fatal = 1;
			return SSH_AUTH_DENIED;
		}
		snprintf(c->name, sizeof(c->name), "%s", user);
	} else if (strcmp(c->name, user) != 0) {
		/* OpenSSH never changes user mid-authentication; others must not. */
		c->fatal = 1;
		return SSH_AUTH_DENIED;
	}
	if (signature_state != SSH_PUBLICKEY_STATE_NONE &&
	    signature_state != SSH_PUBLICKEY_STATE_VALID) {
		ws_fingerprint(pubkey, fp, sizeof(fp));
		ws_audit_auth(c, user, fp, "bad-signature");
		return ws_auth_failed(c);
	}
	rc = ws_authkeys_match_file(c->ctx->cfg->authorized_keys, pubkey, c->peer_ip,
	    time(NULL), &r);
	ws_fingerprint(pubkey, fp, sizeof(fp));
	if (rc != WS_OK) {
		ws_info("refused key %s for %s from %s port %d", fp, c->name, c->peer_ip, c->peer_port);
		ws_audit_auth(c, user, fp, "refused");
		return ws_auth_failed(c);
	}
	if (signature_state == SSH_PUBLICKEY_STATE_NONE) {
		ws_audit_auth(c, user, fp, "key-ok");
		return SSH_AUTH_SUCCESS; /* libssh answers PK_OK: prove it next */
	}
	ws_info("accepted key %s for %s from %s port %d", fp, c->name, c->peer_ip, c->peer_port);
	/* The grace timer covers the client, not the workspace start. */
	alarm(0);
	if (ws_reach_workspace(c) != 0) {
		ws_audit_auth(c, user, fp, "workspace-unavailable");
		c->fatal = 1;
		return SSH_AUTH_DENIED;
	}
	ws_audit_auth(c, user, fp, "accepted");
	/* Tell the listener we no longer count against max_startups. */
	ws_notify(c, 'A');
	snprintf(c->key_fp, sizeof(c->key_fp), "%s", fp);
	c->restr = r;
	c->authed = 1;
	return SSH_AUTH_SUCCESS;
}

static ssh_channel ws_open_session(ssh_session session, void *userdata)
{
	struct ws_conn *c = userdata;

	(void)session;
	if (!c->authed || c->bridges == NULL)
		return NULL;
	return ws_bridges_open_session(c->bridges);
}

/* Requests libssh hands to us as messages. Returning 1 makes libssh refuse
 * with the default reply, so nothing that wants an answer is left hanging. */
static int ws_on_message(ssh_session session, ssh_message msg, void *userdata)
{
	struct ws_conn *c = userdata;

	(void)session;
	if (ssh_message_type(msg) == SSH_REQUEST_CHANNEL_OPEN &&
	    ssh_message_subtype(msg) == SSH_CHANNEL_DIRECT_TCPIP)
		return ws_bridges_open_direct(c->bridges, msg);
	if (ssh_message_type(msg) == SSH_REQUEST_GLOBAL)
		return ws_bridges_global_request(c->bridges, msg);
	ws_debug("refusing request type %d/%d", ssh_message_type(msg), ssh_message_subtype(msg));
	return 1;
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

static void ws_grace_expired(int sig)
{
	static const char msg[] = "wsgate: login grace time expired\n";

	(void)sig;
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
	_exit(1);
}

int ws_session_serve(const struct ws_session_ctx *ctx, int fd, const char *peer_ip,
    int peer_port)
{
	struct ws_conn c;
	ssh_event ev = NULL;
	int one = 1, waiting = 0, ret = 1;
	double last_alive;

	memset(&c, 0, sizeof(c));
	c.ctx = ctx;
	c.peer_ip = peer_ip;
	c.peer_port = peer_port;
	snprintf(c.port_str, sizeof(c.port_str), "%d", peer_port);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	ws_keepalive_setup(fd, ctx->cfg);
	signal(SIGALRM, ws_grace_expired);
	alarm((unsigned)ctx->cfg->login_grace_time);

	if ((c.down = ssh_new()) == NULL)
		goto out;
	if (ssh_bind_accept_fd(ctx->bind, c.down, fd) != SSH_OK) {
		ws_warn("accept from %s: %s", peer_ip, ssh_get_error(ctx->bind));
		close(fd);
		goto out;
	}
	c.scb.userdata = &c;
	c.scb.auth_pubkey_function = ws_auth_pubkey;
	c.scb.channel_open_request_session_function = ws_open_session;
	ssh_callbacks_init(&c.scb);
	ssh_set_server_callbacks(c.down, &c.scb);
	if (ssh_handle_key_exchange(c.down) != SSH_OK) {
		ws_info("key exchange with %s port %d failed: %s", peer_ip, peer_port,
		    ssh_get_error(c.down));
		goto out;
	}
	ssh_set_auth_methods(c.down, SSH_AUTH_METHOD_PUBLICKEY);
	if ((ev = ssh_event_new()) == NULL || ssh_event_add_session(ev, c.down) != SSH_OK)
		goto out;
	while (!c.authed && !c.fatal && !ws_dead(c.down))
		ssh_event_dopoll(ev, 1000);
	if (!c.authed)
		goto out;
	alarm(0);

	ssh_set_blocking(c.up, 0);
	if (ssh_event_add_session(ev, c.up) != SSH_OK)
		goto out;
	c.bridges = ws_bridges_new(c.down, c.up, ctx->cfg->max_channels, &c.restr);
	if (c.bridges == NULL)
		goto out;
	ssh_set_message_callback(c.down, ws_on_message, &c);
	{
		const char *kv[] = { "src", c.peer_ip, "port", c.port_str, "account", "-",
			"workspace", c.name, "method", "publickey", "key", c.key_fp, NULL };
		ws_audit("session-start", kv);
	}
	c.started = ws_clock_now();
	last_alive = ws_clock_now();
	for (;;) {
		ssh_event_dopoll(ev, waiting ? 20 : 1000);
		if (ctx->cfg->client_alive_interval > 0 &&
		    ws_clock_now() - last_alive >= ctx->cfg->client_alive_interval) {
			ssh_send_keepalive(c.down);
			last_alive = ws_clock_now();
		}
		waiting = ws_bridges_pump(c.bridges);
		if (ws_dead(c.down))
			break;
		if (ws_dead(c.up)) {
			char msg[200];
			snprintf(msg, sizeof(msg), "wsgate: connection to workspace '%s' lost", c.name);
			ws_warn("%s", msg + 8);
			ws_bridges_upstream_lost(c.bridges, msg);
			ssh_blocking_flush(c.down, 2000);
			break;
		}
	}
	ret = 0;
	{
		char in[24], outb[24], dur[24];
		uint64_t bin, bout;
		const char *kv[] = { "src", c.peer_ip, "port", c.port_str, "account", "-",
			"workspace", c.name, "bytes_in", in, "bytes_out", outb, "duration", dur, NULL };
		ws_bridges_bytes(c.bridges, &bin, &bout);
		snprintf(in, sizeof(in), "%llu", (unsigned long long)bin);
		snprintf(outb, sizeof(outb), "%llu", (unsigned long long)bout);
		snprintf(dur, sizeof(dur), "%.3f", ws_clock_now() - c.started);
		ws_audit("session-end", kv);
	}
out:
	if (!c.authed && c.failures > 0)
		ws_notify(&c, 'F');
	if (c.fatal && c.down != NULL) {
		ssh_blocking_flush(c.down, 2000);
	}
	ws_bridges_free(c.bridges);
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
		ssh_disconnect(c.down);
		ssh_free(c.down);
	}
	return ret;
}
