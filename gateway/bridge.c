#include "bridge.h"

#include <libssh/callbacks.h>
#include <libssh/server.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authkeys.h"
#include "bridge_int.h"
#include "clock.h"
#include "log.h"

/* Bytes moved per read from a channel's buffer; also the most a write can
 * leave behind in a carry buffer. */
#define WS_CHUNK 32768

/* Data read from a channel's buffer but not yet accepted by the other side. */
struct ws_carry {
	char *data;
	size_t len;
};

/* One direction of a pair: from src to dst. */
struct ws_flow {
	ssh_channel src, dst;
	int pending[2];        /* src holds unread stdout / stderr data */
	struct ws_carry carry[2];
	int eof_in;            /* src sent EOF */
	int eof_out;           /* EOF forwarded to dst */
	int closed_in;         /* src sent CLOSE */
	uint64_t *counter;     /* bytes delivered, for the audit log */
};

struct ws_bridge {
	struct ws_bridges *set;
	struct ws_flow c2w;    /* client -> workspace */
	struct ws_flow w2c;    /* workspace -> client */
	struct ssh_channel_callbacks_struct down_cb, up_cb;
	int exit_kind;         /* 0 none, 1 status, 2 signal */
	int exit_status;
	char *exit_signal, *exit_errmsg, *exit_lang;
	int exit_core;
	int exit_sent;
	int done;
	double close_wait;     /* when the client closed before the exit status came */
	struct ws_bridge *next;
};

/* Requests to the workspace block until it answers: the client's request is
 * answered with the workspace's own reply (libssh replies synchronously).
 * While waiting, only the workspace socket is served (the client's is locked
 * by the callback we are in). */
void ws_up_blocking(struct ws_bridges *set, int on)
{
	ssh_set_blocking(set->up, on);
	set->up_busy = on;
}

static size_t ws_min(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Writes at most what dst's window takes; returns bytes accepted. */
static size_t ws_write_some(ssh_channel dst, const char *data, size_t len, int is_stderr)
{
	size_t n = ws_min(len, ssh_channel_window_size(dst));
	int rc;

	if (n == 0 || !ssh_channel_is_open(dst))
		return 0;
	rc = is_stderr ? ssh_channel_write_stderr(dst, data, (uint32_t)n) :
	    ssh_channel_write(dst, data, (uint32_t)n);
	return rc > 0 ? (size_t)rc : 0;
}

/* Data callback of both sides: the data stays in libssh's buffer (which
 * holds back our window: the flow control) and the pump moves it from the
 * top of the loop. Writing to the other session from here would flush it,
 * and flushing processes its incoming packets inside this callback, while
 * this session is locked: a request among them that must wait for this
 * session's answer (a direct-tcpip open, a relayed exec) then waits for its
 * timeout (seen with 50 -L connections at once). */
static int ws_on_data(ssh_session session, ssh_channel channel, void *data,
    uint32_t len, int is_stderr, void *userdata)
{
	struct ws_bridge *b = userdata;
	struct ws_flow *f = channel == b->c2w.src ? &b->c2w : &b->w2c;

	(void)session;
	(void)data;
	if (f->dst == NULL || f->closed_in)
		return (int)len;
	if (!ssh_channel_is_open(f->dst))
		return (int)len; /* nobody left to read it */
	f->pending[is_stderr ? 1 : 0] = 1;
	return 0;
}

static void ws_on_eof(ssh_session session, ssh_channel channel, void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	if (channel == b->c2w.src)
		b->c2w.eof_in = 1;
	else
		b->w2c.eof_in = 1;
}

static void ws_on_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	if (channel == b->c2w.src) {
		b->c2w.closed_in = b->c2w.eof_in = 1;
	} else {
		b->w2c.closed_in = b->w2c.eof_in = 1;
		/* libssh may still hold data (delayed close): drain it first. */
		b->w2c.pending[0] = b->w2c.pending[1] = 1;
	}
}

static void ws_on_exit_status(ssh_session session, ssh_channel channel, int status,
    void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	if (b->exit_kind == 0) {
		b->exit_kind = 1;
		b->exit_status = status;
	}
}

static void ws_on_exit_signal(ssh_session session, ssh_channel channel, const char *sig,
    int core, const char *errmsg, const char *lang, void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	if (b->exit_kind != 0)
		return;
	b->exit_signal = strdup(sig ? sig : "KILL");
	b->exit_errmsg = strdup(errmsg ? errmsg : "");
	b->exit_lang = strdup(lang ? lang : "");
	b->exit_core = core;
	if (b->exit_signal && b->exit_errmsg && b->exit_lang)
		b->exit_kind = 2;
}

static void ws_on_signal(ssh_session session, ssh_channel channel, const char *sig,
    void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	if (ssh_channel_is_open(b->c2w.dst))
		ssh_channel_request_send_signal(b->c2w.dst, sig);
}

/* The requests relayed with the workspace's own answer. */
enum ws_req { WS_REQ_PTY, WS_REQ_SHELL, WS_REQ_EXEC, WS_REQ_ENV, WS_REQ_SUBSYSTEM };

/* Sends one request to the workspace and waits for its reply; returns 0 for
 * success, -1 for failure (what the client is told). */
static int ws_relay(struct ws_bridge *b, enum ws_req kind, const char *arg,
    const char *value, int cols, int rows)
{
	ssh_channel up = b->c2w.dst;
	int rc = SSH_ERROR;

	ws_up_blocking(b->set, 1);
	switch (kind) {
	case WS_REQ_PTY:
		rc = ssh_channel_request_pty_size(up, arg, cols, rows);
		break;
	case WS_REQ_SHELL:
		rc = ssh_channel_request_shell(up);
		break;
	case WS_REQ_EXEC:
		rc = ssh_channel_request_exec(up, arg);
		break;
	case WS_REQ_ENV:
		rc = ssh_channel_request_env(up, arg, value);
		break;
	case WS_REQ_SUBSYSTEM:
		rc = ssh_channel_request_subsystem(up, arg);
		break;
	}
	ws_up_blocking(b->set, 0);
	return rc == SSH_OK ? 0 : -1;
}

static int ws_on_pty(ssh_session session, ssh_channel channel, const char *term,
    int cols, int rows, int px, int py, void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	(void)px;
	(void)py;
	if (b->set->no_pty)
		return -1;
	return ws_relay(b, WS_REQ_PTY, term, NULL, cols, rows);
}

static int ws_on_window_change(ssh_session session, ssh_channel channel, int cols,
    int rows, int px, int py, void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	(void)px;
	(void)py;
	/* window-change wants no reply: send it without waiting. */
	return ssh_channel_change_pty_size(b->c2w.dst, cols, rows) == SSH_OK ? 0 : -1;
}

static int ws_on_shell(ssh_session session, ssh_channel channel, void *userdata)
{
	(void)session;
	(void)channel;
	return ws_relay(userdata, WS_REQ_SHELL, NULL, NULL, 0, 0);
}

static int ws_on_exec(ssh_session session, ssh_channel channel, const char *command,
    void *userdata)
{
	(void)session;
	(void)channel;
	return ws_relay(userdata, WS_REQ_EXEC, command, NULL, 0, 0);
}

static int ws_on_env(ssh_session session, ssh_channel channel, const char *name,
    const char *value, void *userdata)
{
	(void)session;
	(void)channel;
	return ws_relay(userdata, WS_REQ_ENV, name, value, 0, 0);
}

static int ws_on_subsystem(ssh_session session, ssh_channel channel, const char *name,
    void *userdata)
{
	(void)session;
	(void)channel;
	return ws_relay(userdata, WS_REQ_SUBSYSTEM, name, NULL, 0, 0);
}

/* auth-agent-req: relayed so the workspace's sshd sets SSH_AUTH_SOCK. libssh
 * 0.10 has already said yes to the client (void callback). */
static void ws_on_agent_req(ssh_session session, ssh_channel channel, void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	if (b->set->no_agent)
		return;
	ws_up_blocking(b->set, 1);
	if (ssh_channel_request_auth_agent(b->c2w.dst) == SSH_OK)
		b->set->agent_asked = 1;
	ws_up_blocking(b->set, 0);
}

static void ws_on_x11_req(ssh_session session, ssh_channel channel, int single,
    const char *proto, const char *cookie, uint32_t screen, void *userdata)
{
	struct ws_bridge *b = userdata;

	(void)session;
	(void)channel;
	if (b->set->no_x11)
		return;
	ws_up_blocking(b->set, 1);
	if (ssh_channel_request_x11(b->c2w.dst, single, proto, cookie, (int)screen) == SSH_OK)
		b->set->x11_asked = 1;
	ws_up_blocking(b->set, 0);
}

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
	set->up_session_cb.userdata = set;
	set->up_session_cb.channel_open_request_auth_agent_function = ws_on_agent_open;
	set->up_session_cb.channel_open_request_x11_function = ws_on_x11_open;
	ssh_callbacks_init(&set->up_session_cb);
	if (ssh_set_callbacks(up, &set->up_session_cb) != SSH_OK) {
		free(set);
		return NULL;
	}
	return set;
}

static void ws_bridge_free(struct ws_bridge *b)
{
	int i;

	if (b == NULL)
		return;
	/* Callbacks point into b: detach before libssh may outlive it. */
	if (b->c2w.src != NULL) {
		ssh_remove_channel_callbacks(b->c2w.src, &b->down_cb);
		ssh_channel_free(b->c2w.src);
	}
	if (b->w2c.src != NULL) {
		ssh_remove_channel_callbacks(b->w2c.src, &b->up_cb);
		ssh_channel_free(b->w2c.src);
	}
	for (i = 0; i < 2; i++) {
		free(b->c2w.carry[i].data);
		free(b->w2c.carry[i].data);
	}
	free(b->exit_signal);
	free(b->exit_errmsg);
	free(b->exit_lang);
	free(b);
}

void ws_bridges_free(struct ws_bridges *set)
{
	struct ws_bridge *b, *next;

	if (set == NULL)
		return;
	for (b = set->head; b != NULL; b = next) {
		next = b->next;
		ws_bridge_free(b);
	}
	free(set);
}

/* Pairs down (client side) with up (workspace side), both open, and starts
 * relaying. Session channels also relay requests. Returns 0, or -1 when the
 * callbacks could not be set (the caller frees both channels). */
int ws_bridge_attach(struct ws_bridges *set, ssh_channel down, ssh_channel up,
    int session)
{
	struct ws_bridge *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return -1;
	b->set = set;
	b->c2w.src = down;
	b->c2w.dst = up;
	b->w2c.src = up;
	b->w2c.dst = down;
	b->c2w.counter = &set->bytes_in;
	b->w2c.counter = &set->bytes_out;

	b->down_cb.userdata = b;
	b->down_cb.channel_data_function = ws_on_data;
	b->down_cb.channel_eof_function = ws_on_eof;
	b->down_cb.channel_close_function = ws_on_close;
	if (session) {
		b->down_cb.channel_signal_function = ws_on_signal;
		b->down_cb.channel_pty_request_function = ws_on_pty;
		b->down_cb.channel_shell_request_function = ws_on_shell;
		b->down_cb.channel_pty_window_change_function = ws_on_window_change;
		b->down_cb.channel_exec_request_function = ws_on_exec;
		b->down_cb.channel_env_request_function = ws_on_env;
		b->down_cb.channel_subsystem_request_function = ws_on_subsystem;
		b->down_cb.channel_auth_agent_req_function = ws_on_agent_req;
		b->down_cb.channel_x11_req_function = ws_on_x11_req;
	}
	ssh_callbacks_init(&b->down_cb);

	b->up_cb.userdata = b;
	b->up_cb.channel_data_function = ws_on_data;
	b->up_cb.channel_eof_function = ws_on_eof;
	b->up_cb.channel_close_function = ws_on_close;
	b->up_cb.channel_exit_status_function = ws_on_exit_status;
	b->up_cb.channel_exit_signal_function = ws_on_exit_signal;
	ssh_callbacks_init(&b->up_cb);

	if (ssh_set_channel_callbacks(down, &b->down_cb) != SSH_OK ||
	    ssh_set_channel_callbacks(up, &b->up_cb) != SSH_OK) {
		ssh_remove_channel_callbacks(down, &b->down_cb);
		ssh_remove_channel_callbacks(up, &b->up_cb);
		free(b);
		return -1;
	}
	/* A channel opened earlier (ssh -R: the workspace's side) may already hold
	 * data or an EOF that arrived before our callbacks: let pump look. */
	b->c2w.pending[0] = b->w2c.pending[0] = b->w2c.pending[1] = 1;
	b->c2w.eof_in = ssh_channel_is_eof(down);
	b->w2c.eof_in = ssh_channel_is_eof(up);
	b->next = set->head;
	set->head = b;
	set->count++;
	return 0;
}

ssh_channel ws_bridges_open_session(struct ws_bridges *set)
{
	ssh_channel down = NULL, up = NULL;
	int rc;

	if (set->count >= set->max_channels) {
		ws_warn("refusing channel: %d already open", set->count);
		return NULL;
	}
	if ((up = ssh_channel_new(set->up)) == NULL || (down = ssh_channel_new(set->down)) == NULL)
		goto fail;
	ws_up_blocking(set, 1);
	rc = ssh_channel_open_session(up);
	ws_up_blocking(set, 0);
	if (rc != SSH_OK) {
		ws_warn("workspace refused a session channel: %s", ssh_get_error(set->up));
		goto fail;
	}
	if (ws_bridge_attach(set, down, up, 1) != 0)
		goto fail;
	return down;
fail:
	ssh_channel_free(down);
	ssh_channel_free(up);
	return NULL;
}

/* Flushes the carry, then reads from src's buffer while dst's window allows.
 * Returns 1 when data still waits. */
static int ws_flow_drain(struct ws_flow *f, int err, int dst_stderr)
{
	struct ws_carry *c = &f->carry[err];
	char buf[WS_CHUNK];
	size_t n;
	int r;

	if (c->len > 0) {
		n = ws_write_some(f->dst, c->data, c->len, dst_stderr);
		*f->counter += n;
		memmove(c->data, c->data + n, c->len - n);
		c->len -= n;
		if (c->len > 0)
			return 1;
	}
	while (f->pending[err]) {
		size_t room = ws_min(sizeof(buf), ssh_channel_window_size(f->dst));
		if (room == 0)
			return 1;
		r = ssh_channel_read_nonblocking(f->src, buf, (uint32_t)room, err);
		if (r <= 0) {
			f->pending[err] = 0;
			if (ssh_channel_is_eof(f->src))
				f->eof_in = 1;
			break;
		}
		n = ws_write_some(f->dst, buf, (size_t)r, dst_stderr);
		*f->counter += n;
		if (n < (size_t)r) {
			/* Should not happen within the window; keep it, never drop it. */
			if (c->data == NULL && (c->data = malloc(WS_CHUNK)) == NULL) {
				ws_error("out of memory: dropping %zu bytes", (size_t)r - n);
				return 0;
			}
			memcpy(c->data, buf + n, (size_t)r - n);
			c->len = (size_t)r - n;
			return 1;
		}
	}
	return 0;
}

/* Returns 1 while data waits for a window. */
static int ws_bridge_pump(struct ws_bridge *b)
{
	int waiting = 0;
	ssh_channel down = b->c2w.src, up = b->w2c.src;

	/* Client -> workspace (a client only sends stdout-type data). */
	if (!b->w2c.closed_in && ssh_channel_is_open(up)) {
		waiting |= ws_flow_drain(&b->c2w, 0, 0);
		if (b->c2w.eof_in && !b->c2w.pending[0] && !b->c2w.carry[0].len && !b->c2w.eof_out) {
			ssh_channel_send_eof(up);
			b->c2w.eof_out = 1;
		}
	}
	/* Workspace -> client: data, then EOF, then exit status, then close. */
	if (!b->c2w.closed_in && ssh_channel_is_open(down)) {
		int out_wait = ws_flow_drain(&b->w2c, 0, 0);
		out_wait |= ws_flow_drain(&b->w2c, 1, 1);
		/* Reading stderr may have taken in packets (stdout data, then EOF
		 * and CLOSE): look again before EOF, or that data is lost. */
		if (out_wait || b->w2c.pending[0] || b->w2c.pending[1])
			return 1;
		if (b->w2c.eof_in && !b->w2c.eof_out) {
			ssh_channel_send_eof(down);
			b->w2c.eof_out = 1;
		}
		if (b->exit_kind && !b->exit_sent && (b->w2c.eof_out || b->w2c.closed_in)) {
			if (b->exit_kind == 1)
				ssh_channel_request_send_exit_status(down, b->exit_status);
			else
				ssh_channel_request_send_exit_signal(down, b->exit_signal,
				    b->exit_core, b->exit_errmsg, b->exit_lang);
			b->exit_sent = 1;
		}
	}
	/* A client that closes once EOF has gone both ways (PuTTY, dropbear)
	 * may do so before the workspace's exit status, sent right after its
	 * EOF, has crossed the gateway: wait for it (2 s at most) and send it
	 * before our CLOSE, as the workspace's sshd would have. */
	if (b->c2w.closed_in && !b->w2c.closed_in && !b->exit_kind && b->w2c.eof_out &&
	    ssh_channel_is_open(up)) {
		if (b->close_wait == 0)
			b->close_wait = ws_clock_now();
		if (ws_clock_now() - b->close_wait < 2.0)
			return 1;
	}
	if (b->c2w.closed_in && b->exit_kind && !b->exit_sent) {
		if (b->exit_kind == 1)
			ssh_channel_request_send_exit_status(down, b->exit_status);
		else
			ssh_channel_request_send_exit_signal(down, b->exit_signal,
			    b->exit_core, b->exit_errmsg, b->exit_lang);
		b->exit_sent = 1;
	}
	/* Either side closing ends the pair; the other side is closed for it. */
	if (b->w2c.closed_in || b->c2w.closed_in) {
		if (ssh_channel_is_open(down))
			ssh_channel_close(down);
		if (ssh_channel_is_open(up))
			ssh_channel_close(up);
		b->done = 1;
	}
	return waiting;
}

int ws_bridges_pump(struct ws_bridges *set)
{
	struct ws_bridge **pp = &set->head, *b;
	int waiting = 0;

	ws_accept_reverse(set);
	while ((b = *pp) != NULL) {
		waiting |= ws_bridge_pump(b);
		if (b->done) {
			*pp = b->next;
			set->count--;
			ws_bridge_free(b);
		} else {
			pp = &b->next;
		}
	}
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

void ws_bridges_upstream_lost(struct ws_bridges *set, const char *msg)
{
	struct ws_bridge *b;
	char line[600];
	int n = snprintf(line, sizeof(line), "%s\r\n", msg);

	for (b = set->head; b != NULL; b = b->next) {
		ssh_channel down = b->c2w.src;
		if (ssh_channel_is_open(down)) {
			ws_write_some(down, line, (size_t)n, 1);
			ssh_channel_close(down);
		}
		b->w2c.closed_in = 1;
	}
}
