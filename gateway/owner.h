/* owner.h — an ACCOUNT+ login's connection, in the sandboxed process:
 * no workspace is bridged; each session channel runs one of the owner's
 * commands (docs/workspaces.md). The exec request's line is split here
 * (cliargs.h) and asked of the monitor (CMD, monproto.h), which runs the
 * command as root (mon_cmd.c) and hands back its stdin/stdout socket and
 * its stderr socket; this pumps them to and from the channel within the
 * channel's windows and bounded buffers, then sends the exit status, EOF
 * and CLOSE. A shell request, or an empty line, runs help. Pty, env,
 * subsystem (sftp), X11 and every forwarding are refused. At most
 * WS_MP_CMD_MAX session channels at once. Internal to the gateway. */
#ifndef WSGATE_OWNER_H
#define WSGATE_OWNER_H

#include <signal.h>
#include <stdint.h>

#include <libssh/libssh.h>

#include "preauth.h"

/* Serves s's channels until the client goes or *stop is set (the gateway
 * stops). s is logged in as ACCOUNT+ (s->name ""); s->down is added to ev.
 * Sets *in and *out to the bytes from and to the client. Returns 0 after a
 * normal end, 1 when the monitor could not be followed (out of memory, a
 * message that makes no sense). */
int ws_owner_serve(struct ws_sess *s, ssh_event ev, volatile sig_atomic_t *stop,
    uint64_t *in, uint64_t *out);

/* A message from the monitor in s->mp while s serves an owner's commands
 * (also from inside a key exchange's wait for its signature): takes a
 * CMD_FD's socket or a CMD_EXIT. Returns 1 when it was one of those (one
 * that makes no sense ends the connection at the loop's next turn), 0 for
 * any other type (left as it is). */
int ws_owner_mon_message(struct ws_sess *s);

#endif
