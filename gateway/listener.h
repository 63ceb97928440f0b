/* listener.h — the accepting process: admits connections (penalties,
 * max_startups), forks each one's monitor, reaps them, runs the idle sweep,
 * and on SIGHUP reloads its configuration and keys for new connections
 * while every session goes on with what it started with (sshd re-execs to
 * the same effect). */
#ifndef WSGATE_LISTENER_H
#define WSGATE_LISTENER_H

#include "config.h"

struct ws_listener;

/* How the configuration is found again on SIGHUP. */
struct ws_listener_opts {
	const char *path;       /* the configuration file */
	int path_given;         /* named with -f: it must exist */
	int debug;              /* -d: debug logging whatever log_level says */
};

/* Builds a listener from cfg (checked; taken on success): the host key's
 * public half, the user CA, the SSH settings, the listening socket, the
 * logs. Returns NULL after logging why. Free with ws_listener_free(). */
struct ws_listener *ws_listener_new(const struct ws_listener_opts *opts, struct ws_config *cfg);

/* Serves until SIGTERM or SIGINT. Returns the exit status for main. */
int ws_listener_run(struct ws_listener *l);

/* Closes the socket and frees l; accepts NULL. */
void ws_listener_free(struct ws_listener *l);

#endif
