/* channels.c — the channels of one client connection (bridge.h): takes the
 * messages libssh queued from both peers to relay.c (requests) and
 * forward.c (opens, global requests), and moves every pair on: requests
 * first, then data (bridge.c). Nothing below calls up into this file. */
#include "bridge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkeys.h"
#include "bridge_int.h"
#include "log.h"
#include "recq.h"

struct ws_bridges *ws_bridges_new(ssh_session down, ssh_session up, int max_channels,
    const struct ws_authkey_restrict *restr)
{
	struct ws_bridges *set = calloc(1, sizeof(*set));

	if (set == NULL)
		return NULL;
	set->down = down;
	set->up = up;
	set->max_channels = max_channels;
	set->no_pty = restr->no_pty;
	set->no_port_forwarding = restr->no_port_forwarding;
	set->no_agent = restr->no_agent_forwarding;
	set->no_x11 = restr->no_x11_forwarding;
	return set;
}

/* Requests hold b's channel in their messages: they go first. */
static void ws_pair_free(struct ws_bridge *b)
{
	ws_record_end(b);
	ws_relay_drop(b, 0);
	ws_bridge_free(b);
}

void ws_bridges_free(struct ws_bridges *set)
{
	struct ws_bridge *b, *next;

	if (set == NULL)
		return;
	ws_forward_free(set);
	for (b = set->head; b != NULL; b = next) {
		next = b->next;
		ws_pair_free(b);
	}
	ws_recq_free(set->rec);
	free(set);
}

/* Moves the first pair to the end. libssh asks for POLLOUT after every
 * write, so a session takes one write per turn of the loop: the pair that
 * goes first each turn must change, or a download starves a shell. */
static void ws_bridges_rotate(struct ws_bridges *set)
{
	struct ws_bridge *first = set->head, *last;

	if (first == NULL || first->next == NULL)
		return;
	set->head = first->next;
	for (last = set->head; last->next != NULL; last = last->next)
		;
	last->next = first;
	first->next = NULL;
}

/* Frees the pairs that are over: both sides closed and answered. */
static void ws_bridges_reap(struct ws_bridges *set)
{
	struct ws_bridge **pp = &set->head, *b;

	while ((b = *pp) != NULL) {
		if (ws_bridge_finished(b)) {
			*pp = b->next;
			set->count--;
			ws_pair_free(b);
		} else {
			pp = &b->next;
		}
	}
}

static struct ws_bridge *ws_bridge_of(struct ws_bridges *set, ssh_channel down)
{
	struct ws_bridge *b;

	for (b = set->head; b != NULL; b = b->next)
		if (b->c2w.src == down)
			return b;
	return NULL;
}

/* A request on one of the client's channels. */
static void ws_channel_request(struct ws_bridges *set, ssh_message msg)
{
	struct ws_bridge *b = ws_bridge_of(set, ssh_message_channel_request_channel(msg));

	if (b != NULL && !b->abort && !b->down_closed) {
		ws_relay_message(b, msg);
		return;
	}
	/* Its channel is closed, maybe freed since: no answer is due, and the
	 * message's channel must not be touched. */
	ssh_message_free(msg);
}

void ws_bridges_message(struct ws_bridges *set, ssh_message msg, int from_workspace)
{
	int type = ssh_message_type(msg);

	if (type == SSH_REQUEST_CHANNEL_OPEN) {
		ws_bridges_reap(set); /* a pair both peers closed makes room now */
		if (from_workspace)
			ws_open_from_workspace(set, msg);
		else
			ws_open_from_client(set, msg);
		return;
	}
	if (!from_workspace && type == SSH_REQUEST_GLOBAL) {
		ws_global_from_client(set, msg);
		return;
	}
	if (!from_workspace && type == SSH_REQUEST_CHANNEL) {
		ws_channel_request(set, msg);
		return;
	}
	ws_debug("refusing a request (type %d/%d) from the %s", type, ssh_message_subtype(msg),
	    from_workspace ? "workspace" : "client");
	ssh_message_reply_default(msg);
	ssh_message_free(msg);
}

int ws_bridges_pump(struct ws_bridges *set)
{
	struct ws_bridge *b;
	int waiting = ws_forward_step(set);

	for (b = set->head; b != NULL; b = b->next) {
		if (!b->abort)
			waiting |= ws_relay_step(b);
		waiting |= ws_bridge_pump(b);
	}
	ws_bridges_reap(set);
	ws_bridges_rotate(set);
	/* Recordings the monitor could not take yet: soon again. */
	if (set->rec != NULL && ws_recq_flush(set->rec))
		waiting = 1;
	/* Reads above may have taken in more than they moved. */
	for (b = set->head; b != NULL && !waiting; b = b->next)
		waiting = b->c2w.pending[0] || b->c2w.pending[1] || b->w2c.pending[0] ||
		    b->w2c.pending[1];
	return waiting;
}

void ws_bridges_bytes(const struct ws_bridges *set, uint64_t *in, uint64_t *out)
{
	*in = set->bytes_in;
	*out = set->bytes_out;
}

int ws_bridges_count(const struct ws_bridges *set)
{
	return set->count;
}

void ws_bridges_kinds(const struct ws_bridges *set, unsigned n[WS_BRIDGE_KINDS])
{
	const struct ws_bridge *b;

	memset(n, 0, WS_BRIDGE_KINDS * sizeof(n[0]));
	for (b = set->head; b != NULL; b = b->next)
		if (b->kind >= 0 && b->kind < WS_BRIDGE_KINDS)
			n[b->kind]++;
}

const char *ws_bridges_fatal(const struct ws_bridges *set)
{
	return set->fatal;
}

void ws_bridges_upstream_lost(struct ws_bridges *set, const char *msg)
{
	struct ws_bridge *b;
	char line[600];
	int n = snprintf(line, sizeof(line), "%s\r\n", msg);

	if (n < 0 || (size_t)n >= sizeof(line))
		n = (int)sizeof(line) - 1;
	for (b = set->head; b != NULL; b = b->next) {
		ws_relay_drop(b, 1);
		ws_bridge_lost(b, line, (size_t)n);
	}
}
