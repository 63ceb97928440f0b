/* exec.h — running commands inside a container through Docker's exec API
 * (clone, post-start), with their output captured and capped; and the
 * engine's multiplexed output stream. */
#ifndef WSGATE_EXEC_H
#define WSGATE_EXEC_H

#include <stddef.h>

#include "docker.h"
#include "wserr.h"

/* Most output kept per command; the rest is dropped (the command still runs). */
#define WS_EXEC_MAX_OUTPUT ((size_t)64 * 1024)

/* Called once per output line (without its newline) of command index i. */
typedef void (*ws_exec_line_fn)(void *arg, int i, const char *line);

/* Runs cmd with bash -lc as user inside the container cname and waits for it
 * (d's timeout bounds it). Sets *exit_code; each output line goes to fn.
 * Returns WS_ERR_* with why set when the engine refused or failed. */
ws_err ws_exec_run(struct ws_docker *d, const char *cname, const char *user, const char *cmd,
    int i, ws_exec_line_fn fn, void *arg, int *exit_code, char *why, size_t whylen);

/* Splits the engine's multiplexed stream (8-byte frame headers) of len bytes
 * into lines for fn; a truncated last frame is taken as far as it goes.
 * Pure: exposed for unit tests and the fuzzer. */
void ws_exec_demux(const unsigned char *buf, size_t len, int i, ws_exec_line_fn fn, void *arg);

#endif
