/* relay.c — a session channel's requests (pty, shell, exec, env, subsystem,
 * x11, agent, window-change, signal, break), relayed to the workspace's channel one
 * at a time and answered to the client with the workspace's own reply, in
 * the order they came (RFC 4254 5.4). The connection never waits on them:
 * libssh keeps the client's message until we answer it, and a request to
 * the workspace returns SSH_AGAIN until its reply has come. */
#include <stdlib.h>
#include <string.h>

#include "bridge_int.h"
#include "log.h"

/* One request on its way, as a table entry: how to send it (again, until it
 * is answered) and whether the client may have it. */
struct ws_req;
typedef int (*ws_req_send_fn)(struct ws_bridge *b, struct ws_req *r);

struct ws_req {
	const struct ws_req_kind *kind;
	ssh_message msg;       /* the client's request to answer, or NULL */
	char *sig;             /* signal name (no message) */
	struct ws_req *next;
};

struct ws_req_kind {
	const char *name;
	int subtype;           /* SSH_CHANNEL_REQUEST_*, or -1 */
	ws_req_send_fn send;   /* SSH_OK, SSH_AGAIN, SSH_ERROR */
};

/* libssh marks the message getters below deprecated in favour of the
 * channel callbacks, which must answer before returning: the very thing a
 * relay cannot do. They are the API that lets a reply wait. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static ssh_channel ws_up(struct ws_bridge *b)
{
	return b->c2w.dst;
}

/* The client's terminal modes (erase character, IUTF8, ...) go as they
 * came: the workspace's sshd parses them (our patch's getter). */
static int ws_send_pty(struct ws_bridge *b, struct ws_req *r)
{
	size_t len = 0;
	const unsigned char *modes = ssh_message_channel_request_pty_modes(r->msg, &len);

	if (b->set->no_pty || !ws_record_may_pty(b))
		return SSH_ERROR;
	return ssh_channel_request_pty_size_modes(ws_up(b),
	    ssh_message_channel_request_pty_term(r->msg),
	    ssh_message_channel_request_pty_width(r->msg),
	    ssh_message_channel_request_pty_height(r->msg),
	    modes ? modes : (const unsigned char *)"", modes ? len : 0);
}

static int ws_send_shell(struct ws_bridge *b, struct ws_req *r)
{
	(void)r;
	return ssh_channel_request_shell(ws_up(b));
}

static int ws_send_exec(struct ws_bridge *b, struct ws_req *r)
{
	return ssh_channel_request_exec(ws_up(b), ssh_message_channel_request_command(r->msg));
}

static int ws_send_env(struct ws_bridge *b, struct ws_req *r)
{
	return ssh_channel_request_env(ws_up(b), ssh_message_channel_request_env_name(r->msg),
	    ssh_message_channel_request_env_value(r->msg));
}

static int ws_send_subsystem(struct ws_bridge *b, struct ws_req *r)
{
	return ssh_channel_request_subsystem(ws_up(b),
	    ssh_message_channel_request_subsystem(r->msg));
}

static int ws_send_x11(struct ws_bridge *b, struct ws_req *r)
{
	int rc;

	if (b->set->no_x11)
		return SSH_ERROR;
	rc = ssh_channel_request_x11(ws_up(b),
	    ssh_message_channel_request_x11_single_connection(r->msg),
	    ssh_message_channel_request_x11_auth_protocol(r->msg),
	    ssh_message_channel_request_x11_auth_cookie(r->msg),
	    ssh_message_channel_request_x11_screen_number(r->msg));
	if (rc == SSH_OK)
		b->set->x11_asked = 1;
	return rc;
}

static int ws_send_window(struct ws_bridge *b, struct ws_req *r)
{
	return ssh_channel_change_pty_size(ws_up(b), ssh_message_channel_request_pty_width(r->msg),
	    ssh_message_channel_request_pty_height(r->msg));
}

static int ws_send_agent(struct ws_bridge *b, struct ws_req *r)
{
	int rc;

	(void)r;
	if (b->set->no_agent)
		return SSH_ERROR;
	rc = ssh_channel_request_auth_agent(ws_up(b));
	if (rc == SSH_OK)
		b->set->agent_asked = 1;
	return rc;
}

static int ws_send_signal(struct ws_bridge *b, struct ws_req *r)
{
	return ssh_channel_request_send_signal(ws_up(b), r->sig);
}

#pragma GCC diagnostic pop

/* RFC 4335 (ssh's ~B): sshd answers whether its tty took it. */
static int ws_send_break(struct ws_bridge *b, struct ws_req *r)
{
	return ssh_channel_request_send_break(ws_up(b),
	    ssh_message_channel_request_break_length(r->msg));
}

/* Unknown requests are refused in their turn. */
static int ws_send_refuse(struct ws_bridge *b, struct ws_req *r)
{
	(void)b;
	(void)r;
	return SSH_ERROR;
}

/* Requests libssh hands over as messages, found by subtype. */
static const struct ws_req_kind ws_req_kinds[] = {
	{ "pty-req", SSH_CHANNEL_REQUEST_PTY, ws_send_pty },
	{ "shell", SSH_CHANNEL_REQUEST_SHELL, ws_send_shell },
	{ "exec", SSH_CHANNEL_REQUEST_EXEC, ws_send_exec },
	{ "env", SSH_CHANNEL_REQUEST_ENV, ws_send_env },
	{ "subsystem", SSH_CHANNEL_REQUEST_SUBSYSTEM, ws_send_subsystem },
	{ "x11-req", SSH_CHANNEL_REQUEST_X11, ws_send_x11 },
	{ "window-change", SSH_CHANNEL_REQUEST_WINDOW_CHANGE, ws_send_window },
	{ "break", SSH_CHANNEL_REQUEST_BREAK, ws_send_break },
};
/* Requests that arrive through callbacks (no message), and the rest. */
static const struct ws_req_kind ws_req_agent = { "auth-agent-req", -1, ws_send_agent };
static const struct ws_req_kind ws_req_signal = { "signal", -1, ws_send_signal };
static const struct ws_req_kind ws_req_unknown = { "unknown", -1, ws_send_refuse };

static const struct ws_req_kind *ws_req_kind_of(ssh_message msg)
{
	int sub = ssh_message_subtype(msg);
	size_t i;

	for (i = 0; i < sizeof(ws_req_kinds) / sizeof(ws_req_kinds[0]); i++)
		if (ws_req_kinds[i].subtype == sub)
			return &ws_req_kinds[i];
	return &ws_req_unknown;
}

static void ws_req_free(struct ws_req *r)
{
	if (r == NULL)
		return;
	ssh_message_free(r->msg);
	free(r->sig);
	free(r);
}

/* Appends r (taken) to b's queue. Returns 0, or -1 when the queue is full:
 * b is aborted and r freed, its message refused. */
static int ws_req_push(struct ws_bridge *b, struct ws_req *r)
{
	struct ws_req **pp = &b->reqs;

	if (b->nreqs >= WS_MAX_QUEUED) {
		ws_warn("channel %d: the client queued more than %d requests; closing the channel",
		    b->id, WS_MAX_QUEUED);
		if (r->msg != NULL)
			ssh_message_reply_default(r->msg);
		ws_req_free(r);
		b->abort = 1;
		return -1;
	}
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = r;
	b->nreqs++;
	return 0;
}

int ws_relay_message(struct ws_bridge *b, ssh_message msg)
{
	struct ws_req *r = calloc(1, sizeof(*r));

	if (r == NULL) {
		ssh_message_reply_default(msg);
		ssh_message_free(msg);
		return -1;
	}
	r->kind = ws_req_kind_of(msg);
	r->msg = msg;
	return ws_req_push(b, r);
}

static void ws_relay_kind(struct ws_bridge *b, const struct ws_req_kind *kind, const char *sig)
{
	struct ws_req *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return;
	r->kind = kind;
	if (sig != NULL && (r->sig = strdup(sig)) == NULL) {
		free(r);
		return;
	}
	ws_req_push(b, r);
}

/* signal: no reply wanted; it keeps its place behind earlier requests. */
static void ws_on_signal(ssh_session session, ssh_channel channel, const char *sig,
    void *userdata)
{
	(void)session;
	(void)channel;
	if (sig != NULL)
		ws_relay_kind(userdata, &ws_req_signal, sig);
}

/* auth-agent-req: libssh 0.10 has already said yes to the client (void
 * callback); relayed in order so the workspace's sshd sets SSH_AUTH_SOCK. */
static void ws_on_agent_req(ssh_session session, ssh_channel channel, void *userdata)
{
	(void)session;
	(void)channel;
	ws_relay_kind(userdata, &ws_req_agent, NULL);
}

int ws_relay_attach(struct ws_bridge *b)
{
	b->req_cb.userdata = b;
	b->req_cb.channel_signal_function = ws_on_signal;
	b->req_cb.channel_auth_agent_req_function = ws_on_agent_req;
	ssh_callbacks_init(&b->req_cb);
	return ssh_add_channel_callbacks(b->c2w.src, &b->req_cb) == SSH_OK ? 0 : -1;
}

/* Answers the client for r (when it asked) and drops r from the queue. */
static void ws_req_done(struct ws_bridge *b, int ok)
{
	struct ws_req *r = b->reqs;

	/* Nothing goes to the client after our CLOSE, a reply neither. */
	if (r->msg != NULL && !b->down_closed) {
		if (ok)
			ssh_message_channel_request_reply_success(r->msg);
		else
			ssh_message_reply_default(r->msg);
	}
	if (!ok)
		ws_debug("channel %d: %s refused", b->id, r->kind->name);
	ws_record_request(b, r->msg, ok);
	b->reqs = r->next;
	b->nreqs--;
	ws_req_free(r);
}

int ws_relay_step(struct ws_bridge *b)
{
	int rc;

	while (b->reqs != NULL) {
		if (b->up_closed || b->down_closed) {
			ws_req_done(b, 0);
			continue;
		}
		rc = b->reqs->kind->send(b, b->reqs);
		if (rc == SSH_AGAIN)
			return 1;
		ws_req_done(b, rc == SSH_OK);
	}
	return 0;
}

void ws_relay_drop(struct ws_bridge *b, int reply)
{
	struct ws_req *r;

	if (b->req_cb.userdata != NULL) {
		ssh_remove_channel_callbacks(b->c2w.src, &b->req_cb);
		b->req_cb.userdata = NULL;
	}
	while ((r = b->reqs) != NULL) {
		if (reply && r->msg != NULL && !b->down_closed)
			ssh_message_reply_default(r->msg);
		b->reqs = r->next;
		ws_req_free(r);
	}
	b->nreqs = 0;
}
