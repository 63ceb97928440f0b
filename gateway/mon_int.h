/* mon_int.h — inside a connection's monitor: its state, shared by
 * monitor.c (the process: child, log relay, signals, the end),
 * mon_worker.c (the login worker, a process of its own), mon_req.c (the
 * child's requests and the answers) and mon_try.c (a workspace login handed
 * to the child), and what login.c, kbdint.c and reach.c may ask of it.
 * Internal to the gateway. */
#ifndef WSGATE_MON_INT_H
#define WSGATE_MON_INT_H

#include <libssh/libssh.h>
#include <stddef.h>
#include <sys/types.h>

#include "conn.h"
#include "monproto.h"
#include "rate.h"
#include "wserr.h"

/* Where the conversation with the child stands; ws_mon_set_state() alone
 * moves it, and logs each move. */
enum ws_mon_state {
	WS_MON_HELLO,       /* waiting for its session key */
	WS_MON_PREAUTH,     /* answering authentication requests */
	WS_MON_SESSION,     /* logged in: only its byte counts may come */
	WS_MON_CLOSED,      /* nothing more is read from it (its end, or it broke
	                       the protocol and was killed) */
};

struct ws_recsink;

/* An owner's command running (mon_cmd.c). */
struct ws_mon_cmd {
	pid_t pid;                   /* 0: a free place */
	uint32_t id;                 /* the child's */
	char word[16];               /* its command word, for the audit log */
	char name[WS_NAME_MAX + 1];  /* the workspace it names, or "-" */
};

struct ws_mon {
	const struct ws_session_ctx *ctx;
	struct ws_conn c;            /* the login's state (conn.h) */
	enum ws_mon_state state;
	pid_t child;
	pid_t worker;                /* the login worker while it runs, else 0 */
	int worker_out;              /* its outcome comes here */
	int log_sock;                /* its log lines (descriptor 2 there), -1 in the worker */
	int req_sock;                /* its requests (monproto.h) */
	struct ws_mp mp;             /* the message being read or written */
	char key[256];               /* its session key's public half, base64 (HELLO) */
	ssh_key hostkey;             /* the private host key, read after the child's fork */
	unsigned char sid[WS_MP_HASH_MAX]; /* the session identifier: the first */
	size_t sid_len;              /* exchange hash signed (SIGN), 0 before */
	int signs;                   /* SIGNs answered before login */
	double grace_end;            /* when the login grace time ends; 0: never */
	double since;                /* when the session began */
	char in[24], out[24];        /* its byte counts (END) */
	struct ws_rate relay;        /* log lines relayed per second */
	struct ws_recsink *rec;      /* its recordings (mon_rec.c), once one began */
	double told;                 /* when SIGTERM was passed on, 0 if not */
	int mrelay;                  /* its login worker's metric reports, -1 */
	struct ws_mon_figures {      /* the bridge's, as last passed on (STATS) */
		uint64_t in, out;
		uint32_t kinds[WS_MP_CHANNEL_TYPES];
		struct ws_rate rate;
	} fig;
	struct ws_mon_cmd *cmds;     /* an owner's commands running (mon_cmd.c):
	                                WS_MP_CMD_MAX places, made at the first */
	/* Why the monitor killed it, if it did (only a protocol breach is
	 * the crash penalty's). */
	enum { WS_MON_ALIVE, WS_MON_KILLED_PROTOCOL, WS_MON_KILLED_GRACE, WS_MON_KILLED_SLOW } killed;
};

/* Moves the conversation to st, logging the move. */
void ws_mon_set_state(struct ws_mon *m, enum ws_mon_state st);

/* The child broke the protocol (what: why, for the log): it is killed and
 * nothing more is read from it. */
void ws_mon_violation(struct ws_mon *m, const char *what);

/* Kills a child still not logged in 3 s after the login grace time (its
 * own alarm ends it at once, or 2 s later from inside a blocking call): a
 * taken-over one must not hold its place. The login worker's while it
 * runs, the monitor's after (it does nothing where a worker runs). */
void ws_mon_grace(struct ws_mon *m);

/* Reads the private host key into m->hostkey, after the connection
 * process's fork (it never has it): through a buffer wiped after the
 * import, checked against the public key the listener serves (a file
 * replaced since the start would sign for another key). Jails forked
 * afterwards drop it (ws_jail_scrub). Returns WS_OK, or an error (logged). */
ws_err ws_mon_hostkey(struct ws_mon *m);

/* Reads and answers one request waiting on m->req_sock. */
void ws_mon_request(struct ws_mon *m);

/* mon_rec.c: the REC_* requests (monproto.h, recsink.h), each read from
 * m->mp, its shape checked; and the end of every recording. */
void ws_req_rec_open(struct ws_mon *m);
void ws_req_rec_data(struct ws_mon *m);
void ws_req_rec_resize(struct ws_mon *m);
void ws_req_rec_lost(struct ws_mon *m);
void ws_req_rec_close(struct ws_mon *m);
void ws_mon_rec_end(struct ws_mon *m);

/* mon_cmd.c: CMD (an ACCOUNT+ login's command, read from m->mp, its
 * shape checked): runs it in a process of its own and hands the child its
 * sockets. */
void ws_req_cmd(struct ws_mon *m);

/* Reaps the commands that ended (wait: waits for every one), with an
 * audit line each, and tells the child their exit status. */
void ws_mon_cmd_reap(struct ws_mon *m, int wait);

/* Sends the child one line for the person (a TELL); dropped when the child
 * does not take it at once. */
void ws_mon_tell(struct ws_mon *m, const char *line);

/* Connects to the workspace's sshd on port and has the child log in over
 * that socket: pinned hostkey ("type base64"), a certificate signed now for
 * the child's session key with key_id and c's restrictions. Returns what
 * the child found (WS_OK: it is logged in and keeps the session; WS_ERR_IO:
 * nothing answered yet; WS_ERR_DENIED, WS_ERR_HOSTKEY, WS_ERR_SSH), with a
 * line in why; as upstream.h's ws_upstream_connect. */
ws_err ws_mon_try(struct ws_mon *m, int port, const char *hostkey, const char *key_id,
    char *why, size_t whylen);

/* Forks the login worker (mon_worker.c), which answers the child's
 * requests until it has logged in or ended, then exits. Returns 0, or -1
 * when it cannot (errno). */
int ws_mon_worker_start(struct ws_mon *m);

/* Once the worker has ended (wait: the call waits for it), takes its
 * outcome into m (logged in or not, failures, grace time, why it killed the
 * child) and moves m to WS_MON_SESSION or WS_MON_CLOSED. Returns 1 then, 0
 * while it runs (or when there is none). */
int ws_mon_worker_poll(struct ws_mon *m, int wait);

/* Moves the end of the login grace time by seconds: the time a workspace
 * took to answer (or not) is not the client's. */
void ws_mon_grace_extend(struct ws_mon *m, double seconds);

/* Metrics (mon_metrics.c; nothing when they are off). Makes the socket the
 * login worker reports on: *worker_end is its end (-1 when off). Returns 0,
 * or -1 (errno). */
int ws_mon_metrics_pair(struct ws_mon *m, int *worker_end);

/* In the login worker: its reports go to its monitor on fd. */
void ws_mon_metrics_worker(int fd);

/* Passes the worker's waiting reports on to the listener as the
 * monitor's own (the listener knows the monitor, not the worker): a
 * bounded number, or all once the worker has ended. */
void ws_mon_metrics_relay(struct ws_mon *m, int all);

/* The connection is logged in: bridging, a session open. */
void ws_mon_metrics_session(void);

/* The bridge's figures (STATS, or END's byte counts with kinds NULL):
 * what changed is passed on. Returns 0, or -1 when they cannot be true
 * (bytes that go back; more channels than max_channels). */
int ws_mon_metrics_figures(struct ws_mon *m, uint64_t in, uint64_t out, const uint32_t *kinds);

#endif
