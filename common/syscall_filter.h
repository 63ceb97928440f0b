/* syscall_filter.h — the system calls a session's unprivileged process may make
 * once it bridges: reading and writing its sockets, waiting on them,
 * memory (never executable), time, randomness (rekeying), signals to
 * itself, fcntl for flags
 * only (no O_ASYNC, F_SETOWN, F_SETSIG: signals to others). No socket,
 * connect, open, exec, fork, ptrace or kill of others: such a call ends the
 * process at once (SIGSYS), and only its own connection with it. */
#ifndef WSGATE_SYSCALL_FILTER_H
#define WSGATE_SYSCALL_FILTER_H

#include <stddef.h>

#include "wserr.h"

/* Installs the filter for the calling process (after PR_SET_NO_NEW_PRIVS).
 * Returns WS_OK, or an error with why set: the caller must not go on
 * unfiltered. */
ws_err ws_syscall_filter_enter(char *why, size_t whylen);

/* The same filter for the metrics' HTTP process, which also accepts
 * connections on its listening socket and answers them (accept4, sendmsg,
 * setsockopt, getsockname, getpeername). */
ws_err ws_syscall_filter_enter_http(char *why, size_t whylen);

#endif
