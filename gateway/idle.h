/* idle.h — stopping workspaces nobody uses (idle_stop). */
#ifndef WSGATE_IDLE_H
#define WSGATE_IDLE_H

#include "config.h"

/* Stops every running workspace with no session open and no session activity
 * for cfg->idle_stop seconds. Blocking (Docker calls): the listener runs it
 * in a child process. Returns how many it stopped. */
int ws_idle_sweep(const struct ws_config *cfg);

/* Seconds between sweeps for idle_stop: a quarter of it, 1 to 60. */
int ws_idle_interval(int idle_stop);

#endif
