/* forward.c — channels beyond sessions: ssh -L/-D/-W (direct-tcpip from the
 * workspace's sshd), ssh -R (listeners on the workspace, forwarded-tcpip back),
 * and the agent and X11 channels the workspace opens towards the client. */
#include <libssh/server.h>
#include <stdio.h>
#include <string.h>

#include "bridge_int.h"
#include "log.h"

/* The workspace opens a channel towards the client (agent or X11): open its
 * twin on the client connection, then hand libssh the workspace side. */
static ssh_channel ws_open_towards_client(struct ws_bridges *set, const char *orig, int oport)
{
	ssh_channel down = NULL, up = NULL;
	int rc;

	if (set->count >= set->max_channels)
		return NULL;
	/* Inside a request relayed to the workspace the client's session is
	 * locked by the callback we are in: an open there could not be answered
	 * until the relay's timeout. Refused; the workspace's tool retries. */
	if (set->up_busy) {
		ws_info("refusing the workspace's %s channel while a request is relayed", orig ? "X11" : "agent");
		return NULL;
	}
	if ((down = ssh_channel_new(set->down)) == NULL || (up = ssh_channel_new(set->up)) == NULL)
		goto fail;
	ssh_set_blocking(set->down, 1);
	rc = orig ? ssh_channel_open_x11(down, orig, oport) : ssh_channel_open_auth_agent(down);
	ssh_set_blocking(set->down, 0);
	if (rc != SSH_OK || ws_bridge_attach(set, down, up, 0) != 0)
		goto fail;
	return up;
fail:
	ssh_channel_free(down);
	ssh_channel_free(up);
	return NULL;
}

ssh_channel ws_on_agent_open(ssh_session session, void *userdata)
{
	struct ws_bridges *set = userdata;

	(void)session;
	return set->agent_asked ? ws_open_towards_client(set, NULL, 0) : NULL;
}

ssh_channel ws_on_x11_open(ssh_session session, const char *orig, int oport,
    void *userdata)
{
	struct ws_bridges *set = userdata;

	(void)session;
	return set->x11_asked ? ws_open_towards_client(set, orig ? orig : "127.0.0.1", oport) : NULL;
}

int ws_bridges_open_direct(struct ws_bridges *set, ssh_message msg)
{
	const char *host = ssh_message_channel_request_open_destination(msg);
	const char *orig = ssh_message_channel_request_open_originator(msg);
	int port = ssh_message_channel_request_open_destination_port(msg);
	int oport = ssh_message_channel_request_open_originator_port(msg);
	ssh_channel down = NULL, up = NULL;
	int rc;

	if (set->no_port_forwarding || set->count >= set->max_channels || host == NULL)
		return 1;
	if ((up = ssh_channel_new(set->up)) == NULL)
		return 1;
	/* Opened by the workspace's sshd, so "localhost" is the workspace. */
	ws_up_blocking(set, 1);
	rc = ssh_channel_open_forward(up, host, port, orig ? orig : "127.0.0.1", oport);
	ws_up_blocking(set, 0);
	if (rc != SSH_OK) {
		ws_debug("direct-tcpip to %s:%d refused by the workspace", host, port);
		ssh_channel_free(up);
		return 1;
	}
	if ((down = ssh_message_channel_request_open_reply_accept(msg)) == NULL) {
		ssh_channel_free(up);
		return 0; /* the client is gone; nothing to answer */
	}
	if (ws_bridge_attach(set, down, up, 0) != 0) {
		ssh_channel_close(down);
		ssh_channel_free(down);
		ssh_channel_free(up);
	}
	return 0;
}

int ws_bridges_global_request(struct ws_bridges *set, ssh_message msg)
{
	const char *addr = ssh_message_global_request_address(msg);
	int port = ssh_message_global_request_port(msg), bound = 0, rc, i;

	if (addr == NULL || set->no_port_forwarding)
		return 1;
	if (ssh_message_subtype(msg) == SSH_GLOBAL_REQUEST_TCPIP_FORWARD) {
		if (set->nrfwd >= WS_MAX_RFWD || strlen(addr) >= sizeof(set->rfwd[0].addr))
			return 1;
		ws_up_blocking(set, 1);
		rc = ssh_channel_listen_forward(set->up, addr, port, &bound);
		ws_up_blocking(set, 0);
		if (rc != SSH_OK)
			return 1;
		snprintf(set->rfwd[set->nrfwd].addr, sizeof(set->rfwd[0].addr), "%s", addr);
		set->rfwd[set->nrfwd].port = port;
		set->rfwd[set->nrfwd].bound = port ? port : bound;
		set->nrfwd++;
		ssh_message_global_request_reply_success(msg, (uint16_t)(port ? port : bound));
		ws_debug("remote forward %s:%d bound on port %d", addr, port, port ? port : bound);
		return 0;
	}
	if (ssh_message_subtype(msg) == SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD) {
		for (i = 0; i < set->nrfwd; i++)
			if (strcmp(set->rfwd[i].addr, addr) == 0 && set->rfwd[i].bound == port)
				break;
		if (i == set->nrfwd)
			return 1;
		ws_up_blocking(set, 1);
		rc = ssh_channel_cancel_forward(set->up, addr, port);
		ws_up_blocking(set, 0);
		set->rfwd[i] = set->rfwd[--set->nrfwd];
		if (rc != SSH_OK)
			return 1;
		ssh_message_global_request_reply_success(msg, 0);
		return 0;
	}
	return 1;
}

/* Connections to an ssh -R listener arrive from the workspace as
 * forwarded-tcpip channels: open the twin towards the client, named by the
 * listener the client asked for. */
void ws_accept_reverse(struct ws_bridges *set)
{
	ssh_channel up, down;
	char *orig = NULL;
	int dport = 0, oport = 0, i, rc;

	while (set->nrfwd > 0 &&
	    (up = ssh_channel_open_forward_port(set->up, 0, &dport, &orig, &oport)) != NULL) {
		for (i = 0; i < set->nrfwd && set->rfwd[i].bound != dport; i++)
			;
		ws_debug("forwarded connection to port %d from %s:%d", dport, orig ? orig : "?", oport);
		down = NULL;
		if (i < set->nrfwd && set->count < set->max_channels &&
		    (down = ssh_channel_new(set->down)) != NULL) {
			ssh_set_blocking(set->down, 1);
			rc = ssh_channel_open_reverse_forward(down, set->rfwd[i].addr, dport,
			    orig ? orig : "127.0.0.1", oport);
			ssh_set_blocking(set->down, 0);
			if (rc == SSH_OK && ws_bridge_attach(set, down, up, 0) == 0)
				down = up = NULL;
		}
		if (up != NULL) {
			ssh_channel_close(up);
			ssh_channel_free(up);
		}
		ssh_channel_free(down);
		ssh_string_free_char(orig);
		orig = NULL;
	}
}

