/* bridge.c — a pair of channels and the data between them. Each direction
 * is a flow with named states (see bridge_int.h); the pair closes a side once
 * everything owed to it has been delivered. Above it: relay.c (requests),
 * forward.c (opens, global requests), channels.c (the connection's set). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_int.h"
#include "clock.h"
#include "log.h"

/* Bytes moved per read from a channel's buffer. */
#define WS_CHUNK 32768

/* How long a client that closed may wait for the exit status the workspace
 * sends right after its EOF (PuTTY and dropbear close at EOF). */
#define WS_EXIT_WAIT 2.0

/* How long a client's CLOSE waits for the workspace to answer ours. */
#define WS_CLOSE_WAIT 5.0

static const char *const ws_flow_names[] = { "open", "drain", "eof", "dead" };

/* The one setter of a flow's state: logs each transition. */
static void ws_flow_set(struct ws_bridge *b, struct ws_flow *f, enum ws_flow_state st)
{
	if (f->state == st)
		return;
	ws_debug("channel %d %s: %s -> %s", b->id, f->name, ws_flow_names[f->state],
	    ws_flow_names[st]);
	f->state = st;
}

static size_t ws_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Room dst takes now: its window, and nothing while its session still holds
 * unsent output (a peer, the client or the workspace's sshd whose root may
 * run anything, must not make us buffer without bound by not reading). */
static size_t ws_room(ssh_channel dst)
{
	ssh_session s = ssh_channel_get_session(dst);

	if (ssh_get_poll_flags(s) & SSH_WRITE_PENDING)
		return 0;
	return ssh_channel_window_size(dst);
}

/* Writes at most what dst takes; returns bytes accepted. */
static size_t ws_write_some(ssh_channel dst, const char *data, size_t len, int is_stderr)
{
	size_t n = ws_min(len, ws_room(dst));
	int rc;

	if (n == 0 || !ssh_channel_is_open(dst))
		return 0;
	rc = is_stderr ? ssh_channel_write_stderr(dst, data, (uint32_t)n) :
	    ssh_channel_write(dst, data, (uint32_t)n);
	return rc > 0 ? (size_t)rc : 0;
}

static void ws_carry_clear(struct ws_carry *c)
{
	free(c->data);
	memset(c, 0, sizeof(*c));
}

/* Appends n bytes to c; returns 0, or -1 when memory is short. */
static int ws_carry_add(struct ws_carry *c, const char *data, size_t n)
{
	char *p;
	size_t cap;

	if (c->off + c->len + n > c->cap && c->off > 0) {
		memmove(c->data, c->data + c->off, c->len);
		c->off = 0;
	}
	if (c->len + n > c->cap) {
		cap = c->cap ? c->cap : WS_CHUNK;
		while (cap < c->len + n)
			cap *= 2;
		if ((p = realloc(c->data, cap)) == NULL)
			return -1;
		c->data = p;
		c->cap = cap;
	}
	memcpy(c->data + c->off + c->len, data, n);
	c->len += n;
	return 0;
}

static struct ws_flow *ws_flow_of(struct ws_bridge *b, ssh_channel channel)
{
	return channel == b->c2w.src ? &b->c2w : &b->w2c;
}

/* Data callback of both sides: the data stays in libssh's buffer (which
 * holds back our window: the flow control) and the pump moves it from the
 * top of the loop. Writing to the other session from here would flush it,
 * and flushing processes its incoming packets inside this callback. libssh
 * 0.12 counts what it buffers against the window it gives and ends the
 * session of a peer that sends past it (as OpenSSH does: "peer ignored
 * channel window"), so what waits here is bounded by the window. */
static int ws_on_data(ssh_session session, ssh_channel channel, void *data,
    uint32_t len, int is_stderr, void *userdata)
{
	struct ws_bridge *b = userdata;
	struct ws_flow *f = ws_flow_of(b, channel);

	(void)session;
	(void)data;
	if (f->state == WS_FLOW_DEAD || b->abort)
		return (int)len; /* dropped; libssh opens the window again */
	f->pending[is_stderr ? 1 : 0] = 1;
	return 0;
}

static void ws_on_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	struct ws_bridge *b = userdata;
	struct ws_flow *f = ws_flow_of(b, channel);

	(void)session;
	if (f->state == WS_FLOW_OPEN)
		ws_flow_set(b, f, WS_FLOW_DRAIN);
}

static void ws_on_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct ws_bridge *b = userdata;
	struct ws_flow *f = ws_flow_of(b, channel);

	(void)session;
	f->src_closed = 1;
	if (f->state == WS_FLOW_OPEN)
		ws_flow_set(b, f, WS_FLOW_DRAIN);
	/* libssh may still hold data (delayed close): drain it first. */
	f->pending[0] = f->pending[1] = 1;
}

static void ws_on_exit_status(ssh_session session, ssh_channel channel, int status,
    void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	if (b->exit_state == WS_EXIT_NONE) {
		b->exit_status = status;
		b->exit_state = WS_EXIT_HELD;
	}
}

static void ws_on_exit_signal(ssh_session session, ssh_channel channel, const char *sig,
    int core, const char *errmsg, const char *lang, void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	if (b->exit_state != WS_EXIT_NONE)
		return;
	b->exit_signal = strdup(sig ? sig : "KILL");
	b->exit_errmsg = strdup(errmsg ? errmsg : "");
	b->exit_lang = strdup(lang ? lang : "");
	b->exit_core = core;
	if (b->exit_signal && b->exit_errmsg && b->exit_lang)
		b->exit_state = WS_EXIT_HELD;
}

void ws_bridge_free(struct ws_bridge *b)
{
	int i;

	if (b == NULL)
		return;
	/* Callbacks point into b: detach before libssh may outlive it. */
	ssh_remove_channel_callbacks(b->c2w.src, &b->down_cb);
	ssh_channel_free(b->c2w.src);
	ssh_remove_channel_callbacks(b->w2c.src, &b->up_cb);
	ssh_channel_free(b->w2c.src);
	for (i = 0; i < 2; i++) {
		ws_carry_clear(&b->c2w.carry[i]);
		ws_carry_clear(&b->w2c.carry[i]);
	}
	free(b->exit_signal);
	free(b->exit_errmsg);
	free(b->exit_lang);
	free(b);
}

static void ws_bridge_callbacks(struct ws_bridge *b)
{
	b->down_cb.userdata = b;
	b->down_cb.channel_data_function = ws_on_data;
	b->down_cb.channel_eof_function = ws_on_eof;
	b->down_cb.channel_close_function = ws_on_close;
	ssh_callbacks_init(&b->down_cb);

	b->up_cb.userdata = b;
	b->up_cb.channel_data_function = ws_on_data;
	b->up_cb.channel_eof_function = ws_on_eof;
	b->up_cb.channel_close_function = ws_on_close;
	b->up_cb.channel_exit_status_function = ws_on_exit_status;
	b->up_cb.channel_exit_signal_function = ws_on_exit_signal;
	ssh_callbacks_init(&b->up_cb);
}

struct ws_bridge *ws_bridge_attach(struct ws_bridges *set, ssh_channel down, ssh_channel up)
{
	struct ws_bridge *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->set = set;
	b->id = ++set->next_id;
	b->c2w = (struct ws_flow){ .name = "client>workspace", .src = down, .dst = up,
		.counter = &set->bytes_in };
	b->w2c = (struct ws_flow){ .name = "workspace>client", .src = up, .dst = down,
		.counter = &set->bytes_out };
	ws_bridge_callbacks(b);
	if (ssh_set_channel_callbacks(down, &b->down_cb) != SSH_OK ||
	    ssh_set_channel_callbacks(up, &b->up_cb) != SSH_OK) {
		ssh_remove_channel_callbacks(down, &b->down_cb);
		ssh_remove_channel_callbacks(up, &b->up_cb);
		free(b);
		return NULL;
	}
	/* A channel opened earlier may already hold data or an EOF that arrived
	 * before our callbacks: let the pump look. */
	b->c2w.pending[0] = b->c2w.pending[1] = b->w2c.pending[0] = b->w2c.pending[1] = 1;
	if (ssh_channel_is_eof(down))
		ws_flow_set(b, &b->c2w, WS_FLOW_DRAIN);
	if (ssh_channel_is_eof(up))
		ws_flow_set(b, &b->w2c, WS_FLOW_DRAIN);
	b->next = set->head;
	set->head = b;
	set->count++;
	return b;
}

/* Reads and drops what src holds (its reader is gone); keeps its window open. */
static void ws_flow_discard(struct ws_flow *f)
{
	char buf[WS_CHUNK];
	int err;

	for (err = 0; err < 2; err++) {
		while (f->pending[err] &&
		    ssh_channel_read_nonblocking(f->src, buf, sizeof(buf), err) > 0)
			continue;
		f->pending[err] = 0;
		ws_carry_clear(&f->carry[err]);
	}
}

/* Writes what the carry holds as far as dst takes it. Returns 1 while some
 * still waits (the carry is freed once empty: idle channels hold nothing). */
static int ws_carry_flush(struct ws_flow *f, struct ws_carry *c, int dst_stderr)
{
	size_t n;

	if (c->len == 0)
		return 0;
	n = ws_write_some(f->dst, c->data + c->off, c->len, dst_stderr);
	*f->counter += n;
	c->off += n;
	c->len -= n;
	if (c->len > 0)
		return 1;
	ws_carry_clear(c);
	return 0;
}

/* Flushes the carry; once it is empty and dst takes data, reads exactly
 * what src holds now (never polling for more, which would let a fast peer
 * refill the window while we read), writing what dst takes and carrying the
 * rest (see struct ws_carry); what goes on is recorded (record.c) as it
 * is read. dst_stderr: 0 stdout, 1 stderr, -1 drop (a client's stderr:
 * sshd ignores it too). Returns 1 when data still waits. */
static int ws_flow_drain(struct ws_bridge *b, struct ws_flow *f, int err, int dst_stderr)
{
	struct ws_carry *c = &f->carry[err];
	char buf[WS_CHUNK];
	int avail, r;
	size_t n;

	if (ws_carry_flush(f, c, dst_stderr))
		return 1;
	if (!f->pending[err] || (dst_stderr >= 0 && ws_room(f->dst) == 0))
		return f->pending[err];
	f->pending[err] = 0; /* set again by packets that arrive meanwhile */
	avail = ssh_channel_poll(f->src, err);
	while (avail > 0) {
		r = ssh_channel_read_nonblocking(f->src, buf, (uint32_t)ws_min(sizeof(buf),
		    (size_t)avail), err);
		if (r <= 0)
			break;
		avail -= r;
		if (dst_stderr < 0)
			continue;
		ws_record_data(b, f, err, buf, (size_t)r);
		n = c->len > 0 ? 0 : ws_write_some(f->dst, buf, (size_t)r, dst_stderr);
		*f->counter += n;
		if (n < (size_t)r && ws_carry_add(c, buf + n, (size_t)r - n) != 0) {
			ws_error("out of memory: dropping %zu bytes", (size_t)r - n);
			break;
		}
	}
	return c->len > 0 || f->pending[err];
}

/* Moves one direction on: data, then EOF once all is delivered. Returns 1
 * while data waits for dst. */
static int ws_flow_step(struct ws_bridge *b, struct ws_flow *f, int stderr_to)
{
	int waiting, closed_by_us = f == &b->c2w ? b->down_closed : b->up_closed;

	/* An EOF or CLOSE that came before our callbacks were attached (the
	 * open's answer, data, EOF and CLOSE in one read) is seen here. A
	 * session that died is not a CLOSE: the loop tells the client. */
	if (!f->src_closed && !closed_by_us && ssh_is_connected(ssh_channel_get_session(f->src)) &&
	    ssh_channel_is_closed(f->src))
		f->src_closed = 1;
	if (f->state == WS_FLOW_OPEN && (f->src_closed || ssh_channel_is_eof(f->src)))
		ws_flow_set(b, f, WS_FLOW_DRAIN);
	if (f->state != WS_FLOW_DEAD && f->state != WS_FLOW_EOF && !ssh_channel_is_open(f->dst))
		ws_flow_set(b, f, WS_FLOW_DEAD);
	if (f->state == WS_FLOW_DEAD) {
		ws_flow_discard(f);
		return 0;
	}
	if (f->state == WS_FLOW_EOF) {
		ws_flow_discard(f); /* nothing may follow EOF */
		return 0;
	}
	waiting = ws_flow_drain(b, f, 0, 0);
	waiting |= ws_flow_drain(b, f, 1, stderr_to);
	/* Reading may have taken in more packets (data, then EOF and CLOSE):
	 * look again before EOF, or that data is lost. */
	if (waiting || f->pending[0] || f->pending[1] || f->carry[0].len || f->carry[1].len)
		return 1;
	if (f->state == WS_FLOW_DRAIN) {
		ssh_channel_send_eof(f->dst);
		ws_flow_set(b, f, WS_FLOW_EOF);
	}
	return 0;
}

static void ws_send_exit(struct ws_bridge *b)
{
	ssh_channel down = b->c2w.src;

	if (b->exit_state != WS_EXIT_HELD)
		return;
	/* Sent even after the client's CLOSE, before ours: PuTTY waits for it. */
	if (!b->down_closed) {
		if (b->exit_signal == NULL)
			ssh_channel_request_send_exit_status(down, b->exit_status);
		else
			ssh_channel_request_send_exit_signal(down, b->exit_signal,
			    b->exit_core, b->exit_errmsg, b->exit_lang);
	}
	b->exit_state = WS_EXIT_SENT;
}

/* libssh 0.10's close sends EOF first and, on a non-blocking session whose
 * socket is full, returns SSH_AGAIN before it queues the CLOSE; the second
 * call finds the EOF sent and queues it. */
static void ws_channel_close(ssh_channel ch)
{
	if (ssh_channel_close(ch) == SSH_AGAIN)
		(void)ssh_channel_close(ch);
}

static void ws_close_down(struct ws_bridge *b)
{
	if (!b->down_closed)
		ws_channel_close(b->c2w.src); /* also answers the client's CLOSE */
	b->down_closed = 1;
	ws_flow_set(b, &b->w2c, WS_FLOW_DEAD);
}

static void ws_close_up(struct ws_bridge *b)
{
	if (!b->up_closed)
		ws_channel_close(b->w2c.src);
	b->up_closed = 1;
	ws_flow_set(b, &b->c2w, WS_FLOW_DEAD);
}

static int ws_delivered(const struct ws_flow *f)
{
	return f->state == WS_FLOW_EOF || f->state == WS_FLOW_DEAD;
}

/* Closes a side once everything owed to it is delivered. Returns 1 while it
 * waits for the workspace's exit status. */
static int ws_bridge_close_step(struct ws_bridge *b)
{
	if (b->abort) {
		ws_close_down(b);
		ws_close_up(b);
		return 0;
	}
	/* The workspace closed: nothing the client sends can reach it now;
	 * the client gets the rest of the output (libssh gives no data of a
	 * channel we closed: our CLOSE waits for it), EOF, the exit status,
	 * then CLOSE. */
	if (b->w2c.src_closed) {
		ws_flow_set(b, &b->c2w, WS_FLOW_DEAD);
		if (ws_delivered(&b->w2c)) {
			ws_send_exit(b);
			ws_close_down(b);
			ws_close_up(b);
		}
		return 0;
	}
	/* The client closed: the workspace gets what the client sent, EOF,
	 * then CLOSE; the client is answered with the exit status if it comes
	 * soon after the workspace's EOF, as the workspace's sshd would. */
	if (b->c2w.src_closed && ws_delivered(&b->c2w)) {
		if (b->exit_state == WS_EXIT_NONE && b->w2c.state == WS_FLOW_EOF && !b->up_closed) {
			if (b->close_wait == 0)
				b->close_wait = ws_clock_now();
			if (ws_clock_now() - b->close_wait < WS_EXIT_WAIT)
				return 1;
		}
		if (!b->up_closed)
			b->close_wait = ws_clock_now();
		ws_close_up(b);
		/* The client's CLOSE is answered once the workspace answered
		 * ours: then the channel's place is free when the client sees
		 * it closed. A workspace that does not answer keeps the place
		 * (its own connection's), not the client waiting. */
		if (!b->w2c.src_closed && ws_clock_now() - b->close_wait < WS_CLOSE_WAIT)
			return 1;
		ws_send_exit(b);
		ws_close_down(b);
	}
	return 0;
}

int ws_bridge_pump(struct ws_bridge *b)
{
	int waiting = 0;

	if (!b->abort) {
		waiting |= ws_flow_step(b, &b->c2w, -1);
		waiting |= ws_flow_step(b, &b->w2c, 1);
	}
	/* Data, then EOF, then the exit status, then CLOSE. */
	if (b->w2c.state == WS_FLOW_EOF)
		ws_send_exit(b);
	waiting |= ws_bridge_close_step(b);
	return waiting;
}

void ws_bridge_lost(struct ws_bridge *b, const char *line, size_t len)
{
	/* Not ws_write_some: libssh asks for POLLOUT after every write, so
	 * after the first channel's line the session would look full. */
	if (!b->down_closed && ssh_channel_is_open(b->c2w.src))
		(void)ssh_channel_write_stderr(b->c2w.src, line,
		    (uint32_t)ws_min(len, ssh_channel_window_size(b->c2w.src)));
	ws_close_down(b);
	b->up_closed = 1; /* nothing can be sent there any more, */
	b->w2c.src_closed = 1; /* nor will come from there */
}

int ws_bridge_finished(const struct ws_bridge *b)
{
	return b->down_closed && b->up_closed && b->c2w.src_closed && b->w2c.src_closed;
}
