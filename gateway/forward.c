/* forward.c — channel opens and global requests, relayed without holding
 * the connection. The client opens sessions, direct-tcpip channels
 * (ssh -L/-D/-W) and direct-streamlocal ones (ssh -L to a socket); the
 * workspace opens agent and X11 channels and forwarded-tcpip or
 * forwarded-streamlocal ones for ssh -R, each only when the client asked
 * for it. An open waits here, its message kept, until the far side answers;
 * a global request waits its turn (replies go back in order). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bridge_int.h"
#include "log.h"

/* An open on its way: its twin is being opened on the far side. */
struct ws_open {
	const struct ws_open_kind *kind;
	ssh_message msg;       /* the open to answer (client's or workspace's) */
	ssh_channel twin;      /* being opened on the other session */
	int rfwd;              /* forwarded-tcpip: index of the listener */
	struct ws_open *next;
};

/* Opens the twin (again, until answered): SSH_OK, SSH_AGAIN, SSH_ERROR. */
typedef int (*ws_open_fn)(struct ws_bridges *set, struct ws_open *o);

struct ws_open_kind {
	const char *name;
	int subtype;           /* SSH_CHANNEL_* */
	int from_workspace;    /* the workspace opens it (twin on the client) */
	ws_open_fn open;
};

/* A global request on its way (one at a time: libssh holds one). */
struct ws_global {
	const struct ws_global_kind *kind; /* NULL: refused in its turn */
	ssh_message msg;
	struct ws_global *next;
};

/* Asks the workspace (again, until answered): SSH_OK, SSH_AGAIN, SSH_ERROR;
 * *bound is the port to tell the client (tcpip-forward with port 0). */
typedef int (*ws_global_fn)(struct ws_bridges *set, ssh_message msg, int *bound);

struct ws_global_kind {
	const char *name;
	int subtype;           /* SSH_GLOBAL_REQUEST_* */
	ws_global_fn ask;
};

static int ws_open_session(struct ws_bridges *set, struct ws_open *o)
{
	(void)set;
	return ssh_channel_open_session(o->twin);
}

/* Opened by the workspace's sshd, so "localhost" is the workspace. */
static int ws_open_direct(struct ws_bridges *set, struct ws_open *o)
{
	const char *orig = ssh_message_channel_request_open_originator(o->msg);

	(void)set;
	return ssh_channel_open_forward(o->twin, ssh_message_channel_request_open_destination(o->msg),
	    ssh_message_channel_request_open_destination_port(o->msg), orig ? orig : "127.0.0.1",
	    ssh_message_channel_request_open_originator_port(o->msg));
}

static int ws_open_agent(struct ws_bridges *set, struct ws_open *o)
{
	(void)set;
	return ssh_channel_open_auth_agent(o->twin);
}

static int ws_open_x11(struct ws_bridges *set, struct ws_open *o)
{
	const char *orig = ssh_message_channel_request_open_originator(o->msg);

	(void)set;
	return ssh_channel_open_x11(o->twin, orig ? orig : "127.0.0.1",
	    ssh_message_channel_request_open_originator_port(o->msg));
}

/* Named by the listener the client asked for, as OpenSSH's sshd would. */
static int ws_open_reverse(struct ws_bridges *set, struct ws_open *o)
{
	const char *orig = ssh_message_channel_request_open_originator(o->msg);

	return ssh_channel_open_reverse_forward(o->twin, set->rfwd[o->rfwd].addr,
	    set->rfwd[o->rfwd].bound, orig ? orig : "127.0.0.1",
	    ssh_message_channel_request_open_originator_port(o->msg));
}

/* ssh -L to a socket in the workspace (VS Code's socket mode). The
 * originator fields are reserved in OpenSSH's PROTOCOL. */
static int ws_open_direct_unix(struct ws_bridges *set, struct ws_open *o)
{
	(void)set;
	return ssh_channel_open_forward_unix(o->twin,
	    ssh_message_channel_request_open_destination(o->msg), "", 0);
}

static int ws_open_reverse_unix(struct ws_bridges *set, struct ws_open *o)
{
	return ssh_channel_open_reverse_forward_unix(o->twin, set->rfwd[o->rfwd].addr);
}

static const struct ws_open_kind ws_open_kinds[] = {
	{ "session", SSH_CHANNEL_SESSION, 0, ws_open_session },
	{ "direct-tcpip", SSH_CHANNEL_DIRECT_TCPIP, 0, ws_open_direct },
	{ "direct-streamlocal", SSH_CHANNEL_DIRECT_STREAMLOCAL, 0, ws_open_direct_unix },
	{ "auth-agent", SSH_CHANNEL_AUTH_AGENT, 1, ws_open_agent },
	{ "x11", SSH_CHANNEL_X11, 1, ws_open_x11 },
	{ "forwarded-tcpip", SSH_CHANNEL_FORWARDED_TCPIP, 1, ws_open_reverse },
	{ "forwarded-streamlocal", SSH_CHANNEL_FORWARDED_STREAMLOCAL, 1, ws_open_reverse_unix },
};

const char *ws_bridge_kind_name(int i)
{
	static const int n = (int)(sizeof(ws_open_kinds) / sizeof(ws_open_kinds[0]));

	return i >= 0 && i < n && i < WS_BRIDGE_KINDS ? ws_open_kinds[i].name : NULL;
}

static const struct ws_open_kind *ws_open_kind_of(ssh_message msg, int from_workspace)
{
	int sub = ssh_message_subtype(msg);
	size_t i;

	for (i = 0; i < sizeof(ws_open_kinds) / sizeof(ws_open_kinds[0]); i++)
		if (ws_open_kinds[i].subtype == sub && ws_open_kinds[i].from_workspace == from_workspace)
			return &ws_open_kinds[i];
	return NULL;
}

/* Returns the listener a forwarded-tcpip or forwarded-streamlocal open is
 * for (by port, or by socket path), or -1. */
static int ws_rfwd_of(struct ws_bridges *set, ssh_message msg)
{
	int unix_socket = ssh_message_subtype(msg) == SSH_CHANNEL_FORWARDED_STREAMLOCAL;
	int port = ssh_message_channel_request_open_destination_port(msg), i;
	const char *path = ssh_message_channel_request_open_destination(msg);

	for (i = 0; i < set->nrfwd; i++) {
		if (set->rfwd[i].unix_socket != unix_socket)
			continue;
		if (unix_socket ? path != NULL && strcmp(set->rfwd[i].addr, path) == 0 :
		    set->rfwd[i].bound == port)
			return i;
	}
	return -1;
}

/* Whether the client asked for what the workspace opens. */
static int ws_open_wanted(struct ws_bridges *set, const struct ws_open_kind *k, ssh_message msg)
{
	switch (k->subtype) {
	case SSH_CHANNEL_SESSION:
		return 1;
	case SSH_CHANNEL_DIRECT_TCPIP:
	case SSH_CHANNEL_DIRECT_STREAMLOCAL:
		return !set->no_port_forwarding &&
		    ssh_message_channel_request_open_destination(msg) != NULL;
	case SSH_CHANNEL_AUTH_AGENT:
		return set->agent_asked;
	case SSH_CHANNEL_X11:
		return set->x11_asked;
	case SSH_CHANNEL_FORWARDED_TCPIP:
	case SSH_CHANNEL_FORWARDED_STREAMLOCAL:
		return ws_rfwd_of(set, msg) >= 0;
	default:
		return 0;
	}
}

static void ws_refuse(ssh_message msg)
{
	ssh_message_reply_default(msg);
	ssh_message_free(msg);
}

static void ws_open_start(struct ws_bridges *set, ssh_message msg, int from_workspace)
{
	const struct ws_open_kind *k = ws_open_kind_of(msg, from_workspace);
	const char *who = from_workspace ? "workspace" : "client";
	struct ws_open *o = NULL;

	if (k == NULL || !ws_open_wanted(set, k, msg)) {
		ws_info("refusing a channel the %s opened (%s): not asked for", who,
		    k ? k->name : "of an unknown type");
		ws_refuse(msg);
		return;
	}
	if (set->count + set->nopens >= set->max_channels) {
		ws_warn("refusing a %s channel from the %s: %d open or opening", k->name, who,
		    set->count + set->nopens);
		ws_refuse(msg);
		return;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL ||
	    (o->twin = ssh_channel_new(from_workspace ? set->down : set->up)) == NULL) {
		free(o);
		ws_refuse(msg);
		return;
	}
	o->kind = k;
	o->msg = msg;
	o->rfwd = (k->subtype == SSH_CHANNEL_FORWARDED_TCPIP ||
	    k->subtype == SSH_CHANNEL_FORWARDED_STREAMLOCAL) ? ws_rfwd_of(set, msg) : -1;
	o->next = set->opens;
	set->opens = o;
	set->nopens++;
}

void ws_open_from_client(struct ws_bridges *set, ssh_message msg)
{
	ws_open_start(set, msg, 0);
}

void ws_open_from_workspace(struct ws_bridges *set, ssh_message msg)
{
	ws_open_start(set, msg, 1);
}

/* The far side answered: accept the opener's channel and pair the two, or
 * refuse it. */
static void ws_open_finish(struct ws_bridges *set, struct ws_open *o, int ok)
{
	ssh_channel mine = NULL;
	struct ws_bridge *b;
	int from_ws = o->kind->from_workspace;

	if (ok)
		mine = ssh_message_channel_request_open_reply_accept(o->msg);
	else if (o->kind->subtype == SSH_CHANNEL_DIRECT_TCPIP ||
	    o->kind->subtype == SSH_CHANNEL_DIRECT_STREAMLOCAL) {
		ws_debug("%s to %s:%d refused by the workspace", o->kind->name,
		    ssh_message_channel_request_open_destination(o->msg),
		    ssh_message_channel_request_open_destination_port(o->msg));
		ssh_message_reply_default(o->msg);
	} else if (!from_ws) {
		ws_info("the workspace refused a %s channel: %s", o->kind->name,
		    ssh_get_error(set->up));
		ssh_message_reply_default(o->msg);
	} else {
		ws_debug("%s channel refused by the client", o->kind->name);
		ssh_message_reply_default(o->msg);
	}
	if (mine != NULL &&
	    (b = ws_bridge_attach(set, from_ws ? o->twin : mine, from_ws ? mine : o->twin)) != NULL) {
		o->twin = NULL;
		mine = NULL;
		b->kind = (int)(o->kind - ws_open_kinds);
		/* A session without its requests would be useless: end it. */
		if (o->kind->subtype == SSH_CHANNEL_SESSION && ws_relay_attach(b) != 0)
			b->abort = 1;
	}
	if (mine != NULL) {
		ssh_channel_close(mine);
		ssh_channel_free(mine);
	}
	if (o->twin != NULL) {
		if (ok)
			ssh_channel_close(o->twin);
		ssh_channel_free(o->twin);
	}
	ssh_message_free(o->msg);
	free(o);
}

static int ws_opens_step(struct ws_bridges *set)
{
	struct ws_open **pp = &set->opens, *o;
	int waiting = 0, rc;

	while ((o = *pp) != NULL) {
		rc = o->kind->open(set, o);
		if (rc == SSH_AGAIN) {
			waiting = 1;
			pp = &o->next;
			continue;
		}
		*pp = o->next;
		set->nopens--;
		ws_open_finish(set, o, rc == SSH_OK);
	}
	return waiting;
}

/* ssh -R: the workspace's sshd listens for us. *bound is the port it bound. */
static int ws_global_forward(struct ws_bridges *set, ssh_message msg, int *bound)
{
	const char *addr = ssh_message_global_request_address(msg);
	int port = ssh_message_global_request_port(msg), rc;

	if (set->nrfwd >= WS_MAX_RFWD || strlen(addr) >= sizeof(set->rfwd[0].addr))
		return SSH_ERROR;
	rc = ssh_channel_listen_forward(set->up, addr, port, bound);
	if (rc != SSH_OK)
		return rc;
	if (port != 0)
		*bound = port;
	if (*bound <= 0 || *bound > 65535) {
		ws_warn("the workspace says it bound port %d for ssh -R %s:%d; refusing the forward",
		    *bound, addr, port);
		return SSH_ERROR;
	}
	snprintf(set->rfwd[set->nrfwd].addr, sizeof(set->rfwd[0].addr), "%s", addr);
	set->rfwd[set->nrfwd].port = port;
	set->rfwd[set->nrfwd].bound = *bound;
	set->rfwd[set->nrfwd].unix_socket = 0;
	set->nrfwd++;
	ws_debug("remote forward %s:%d bound on port %d", addr, port, *bound);
	return SSH_OK;
}

/* ssh -R with a socket path: the workspace's sshd listens on that socket. */
static int ws_global_forward_unix(struct ws_bridges *set, ssh_message msg, int *bound)
{
	const char *path = ssh_message_global_request_address(msg);
	int rc;

	*bound = 0;
	if (set->nrfwd >= WS_MAX_RFWD || strlen(path) >= sizeof(set->rfwd[0].addr))
		return SSH_ERROR;
	rc = ssh_channel_listen_forward_unix(set->up, path);
	if (rc != SSH_OK)
		return rc;
	snprintf(set->rfwd[set->nrfwd].addr, sizeof(set->rfwd[0].addr), "%s", path);
	set->rfwd[set->nrfwd].port = set->rfwd[set->nrfwd].bound = 0;
	set->rfwd[set->nrfwd].unix_socket = 1;
	set->nrfwd++;
	ws_debug("remote forward of socket %s", path);
	return SSH_OK;
}

/* Returns the listener the client names (address and port, or socket
 * path), or -1. */
static int ws_rfwd_named(struct ws_bridges *set, const char *addr, int port, int unix_socket)
{
	int i;

	for (i = 0; i < set->nrfwd; i++)
		if (set->rfwd[i].unix_socket == unix_socket && strcmp(set->rfwd[i].addr, addr) == 0 &&
		    (unix_socket || set->rfwd[i].bound == port))
			return i;
	return -1;
}

static int ws_global_cancel(struct ws_bridges *set, ssh_message msg, int *bound)
{
	const char *addr = ssh_message_global_request_address(msg);
	int port = ssh_message_global_request_port(msg), i, rc;

	(void)bound;
	if ((i = ws_rfwd_named(set, addr, port, 0)) < 0)
		return SSH_ERROR;
	rc = ssh_channel_cancel_forward(set->up, addr, port);
	if (rc != SSH_AGAIN)
		set->rfwd[i] = set->rfwd[--set->nrfwd];
	return rc;
}

static int ws_global_cancel_unix(struct ws_bridges *set, ssh_message msg, int *bound)
{
	const char *path = ssh_message_global_request_address(msg);
	int i, rc;

	(void)bound;
	if ((i = ws_rfwd_named(set, path, 0, 1)) < 0)
		return SSH_ERROR;
	rc = ssh_channel_cancel_forward_unix(set->up, path);
	if (rc != SSH_AGAIN)
		set->rfwd[i] = set->rfwd[--set->nrfwd];
	return rc;
}

/* The global requests relayed to the workspace; the rest are refused. */
static const struct ws_global_kind ws_global_kinds[] = {
	{ "tcpip-forward", SSH_GLOBAL_REQUEST_TCPIP_FORWARD, ws_global_forward },
	{ "cancel-tcpip-forward", SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD, ws_global_cancel },
	{ "streamlocal-forward", SSH_GLOBAL_REQUEST_STREAMLOCAL_FORWARD, ws_global_forward_unix },
	{ "cancel-streamlocal-forward", SSH_GLOBAL_REQUEST_CANCEL_STREAMLOCAL_FORWARD,
	    ws_global_cancel_unix },
};

static const struct ws_global_kind *ws_global_kind_of(ssh_message msg)
{
	int sub = ssh_message_subtype(msg);
	size_t i;

	for (i = 0; i < sizeof(ws_global_kinds) / sizeof(ws_global_kinds[0]); i++)
		if (ws_global_kinds[i].subtype == sub)
			return &ws_global_kinds[i];
	return NULL;
}

void ws_global_from_client(struct ws_bridges *set, ssh_message msg)
{
	struct ws_global *g, **pp = &set->globals;
	const struct ws_global_kind *k = ws_global_kind_of(msg);

	if (set->no_port_forwarding || ssh_message_global_request_address(msg) == NULL)
		k = NULL;
	if (k == NULL && set->globals == NULL) {
		ws_refuse(msg);   /* nothing waits ahead of it */
		return;
	}
	if (set->nglobals >= WS_MAX_GLOBALS || (g = calloc(1, sizeof(*g))) == NULL) {
		ssh_message_free(msg);
		set->fatal = "the client sent more than 64 global requests without waiting for replies";
		return;
	}
	g->kind = k;
	g->msg = msg;
	while (*pp != NULL)
		pp = &(*pp)->next;
	*pp = g;
	set->nglobals++;
}

static int ws_globals_step(struct ws_bridges *set)
{
	struct ws_global *g;
	int rc, bound;

	while ((g = set->globals) != NULL) {
		bound = 0;
		rc = g->kind != NULL ? g->kind->ask(set, g->msg, &bound) : SSH_ERROR;
		if (rc == SSH_AGAIN)
			return 1;
		if (rc == SSH_OK)
			ssh_message_global_request_reply_success(g->msg, (uint16_t)bound);
		else
			ssh_message_reply_default(g->msg);
		set->globals = g->next;
		set->nglobals--;
		ssh_message_free(g->msg);
		free(g);
	}
	return 0;
}

int ws_forward_step(struct ws_bridges *set)
{
	return ws_opens_step(set) | ws_globals_step(set);
}

void ws_forward_free(struct ws_bridges *set)
{
	struct ws_open *o;
	struct ws_global *g;

	while ((o = set->opens) != NULL) {
		set->opens = o->next;
		ssh_message_free(o->msg);
		ssh_channel_free(o->twin);
		free(o);
	}
	while ((g = set->globals) != NULL) {
		set->globals = g->next;
		ssh_message_free(g->msg);
		free(g);
	}
	set->nopens = set->nglobals = 0;
}
