/* monitor.h — each connection's monitor, as OpenSSH's privilege separation
 * has one (monitor.c, README.privsep). The listener forks it for an
 * accepted connection; it forks the process that serves the connection
 * (session.h) and stays root beside it, doing nothing that dirties memory
 * (so it costs a session little: bench/memory.sh). It holds what the
 * sandboxed bridge must not: the audit log and the listener's pipe. It
 * relays its child's log lines (checked, escaped, at most 1000 a second),
 * passes SIGTERM on, writes the session's end to the audit log, and tells
 * the listener of a child that died of a signal before login (penalty). */
#ifndef WSGATE_MONITOR_H
#define WSGATE_MONITOR_H

#include <stdint.h>

#include "session.h"

/* Serves the accepted TCP connection fd (taken over) through a child
 * running ws_session_serve() with descriptor 2 a socket to this monitor.
 * Returns the exit code for this process: in the monitor the session's
 * (1 when the child died of a signal, which is logged), in the child its
 * own. */
int ws_monitor_serve(const struct ws_session_ctx *ctx, int fd, const char *peer_ip,
    int peer_port);

/* For the child: tells its monitor whose session it is, once logged in
 * (account and workspace are checked names: no spaces). */
void ws_monitor_tell_start(const char *account, const char *workspace);

/* For the child: tells its monitor the session's byte counts at its end. */
void ws_monitor_tell_end(uint64_t bytes_in, uint64_t bytes_out);

#endif
