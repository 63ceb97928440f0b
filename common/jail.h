/* jail.h — parsing what a workspace wrote, away from root. The engine's
 * callers read bytes a workspace controls (its commands' output, its sshd's
 * log, its process list) in root processes that hold the Docker socket.
 * A jail is a child process, forked for one parse, that enters the sandbox
 * (privsep.h) with nothing but a pipe back, runs the parser on its copy of
 * the bytes, writes its result, and exits; the caller reads at most a
 * capped amount of it within a bounded time. A flaw in a parser then gives
 * a workspace's root nothing but a process that can write to that pipe. */
#ifndef WSGATE_JAIL_H
#define WSGATE_JAIL_H

#include <stddef.h>

#include "dynbuf.h"
#include "wserr.h"

/* Sets the user jails run as (privsep_user): at start-up, as root. Never
 * set, "" or not root: parsers run in the calling process (unit tests, a
 * gateway configured without a sandbox). */
void ws_jail_user(const char *user);

/* Sets a function every jail calls first, right after its fork: it drops
 * what the forking process holds and a parser must never see (the monitor's
 * host key). NULL: none. */
void ws_jail_scrub(void (*fn)(void));

/* Sets how long a jail may take (default 5 s; tests shorten it). */
void ws_jail_timeout(double seconds);

/* Where a parser writes its result. */
typedef void (*ws_jail_put_fn)(void *ctx, const void *p, size_t n);

/* A parser: reads in (len bytes), writes its result through put. */
typedef void (*ws_jail_fn)(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put,
    void *put_ctx);

/* Runs fn(in, len, arg, ...) in a jail and appends what it wrote to out
 * (whose cap bounds it). what names the parse for the log. Returns WS_OK;
 * WS_ERR_TOO_LARGE past out's cap; WS_ERR_IO when the jail could not be
 * made, took more than 5 s (killed) or died (logged): the caller then
 * takes the safe reading (a workspace in use, no output). */
ws_err ws_jail_run(const char *what, ws_jail_fn fn, const unsigned char *in, size_t len,
    void *arg, struct ws_dynbuf *out);

#endif
