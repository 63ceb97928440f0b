/* watchdog.h — ends a process that stops returning to its loop.
 *
 * libssh 0.10.6 looped forever writing to a channel whose peer gave a
 * maximum packet size of 10; 0.12 sends packets of 10, but a library that
 * a peer can make spin once may again. The watchdog bounds what a peer can
 * make of it: a connection that spends its CPU for cpu_seconds without one
 * turn of its loop is ended with a log line. */
#ifndef WSGATE_WATCHDOG_H
#define WSGATE_WATCHDOG_H

/* Starts watching this process: every cpu_seconds of CPU it uses (SIGPROF),
 * it checks that ws_watchdog_tick() was called since the last check; if not,
 * it prints line (already escaped; copied, cut at 511 bytes) at error level
 * and ends the process with _exit(1). Returns 0, or -1 with errno set. */
int ws_watchdog_arm(double cpu_seconds, const char *line);

/* Records one turn of the loop. Cheap enough to call on every turn. */
void ws_watchdog_tick(void);

/* Stops watching; a no-op when not armed. */
void ws_watchdog_disarm(void);

#endif
