/* monitor.h — each connection's monitor, as OpenSSH's privilege separation
 * has one (monitor.c, README.privsep). The listener forks it for an
 * accepted connection; it forks the process that serves the connection
 * (session.h), which is sandboxed before it reads a byte of the client's,
 * and stays root beside it. It holds what the child must not: PAM, the
 * key store and host accounts, auth_url, the Docker socket, the user CA,
 * the audit log and the listener's pipe. It (through a login worker of
 * its own until login: mon_worker.c) answers the child's requests
 * (monproto.h: every login is decided here, every workspace brought up
 * here, each over a socket it connects and hands over with a certificate
 * for that workspace only), relays its log lines (checked, escaped, at
 * most 1000 a second), enforces the login grace time, passes SIGTERM on,
 * writes the audit log, and tells the listener what a connection earned
 * (authenticated, failures, grace time out, a crash: penalties). */
#ifndef WSGATE_MONITOR_H
#define WSGATE_MONITOR_H

#include "session.h"

/* Serves the accepted TCP connection fd (taken over) through a child
 * running ws_session_serve() with descriptor 2 (its log) and a request
 * socket to this monitor.
 * Returns the exit code for this process: in the monitor the session's
 * (1 when the child died of a signal, which is logged), in the child its
 * own. */
int ws_monitor_serve(const struct ws_session_ctx *ctx, int fd, const char *peer_ip,
    int peer_port);

#endif
