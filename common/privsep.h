/* privsep.h — the sandbox. Before the key exchange, the process that
 * serves a connection (gateway/session.c), which parses all that a client
 * and a workspace send, enters it; so does each process that parses what a
 * workspace wrote for the engine's callers (jail.h): only the descriptors
 * it needs open, chrooted to an empty directory, its own unprivileged user
 * with no groups, no new privileges, not dumpable, under a seccomp filter
 * (syscall_filter.h). docs/privsep.md has the whole design. */
#ifndef WSGATE_PRIVSEP_H
#define WSGATE_PRIVSEP_H

#include <stddef.h>
#include <sys/types.h>

#include "wserr.h"

/* The empty directory sandboxed processes are chrooted to (made at start). */
#define WS_PRIVSEP_DIR "/run/wsgate/empty"

/* Checks that user exists and is not root (at start-up). "" means no
 * sandbox. Returns WS_ERR_CONFIG with a reason in why otherwise. */
ws_err ws_privsep_check(const char *user, char *why, size_t whylen);

/* Enters the sandbox for good when running as root and user is not "":
 * closes every descriptor but the nkeep (at most 8) in keep, chroots to
 * WS_PRIVSEP_DIR (made root's, empty, mode 0555, when absent),
 * becomes user (groups, gid, uid), dies with parent (SIGKILL; it must still
 * be there), sets no-new-privileges and non-dumpable,
 * installs the seccomp filter. Returns WS_OK, or an error with why set: the
 * caller must end the connection rather than go on with privileges. */
ws_err ws_privsep_sandbox(const char *user, const int *keep, int nkeep, pid_t parent,
    char *why, size_t whylen);

/* Every step of ws_privsep_sandbox() but the seccomp filter, for a process
 * that must start a library first (the metrics' HTTP server) and then
 * installs a filter of its own (syscall_filter.h) before it reads a byte of
 * anyone's: it must not go on without one. Same returns. */
ws_err ws_privsep_drop(const char *user, const int *keep, int nkeep, pid_t parent,
    char *why, size_t whylen);

/* Closes every descriptor but the nkeep (at most 8) in keep. Returns 0, or
 * -1 (errno set). */
int ws_privsep_close_others(const int *keep, int nkeep);

#endif
