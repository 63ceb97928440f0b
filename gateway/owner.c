/* owner.c — an ACCOUNT+ login's channels, each one command (owner.h). */
#include "owner.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libssh/callbacks.h>
#include <libssh/server.h>

#include "cliargs.h"
#include "log.h"
#include "watchdog.h"

/* Bytes buffered per stream and direction: stdin, stdout, stderr. */
#define WS_OWNER_BUF 32768
/* Poll's wait while a command runs (its streams wake it sooner), and
 * while none does. */
#define WS_OWNER_WAIT_BUSY 200
#define WS_OWNER_WAIT_IDLE 1000

/* A session channel and its command. */
enum ws_slot_state {
	WS_SLOT_FREE,          /* no channel */
	WS_SLOT_IDLE,          /* a session channel, no command yet */
	WS_SLOT_ASKED,         /* the monitor was asked: its sockets are coming */
	WS_SLOT_RUNNING,       /* data moves until both streams end and the exit
	                          status came (a refused line runs with neither) */
	WS_SLOT_CLOSING,       /* exit status, EOF and CLOSE sent: waits for
	                          the client's CLOSE */
	WS_SLOT_GONE,          /* the client closed first: its streams are shut,
	                          the exit status is awaited to free the place */
};

struct ws_obuf {
	char data[WS_OWNER_BUF];
	size_t off, len;       /* data[off, off + len) waits */
};

struct ws_slot {
	enum ws_slot_state state;
	ssh_channel ch;
	struct ssh_channel_callbacks_struct cb;
	int client_closed;     /* the client's CLOSE came */
	uint32_t id;           /* the command's, with the monitor */
	int io, err;           /* its stdin/stdout socket, its stderr socket; -1 */
	int exited, status;    /* CMD_EXIT came, with status */
	int in_shut;           /* no more stdin: shut down (or the command's gone) */
	int out_end, err_end;  /* the command's stdout, stderr ended */
	struct ws_obuf in, out, errb;
};

struct ws_owner {
	struct ws_slot slot[WS_MP_CMD_MAX];
	uint32_t next_id;
	uint64_t in, out;      /* bytes from and to the client */
	int broken;            /* the monitor makes no sense, or is gone */
};

static const char *const ws_slot_names[] = { "free", "idle", "asked", "running", "closing",
	"gone" };

/* The one setter of a slot's state: logs each move. */
static void ws_slot_set(struct ws_slot *t, enum ws_slot_state st)
{
	if (t->state == st)
		return;
	ws_debug("command channel %u: %s -> %s", t->id, ws_slot_names[t->state],
	    ws_slot_names[st]);
	t->state = st;
}

static size_t ws_omin(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* Room in b at its end, moving what waits to the front first. */
static size_t ws_obuf_room(struct ws_obuf *b)
{
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len);
		b->off = 0;
	}
	return sizeof(b->data) - b->len;
}

static void ws_obuf_put(struct ws_obuf *b, const char *text)
{
	size_t n = ws_omin(strlen(text), ws_obuf_room(b));

	memcpy(b->data + b->len, text, n);
	b->len += n;
}

static void ws_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void ws_on_close(ssh_session session, ssh_channel channel, void *userdata)
{
	struct ws_slot *t = userdata;

	(void)session;
	(void)channel;
	t->client_closed = 1;
}

/* Frees t's channel (libssh keeps one we closed until the client answers)
 * and its sockets; t is free again. */
static void ws_slot_free(struct ws_slot *t)
{
	if (t->ch != NULL) {
		ssh_remove_channel_callbacks(t->ch, &t->cb);
		ssh_channel_free(t->ch);
	}
	ws_close_fd(&t->io);
	ws_close_fd(&t->err);
	memset(t, 0, sizeof(*t));
	t->io = t->err = -1;
}

static struct ws_slot *ws_slot_of(struct ws_owner *o, ssh_channel ch)
{
	int i;

	for (i = 0; i < WS_MP_CMD_MAX; i++)
		if (o->slot[i].state != WS_SLOT_FREE && o->slot[i].ch == ch)
			return &o->slot[i];
	return NULL;
}

static struct ws_slot *ws_slot_by_id(struct ws_owner *o, uint32_t id)
{
	int i;

	for (i = 0; i < WS_MP_CMD_MAX; i++)
		if (o->slot[i].state >= WS_SLOT_ASKED && o->slot[i].id == id)
			return &o->slot[i];
	return NULL;
}

/* The message getters are deprecated in libssh 0.10 in favour of server
 * callbacks (see session.c). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* A session channel, in a free place; every other kind (forwardings) and
 * a fifth at once are refused. */
static void ws_owner_open(struct ws_owner *o, ssh_message msg)
{
	struct ws_slot *t = NULL;
	int i;

	if (ssh_message_subtype(msg) != SSH_CHANNEL_SESSION) {
		ws_info("refusing a channel of type %d: this login runs commands only",
		    ssh_message_subtype(msg));
		ssh_message_reply_default(msg);
		return;
	}
	for (i = 0; i < WS_MP_CMD_MAX && t == NULL; i++)
		if (o->slot[i].state == WS_SLOT_FREE)
			t = &o->slot[i];
	if (t == NULL) {
		ws_info("refusing a session channel: %d commands at once at most", WS_MP_CMD_MAX);
		ssh_message_reply_default(msg);
		return;
	}
	memset(t, 0, sizeof(*t));
	t->io = t->err = -1;
	if ((t->ch = ssh_message_channel_request_open_reply_accept(msg)) == NULL)
		return;
	t->cb.userdata = t;
	t->cb.channel_close_function = ws_on_close;
	ssh_callbacks_init(&t->cb);
	if (ssh_set_channel_callbacks(t->ch, &t->cb) != SSH_OK) {
		ssh_channel_close(t->ch);
		ssh_channel_free(t->ch);
		t->ch = NULL;
		return;
	}
	ws_slot_set(t, WS_SLOT_IDLE);
}

/* A command that never reaches the monitor: line on its stderr, status. */
static void ws_slot_refuse(struct ws_slot *t, const char *line, int status)
{
	ws_obuf_put(&t->errb, line);
	t->exited = 1;
	t->status = status;
	t->in_shut = t->out_end = t->err_end = 1;
	ws_slot_set(t, WS_SLOT_RUNNING);
}

/* Asks the monitor to run words (argc of them; none: help) for t. */
static void ws_owner_ask(struct ws_sess *s, struct ws_owner *o, struct ws_slot *t, int argc,
    char **argv)
{
	static char *help[] = { "help", NULL };
	int i;

	if (argc == 0) {
		argc = 1;
		argv = help;
	}
	t->id = ++o->next_id;
	ws_mp_start(s->mp, WS_MP_CMD);
	ws_mp_put_u32(s->mp, t->id);
	ws_mp_put_u32(s->mp, (uint32_t)argc);
	for (i = 0; i < argc; i++)
		ws_mp_put_str(s->mp, argv[i]);
	if (ws_mp_send(s->mon, s->mp, 0) != WS_OK) {
		ws_error("cannot reach the connection's monitor");
		o->broken = 1;
		ws_slot_refuse(t, "wsgate: the command could not be run\n", 1);
		return;
	}
	ws_slot_set(t, WS_SLOT_ASKED);
}

/* exec: the line is one command; shell: help. */
static void ws_owner_exec(struct ws_sess *s, struct ws_owner *o, struct ws_slot *t,
    ssh_message msg, int shell)
{
	static struct ws_cli_words w;
	const char *line = shell ? "" : ssh_message_channel_request_command(msg);
	char why[200], text[260];

	if (t->state != WS_SLOT_IDLE) {
		ssh_message_reply_default(msg);  /* one command a channel */
		return;
	}
	if (ssh_message_channel_request_reply_success(msg) != SSH_OK)
		return;
	if (ws_cli_split(line, line != NULL ? strlen(line) : 0, &w, why, sizeof(why)) != WS_OK) {
		snprintf(text, sizeof(text), "ws: %s\n", why);
		ws_slot_refuse(t, text, 2);
		return;
	}
	ws_owner_ask(s, o, t, w.argc, w.argv);
}

/* A request on a channel: exec and shell start its command; everything
 * else (pty, env, subsystem such as sftp, x11, agent, window changes,
 * signals) is refused, as a forced command would have it. */
static void ws_owner_request(struct ws_sess *s, struct ws_owner *o, ssh_message msg)
{
	struct ws_slot *t = ws_slot_of(o, ssh_message_channel_request_channel(msg));
	int sub = ssh_message_subtype(msg);

	if (t == NULL || (sub != SSH_CHANNEL_REQUEST_EXEC && sub != SSH_CHANNEL_REQUEST_SHELL)) {
		ssh_message_reply_default(msg);
		return;
	}
	ws_owner_exec(s, o, t, msg, sub == SSH_CHANNEL_REQUEST_SHELL);
}

static void ws_owner_message(struct ws_sess *s, struct ws_owner *o, ssh_message msg)
{
	switch (ssh_message_type(msg)) {
	case SSH_REQUEST_CHANNEL_OPEN:
		ws_owner_open(o, msg);
		break;
	case SSH_REQUEST_CHANNEL:
		ws_owner_request(s, o, msg);
		break;
	default:
		/* tcpip-forward (ssh -R) and any other global request */
		ssh_message_reply_default(msg);
		break;
	}
}

#pragma GCC diagnostic pop

/* Takes msgs the client queued, without blocking (session.c's way). */
static void ws_owner_messages(struct ws_sess *s, struct ws_owner *o)
{
	ssh_message msg;

	while ((msg = ssh_message_get(s->down)) != NULL) {
		ws_owner_message(s, o, msg);
		ssh_message_free(msg);
	}
}

/* CMD_FD: one of t's sockets, made non-blocking (the loop never waits on
 * a command). */
static int ws_owner_fd(struct ws_owner *o, struct ws_mp *m)
{
	uint32_t id = ws_mp_get_u32(m), which = ws_mp_get_u32(m);
	struct ws_slot *t = ws_slot_by_id(o, id);
	int fd = m->fd, *dst;

	m->fd = -1;
	if (!ws_mp_done(m) || fd < 0 || t == NULL || which > WS_MP_CMD_ERR) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	dst = which == WS_MP_CMD_IO ? &t->io : &t->err;
	if (t->state == WS_SLOT_GONE || *dst >= 0 || fcntl(fd, F_SETFL, O_NONBLOCK) != 0) {
		close(fd);
		return t->state == WS_SLOT_GONE ? 0 : -1;
	}
	*dst = fd;
	if (t->io >= 0 && t->err >= 0)
		ws_slot_set(t, WS_SLOT_RUNNING);
	return 0;
}

/* CMD_EXIT: t's status; a command that never got its sockets (the monitor
 * could not start it) is said to have failed. */
static int ws_owner_exit(struct ws_owner *o, struct ws_mp *m)
{
	uint32_t id = ws_mp_get_u32(m), status = ws_mp_get_u32(m);
	struct ws_slot *t = ws_slot_by_id(o, id);

	if (!ws_mp_done(m) || t == NULL || t->exited || status > 255)
		return -1;
	t->exited = 1;
	t->status = (int)status;
	if (t->state == WS_SLOT_GONE) {
		ws_slot_free(t);
	} else if (t->state == WS_SLOT_ASKED) {
		if (t->io < 0 || t->err < 0) {
			ws_close_fd(&t->io);
			ws_close_fd(&t->err);
			t->exited = 0;
			ws_slot_refuse(t, "wsgate: the command could not be run\n", (int)status);
		}
	}
	return 0;
}

int ws_owner_mon_message(struct ws_sess *s)
{
	struct ws_owner *o = s->owner;
	int type = ws_mp_type(s->mp), rc;

	if (o == NULL || (type != WS_MP_CMD_FD && type != WS_MP_CMD_EXIT))
		return 0;
	rc = type == WS_MP_CMD_FD ? ws_owner_fd(o, s->mp) : ws_owner_exit(o, s->mp);
	if (rc != 0) {
		ws_error("the monitor's answer to a command makes no sense; ending the connection");
		o->broken = 1;
	}
	ws_mp_close_fd(s->mp);
	return 1;
}

/* Reads what the monitor sent, if anything waits. */
static void ws_owner_monitor(struct ws_sess *s, struct ws_owner *o)
{
	struct pollfd p = { .fd = s->mon, .events = POLLIN };

	while (!o->broken && poll(&p, 1, 0) > 0) {
		if (ws_mp_recv(s->mon, s->mp) != WS_OK) {
			ws_error("the connection's monitor is gone; ending the connection");
			o->broken = 1;
			return;
		}
		if (!ws_owner_mon_message(s)) {
			ws_error("the monitor sent message %d out of turn; ending the connection",
			    ws_mp_type(s->mp));
			ws_mp_close_fd(s->mp);
			o->broken = 1;
		}
	}
}

/* What t's channel takes now: its window, and nothing while the session
 * holds unsent output (bridge.c's rule: a client that does not read gets
 * no more). */
static size_t ws_owner_room(struct ws_slot *t)
{
	if (ssh_get_poll_flags(ssh_channel_get_session(t->ch)) & SSH_WRITE_PENDING)
		return 0;
	return ssh_channel_window_size(t->ch);
}

/* The client's data to the command's stdin, then its end (shutdown). */
static void ws_slot_stdin(struct ws_owner *o, struct ws_slot *t)
{
	char drop[4096];
	size_t room;
	ssize_t n;
	int r;

	/* Its stderr, or stdin nobody reads any more: read to keep the
	 * window open, and dropped. */
	while (ssh_channel_read_nonblocking(t->ch, drop, sizeof(drop), 1) > 0)
		continue;
	while (t->in_shut && ssh_channel_read_nonblocking(t->ch, drop, sizeof(drop), 0) > 0)
		continue;
	if (t->in_shut || t->io < 0)
		return;
	if ((room = ws_obuf_room(&t->in)) > 0 &&
	    (r = ssh_channel_read_nonblocking(t->ch, t->in.data + t->in.len, (uint32_t)room, 0)) > 0) {
		t->in.len += (size_t)r;
		o->in += (uint64_t)r;
	}
	if (t->in.len > 0) {
		n = send(t->io, t->in.data + t->in.off, t->in.len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			t->in.off += (size_t)n;
			t->in.len -= (size_t)n;
		} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
			t->in.len = 0;   /* the command stopped reading */
			t->in_shut = 1;
			return;
		}
	}
	if (t->in.len == 0 && ssh_channel_poll(t->ch, 0) == SSH_EOF) {
		shutdown(t->io, SHUT_WR);
		t->in_shut = 1;
	}
}

/* One of the command's streams into b; *end set at its end. */
static void ws_slot_read(int fd, struct ws_obuf *b, int *end)
{
	size_t room;
	ssize_t n;

	if (*end || fd < 0 || (room = ws_obuf_room(b)) == 0)
		return;
	n = recv(fd, b->data + b->len, room, MSG_DONTWAIT);
	if (n > 0)
		b->len += (size_t)n;
	else if (n == 0 || (errno != EAGAIN && errno != EINTR))
		*end = 1;
}

/* What b holds to the channel, as far as its window takes it. */
static void ws_slot_write(struct ws_owner *o, struct ws_slot *t, struct ws_obuf *b, int is_stderr)
{
	size_t n = ws_omin(b->len, ws_owner_room(t));
	int r;

	if (n == 0 || !ssh_channel_is_open(t->ch))
		return;
	r = is_stderr ? ssh_channel_write_stderr(t->ch, b->data + b->off, (uint32_t)n) :
	    ssh_channel_write(t->ch, b->data + b->off, (uint32_t)n);
	if (r > 0) {
		b->off += (size_t)r;
		b->len -= (size_t)r;
		o->out += (uint64_t)r;
	}
}

/* The end, as OpenSSH ends a session channel: exit status, EOF, CLOSE. */
static void ws_slot_finish(struct ws_slot *t)
{
	ssh_channel_request_send_exit_status(t->ch, t->status);
	ssh_channel_send_eof(t->ch);
	if (ssh_channel_close(t->ch) == SSH_AGAIN)  /* as bridge.c's ws_channel_close */
		(void)ssh_channel_close(t->ch);
	ws_close_fd(&t->io);
	ws_close_fd(&t->err);
	ws_slot_set(t, WS_SLOT_CLOSING);
}

/* The client closed first: the command's streams are shut (it sees their
 * end), its channel answered; the place waits for its exit status. */
static void ws_slot_abandon(struct ws_slot *t)
{
	ws_close_fd(&t->io);
	ws_close_fd(&t->err);
	if (ssh_channel_close(t->ch) == SSH_AGAIN)
		(void)ssh_channel_close(t->ch);
	if (t->exited || t->state == WS_SLOT_IDLE)
		ws_slot_free(t);
	else
		ws_slot_set(t, WS_SLOT_GONE);
}

/* Moves t on. */
static void ws_slot_pump(struct ws_owner *o, struct ws_slot *t)
{
	if (t->state == WS_SLOT_CLOSING) {
		if (t->client_closed)
			ws_slot_free(t);
		return;
	}
	if (t->state == WS_SLOT_GONE || t->state == WS_SLOT_FREE)
		return;
	if (t->client_closed || !ssh_channel_is_open(t->ch)) {
		ws_slot_abandon(t);
		return;
	}
	if (t->state != WS_SLOT_RUNNING)
		return;
	ws_slot_stdin(o, t);
	ws_slot_read(t->io, &t->out, &t->out_end);
	ws_slot_read(t->err, &t->errb, &t->err_end);
	ws_slot_write(o, t, &t->out, 0);
	ws_slot_write(o, t, &t->errb, 1);
	if (t->exited && t->out_end && t->err_end && t->out.len == 0 && t->errb.len == 0)
		ws_slot_finish(t);
}

/* The descriptors to wait on: the client's (and for room to write when
 * libssh holds output), the monitor's, each command's streams as they can
 * move. Returns how many; *busy when a command runs. */
static nfds_t ws_owner_pollset(struct ws_sess *s, struct ws_owner *o, struct pollfd *p, int *busy)
{
	nfds_t n = 0;
	short ev;
	int i;

	*busy = 0;
	p[n++] = (struct pollfd){ .fd = ssh_get_fd(s->down), .events = (short)(POLLIN |
	    ((ssh_get_poll_flags(s->down) & SSH_WRITE_PENDING) ? POLLOUT : 0)) };
	p[n++] = (struct pollfd){ .fd = s->mon, .events = POLLIN };
	for (i = 0; i < WS_MP_CMD_MAX; i++) {
		struct ws_slot *t = &o->slot[i];

		if (t->state != WS_SLOT_RUNNING)
			continue;
		*busy = 1;
		/* Only for what can move: a hung-up socket waited on for
		 * nothing would wake the loop at once, again and again. */
		ev = (short)((!t->out_end && t->out.len < sizeof(t->out.data) ? POLLIN : 0) |
		    (t->in.len > 0 ? POLLOUT : 0));
		if (t->io >= 0 && ev != 0)
			p[n++] = (struct pollfd){ .fd = t->io, .events = ev };
		if (t->err >= 0 && !t->err_end && t->errb.len < sizeof(t->errb.data))
			p[n++] = (struct pollfd){ .fd = t->err, .events = POLLIN };
	}
	return n;
}

static int ws_owner_dead(ssh_session s)
{
	return !ssh_is_connected(s) || (ssh_get_status(s) & (SSH_CLOSED | SSH_CLOSED_ERROR)) != 0;
}

int ws_owner_serve(struct ws_sess *s, ssh_event ev, volatile sig_atomic_t *stop,
    uint64_t *in, uint64_t *out)
{
	struct pollfd p[2 + 2 * WS_MP_CMD_MAX];
	struct ws_owner *o = calloc(1, sizeof(*o));
	int i, busy, ret = 1;
	nfds_t n;

	if (o == NULL)
		return 1;
	for (i = 0; i < WS_MP_CMD_MAX; i++)
		o->slot[i].io = o->slot[i].err = -1;
	s->owner = o;
	ssh_set_blocking(s->down, 0);
	for (;;) {
		ws_watchdog_tick();
		ssh_event_dopoll(ev, 0);
		ws_owner_messages(s, o);
		ws_owner_monitor(s, o);
		for (i = 0; i < WS_MP_CMD_MAX; i++)
			ws_slot_pump(o, &o->slot[i]);
		if (o->broken || ws_owner_dead(s->down) || *stop)
			break;
		n = ws_owner_pollset(s, o, p, &busy);
		(void)poll(p, n, busy ? WS_OWNER_WAIT_BUSY : WS_OWNER_WAIT_IDLE);
	}
	ret = o->broken;
	*in = o->in;
	*out = o->out;
	for (i = 0; i < WS_MP_CMD_MAX; i++)
		ws_slot_free(&o->slot[i]);
	s->owner = NULL;
	free(o);
	return ret;
}
