/* mon_try.c — the monitor's half of a workspace login (TRY/TRIED): it
 * connects to the workspace's sshd, signs a certificate for the child's
 * session key (that workspace's principal only, about a minute, without
 * the extensions the person's key may not have), hands both over, and
 * waits, within bounds, for what the child found. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "mon_int.h"
#include "upstream.h"
#include "userca.h"

/* A TCP connection to the workspace's sshd, made within timeout_s:
 * the descriptor, or -1 (why set: nothing listens yet, or the address). */
static int ws_mon_connect(const char *address, int port, int timeout_s, char *why, size_t whylen)
{
	struct addrinfo hints, *ai = NULL, *p;
	char service[8];
	int fd = -1, one = 1, err = 0;
	socklen_t elen = sizeof(err);

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	snprintf(service, sizeof(service), "%d", port);
	if (getaddrinfo(address, service, &hints, &ai) != 0) {
		snprintf(why, whylen, "cannot resolve publish_address %s", address);
		return -1;
	}
	snprintf(why, whylen, "nothing listens on %s port %d yet", address, port);
	for (p = ai; p != NULL && fd < 0; p = p->ai_next) {
		struct pollfd pfd;
		fd = socket(p->ai_family, p->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, p->ai_protocol);
		if (fd < 0)
			continue;
		pfd.fd = fd;
		pfd.events = POLLOUT;
		if ((connect(fd, p->ai_addr, p->ai_addrlen) != 0 && errno != EINPROGRESS) ||
		    poll(&pfd, 1, timeout_s * 1000) != 1 ||
		    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) != 0 || err != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(ai);
	if (fd >= 0)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

/* Signs the certificate the child logs in with: for its session key, the
 * workspace's principal only, about a minute, without the extensions the
 * person's key may not have. Returns its base64 (free()) or NULL. */
static char *ws_mon_cert(struct ws_mon *m, const char *key_id)
{
	const struct ws_conn *c = &m->c;
	const struct ws_upstream_params up = { .name = c->name, .key_id = key_id,
		.no_pty = c->restr.no_pty, .no_port_forwarding = c->restr.no_port_forwarding,
		.no_agent_forwarding = c->restr.no_agent_forwarding,
		.no_x11_forwarding = c->restr.no_x11_forwarding };
	struct ws_usercert_req req;
	char principal[WS_USERCA_PRINCIPAL_MAX + 1], *cert = NULL;
	ws_err rc;

	ws_upstream_cert_req(&up, principal, sizeof(principal), &req);
	rc = ws_userca_sign_b64(m->ctx->cfg->user_ca_key, m->key, &req, &cert);
	if (rc != WS_OK) {
		ws_error("cannot sign a certificate with %s: %s", m->ctx->cfg->user_ca_key, ws_err_str(rc));
		return NULL;
	}
	return cert;
}

/* Waits up to timeout_s for the child's TRIED (its log lines meanwhile
 * are the monitor's to relay: this runs in the login worker). */
static ws_err ws_mon_tried(struct ws_mon *m, int timeout_s, char *why, size_t whylen)
{
	struct pollfd pfd = { .fd = m->req_sock, .events = POLLIN };
	double end = ws_clock_now() + timeout_s;
	struct ws_conn *c = &m->c;
	uint32_t out;
	ws_err rc;

	while (m->state != WS_MON_CLOSED) {
		int left = (int)((end - ws_clock_now()) * 1000);
		if (left <= 0) {
			/* A slow sshd, not a breach: no crash penalty. */
			ws_warn("process %ld did not finish its login to the workspace in %d s; ending it",
			    (long)m->child, timeout_s);
			kill(m->child, SIGKILL);
			m->killed = WS_MON_KILLED_SLOW;
			ws_mon_set_state(m, WS_MON_CLOSED);
			break;
		}
		if (poll(&pfd, 1, left) <= 0)
			continue;
		rc = ws_mp_recv(m->req_sock, &m->mp);
		if (rc == WS_ERR_IO) {
			ws_mon_set_state(m, WS_MON_CLOSED);  /* it ended */
			break;
		}
		if (rc != WS_OK || m->mp.fd >= 0 ||
		    ws_mp_type(&m->mp) != WS_MP_TRIED || !ws_mp_valid(&m->mp, "4sss")) {
			ws_mp_close_fd(&m->mp);
			ws_mon_violation(m, "something else than its workspace login's outcome");
			break;
		}
		out = ws_mp_get_u32(&m->mp);
		ws_mp_get_str(&m->mp, why, whylen);
		ws_mp_get_str(&m->mp, c->kex, sizeof(c->kex));
		ws_mp_get_str(&m->mp, c->cipher, sizeof(c->cipher));
		if (!ws_mp_done(&m->mp) || (out != WS_OK && out != WS_ERR_IO && out != WS_ERR_DENIED &&
		    out != WS_ERR_HOSTKEY && out != WS_ERR_SSH)) {
			ws_mon_violation(m, "a malformed workspace login outcome");
			break;
		}
		return (ws_err)out;
	}
	snprintf(why, whylen, "the connection's process ended");
	return WS_ERR_SSH;
}

ws_err ws_mon_try(struct ws_mon *m, int port, const char *hostkey, const char *key_id,
    char *why, size_t whylen)
{
	const struct ws_config *cfg = m->ctx->cfg;
	struct ws_mp *t = &m->mp;
	char *cert = NULL;
	int fd = -1;
	ws_err rc = WS_ERR_SSH;

	if (m->state == WS_MON_CLOSED) {
		snprintf(why, whylen, "the connection's process ended");
		goto out;
	}
	if ((fd = ws_mon_connect(cfg->publish_address, port, cfg->docker_timeout, why, whylen)) < 0) {
		rc = WS_ERR_IO;
		goto out;
	}
	if ((cert = ws_mon_cert(m, key_id)) == NULL) {
		snprintf(why, whylen, "the gateway cannot sign its certificate; ask an administrator");
		goto out;
	}
	ws_mp_start(t, WS_MP_TRY);
	ws_mp_put_u32(t, (uint32_t)port);
	ws_mp_put_str(t, hostkey);
	ws_mp_put_str(t, cert);
	ws_mp_put_str(t, cfg->workspace_user);
	ws_mp_put_u32(t, (uint32_t)cfg->docker_timeout);
	t->fd = fd;
	if (ws_mp_send(m->req_sock, t, 1) != WS_OK) {
		ws_mon_violation(m, "it does not take the monitor's requests");
		snprintf(why, whylen, "the connection's process ended");
		goto out;
	}
	close(fd);
	fd = -1;
	/* Each of its three waits (the handshake, the service, the login's
	 * answer) is bounded by the timeout; a little more for it to say so. */
	rc = ws_mon_tried(m, 3 * cfg->docker_timeout + 5, why, whylen);
out:
	if (fd >= 0)
		close(fd);
	free(cert);
	return rc;
}
