/* bridge_int.h — what bridge.c (pairs and their data), relay.c (requests on
 * a channel) and forward.c (opens and global requests) share. Not a public
 * API: programs use bridge.h. */
#ifndef WSGATE_BRIDGE_INT_H
#define WSGATE_BRIDGE_INT_H

#include <libssh/callbacks.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <stdint.h>

#include "bridge.h"

/* Remote forwards one connection may hold (OpenSSH has no limit; 32 is many). */
#define WS_MAX_RFWD 32

/* Requests waiting on one channel; a client that queues more loses the
 * channel (OpenSSH clients wait for each reply after a few). */
#define WS_MAX_QUEUED 32

/* Global requests waiting for their turn (ssh -R and its cancel wait for
 * the workspace; the rest are refused in their turn, as replies go back in
 * order). A client that sends more without reading replies loses the
 * connection: answering out of order would misattribute every reply. */
#define WS_MAX_GLOBALS 64

/* A listener the client asked for (ssh -R) and the workspace's sshd holds. */
struct ws_rfwd {
	char addr[256];        /* as the client asked: it matches channels by it */
	int port;              /* as asked (0 = any) */
	int bound;             /* what the workspace bound */
	int unix_socket;       /* addr is a socket path (streamlocal-forward) */
};

/* One direction of a pair, after OpenSSH's nchan.c: data moves from src to
 * dst within dst's window; EOF follows the last byte. */
enum ws_flow_state {
	WS_FLOW_OPEN,          /* data moves */
	WS_FLOW_DRAIN,         /* src sent EOF or CLOSE: what it sent still goes */
	WS_FLOW_EOF,           /* everything delivered, EOF sent to dst */
	WS_FLOW_DEAD,          /* dst is gone: what src still sends is dropped */
};

/* The workspace's exit status: held until its output is delivered. */
enum ws_exit_state {
	WS_EXIT_NONE,
	WS_EXIT_HELD,
	WS_EXIT_SENT,
};

/* Data read from a channel's buffer but not yet accepted by the other side.
 * libssh opens the window again for what we read, so a flow reads its
 * source's buffer only when the carry is empty, and then reads what it
 * holds; what the other side cannot take yet waits here (at most what libssh
 * held, which its window bounds: 2 MiB per channel in libssh 0.12). */
struct ws_carry {
	char *data;
	size_t off, len, cap;  /* data[off, off + len) waits */
};

struct ws_flow {
	const char *name;      /* "client>workspace" or "workspace>client" */
	ssh_channel src, dst;
	enum ws_flow_state state;
	int pending[2];        /* src holds unread stdout / stderr data */
	struct ws_carry carry[2];
	int src_closed;        /* src sent CLOSE (or its session is gone) */
	uint64_t *counter;     /* bytes delivered, for the audit log */
};

struct ws_req;
struct ws_open;
struct ws_global;
struct ws_recq;

/* A client channel and its twin on the workspace's sshd. */
struct ws_bridge {
	struct ws_bridges *set;
	int id;                /* for logs */
	int kind;              /* its type, 0 to WS_BRIDGE_KINDS - 1 (metrics) */
	struct ws_flow c2w;    /* client -> workspace: src is down, dst is up */
	struct ws_flow w2c;    /* workspace -> client */
	struct ssh_channel_callbacks_struct down_cb, up_cb;
	struct ssh_channel_callbacks_struct req_cb;   /* relay.c's, on down */
	enum ws_exit_state exit_state;
	int exit_status;       /* exit-status, or exit-signal when exit_signal is set */
	char *exit_signal, *exit_errmsg, *exit_lang;
	int exit_core;
	int down_closed, up_closed;   /* we sent CLOSE on that side; the pair
	                       * lives on until each peer answered it, so
	                       * what it still sends is taken and dropped
	                       * (libssh would buffer it) and the place
	                       * stays counted in max_channels */
	int abort;             /* a peer broke the rules: close both now */
	double close_wait;     /* when the client's CLOSE began to wait: for the
	                        * exit status, then for the workspace's answer */
	struct ws_req *reqs;   /* requests from the client, answered in order */
	int nreqs;
	uint32_t rec_id;       /* its recording (record.c), 0 when none */
	struct ws_bridge *next;
};

struct ws_bridges {
	ssh_session down, up;
	int max_channels, no_pty, no_port_forwarding, no_agent, no_x11;
	int count;             /* pairs */
	int nopens;            /* opens waiting for the far side */
	int next_id;
	int agent_asked, x11_asked;   /* the client asked for these forwardings */
	struct ws_rfwd rfwd[WS_MAX_RFWD]; /* ssh -R listeners held on the workspace */
	int nrfwd;
	uint64_t bytes_in, bytes_out;  /* client -> workspace, workspace -> client */
	struct ws_bridge *head;
	struct ws_open *opens;
	struct ws_global *globals;
	int nglobals;
	const char *fatal;     /* a peer broke a rule of the whole connection */
	struct ws_recq *rec;   /* recordings for the monitor (record.c), or NULL */
};

/* bridge.c */

/* Pairs down (client side) with up (workspace side), both open, and starts
 * moving data. Returns the pair, linked into set, or NULL when the
 * callbacks could not be set (the caller still owns both channels). */
struct ws_bridge *ws_bridge_attach(struct ws_bridges *set, ssh_channel down, ssh_channel up);

/* Moves b's data on: buffered data, EOF, exit status, close. Returns 1 while
 * something waits on a peer's window. b is done once down_closed and
 * up_closed are both set. */
int ws_bridge_pump(struct ws_bridge *b);

/* The workspace connection is gone: writes line (len bytes) to the client's
 * stderr and closes its channel. */
void ws_bridge_lost(struct ws_bridge *b, const char *line, size_t len);

/* 1 once b can go: we closed both sides and both peers answered. */
int ws_bridge_finished(const struct ws_bridge *b);

/* Frees b's channels and buffers (not its request queue: ws_relay_drop()
 * first); accepts NULL. */
void ws_bridge_free(struct ws_bridge *b);

/* relay.c */

/* Queues a channel request from the client for b's workspace channel (takes
 * msg). Returns 0, or -1 when b has too many waiting: msg is then refused
 * and freed, and b is aborted. */
int ws_relay_message(struct ws_bridge *b, ssh_message msg);

/* Relays the requests of b's session channel: installs the callbacks for
 * those libssh hands over as callbacks (signal; auth-agent-req, which
 * libssh has already said yes to). Returns 0, or -1 on failure. */
int ws_relay_attach(struct ws_bridge *b);

/* Sends b's next requests to the workspace and answers the client as
 * replies come. Returns 1 while a reply is awaited. */
int ws_relay_step(struct ws_bridge *b);

/* Drops b's queue; answers failure to the client if reply is set. */
void ws_relay_drop(struct ws_bridge *b, int reply);

/* record.c: the pty sessions recorded (docs/recording.md), when set->rec */

/* Whether b may have a pty: one that could not be recorded is refused. */
int ws_record_may_pty(struct ws_bridge *b);

/* The workspace's answer (ok) to the client's request msg on b: a pty
 * granted begins b's recording, a window change is recorded. */
void ws_record_request(struct ws_bridge *b, ssh_message msg, int ok);

/* len bytes read from f's source (its stream err: 0 data, 1 stderr), which
 * go on to f's destination. */
void ws_record_data(struct ws_bridge *b, const struct ws_flow *f, int err, const char *data,
    size_t len);

/* b's recording ends (the pair is freed, or the session ends). */
void ws_record_end(struct ws_bridge *b);

/* forward.c */

/* The client opens a session or direct-tcpip channel; the workspace opens
 * agent, X11 or forwarded-tcpip channels. Each takes msg: relays the open or
 * refuses it. */
void ws_open_from_client(struct ws_bridges *set, ssh_message msg);
void ws_open_from_workspace(struct ws_bridges *set, ssh_message msg);

/* The client's tcpip-forward / cancel-tcpip-forward (takes msg). */
void ws_global_from_client(struct ws_bridges *set, ssh_message msg);

/* Moves opens and global requests on as answers come. Returns 1 while any
 * waits. */
int ws_forward_step(struct ws_bridges *set);

/* Refuses and frees everything still waiting. */
void ws_forward_free(struct ws_bridges *set);

#endif
