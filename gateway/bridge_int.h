/* bridge_int.h — what bridge.c shares with forward.c (not a public API). */
#ifndef WSGATE_BRIDGE_INT_H
#define WSGATE_BRIDGE_INT_H

#include <libssh/callbacks.h>
#include <stdint.h>
#include <libssh/libssh.h>

#include "bridge.h"

/* Remote forwards one connection may hold (OpenSSH has no limit; 32 is many). */
#define WS_MAX_RFWD 32

/* A listener the client asked for (ssh -R) and the workspace's sshd holds. */
struct ws_rfwd {
	char addr[256];        /* as the client asked: it matches channels by it */
	int port;              /* as asked (0 = any) */
	int bound;             /* what the workspace bound */
};

struct ws_bridge;

struct ws_bridges {
	ssh_session down, up;
	int max_channels, no_pty, no_port_forwarding, no_agent, no_x11, count;
	int agent_asked, x11_asked;   /* the client asked for these forwardings */
	int up_busy;                  /* a request is being relayed (ws_up_blocking) */
	struct ws_rfwd rfwd[WS_MAX_RFWD]; /* ssh -R listeners held on the workspace */
	int nrfwd;
	uint64_t bytes_in, bytes_out;  /* client -> workspace, workspace -> client */
	struct ssh_callbacks_struct up_session_cb;
	struct ws_bridge *head;
};

/* Pairs down (client side) with up (workspace side), both open, and starts
 * relaying; session channels also relay requests. Returns 0, or -1 when the
 * callbacks could not be set (the caller frees both channels). */
int ws_bridge_attach(struct ws_bridges *set, ssh_channel down, ssh_channel up, int session);

/* Switches the workspace session to blocking (on=1) around one request:
 * while waiting, only the workspace socket is served. */
void ws_up_blocking(struct ws_bridges *set, int on);

/* libssh callbacks for agent and X11 channels the workspace opens. */
ssh_channel ws_on_agent_open(ssh_session session, void *userdata);
ssh_channel ws_on_x11_open(ssh_session session, const char *orig, int oport, void *userdata);

/* Takes connections to ssh -R listeners the workspace has for us. */
void ws_accept_reverse(struct ws_bridges *set);

#endif
