#include "watchdog.h"

#include "log.h"

#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ws_wd_ticks, ws_wd_seen;
static char ws_wd_line[512];

/* Runs after cpu_seconds of CPU: ticks unchanged since the last run means
 * all of it went to one call that never returned. */
static void ws_wd_check(int sig)
{
	(void)sig;
	if (ws_wd_ticks == ws_wd_seen) {
		ws_log_signal(WS_LOG_ERROR, ws_wd_line);
		_exit(1);
	}
	ws_wd_seen = ws_wd_ticks;
}

int ws_watchdog_arm(double cpu_seconds, const char *line)
{
	struct sigaction sa;
	struct itimerval it;

	strncpy(ws_wd_line, line, sizeof(ws_wd_line) - 1);
	ws_wd_line[sizeof(ws_wd_line) - 1] = '\0';
	ws_wd_seen = ws_wd_ticks ^ 1;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = ws_wd_check;
	sa.sa_flags = SA_RESTART; /* the loop's own calls go on as before */
	if (sigaction(SIGPROF, &sa, NULL) != 0)
		return -1;
	memset(&it, 0, sizeof(it));
	it.it_interval.tv_sec = (time_t)cpu_seconds;
	it.it_interval.tv_usec = (suseconds_t)((cpu_seconds - (double)(time_t)cpu_seconds) * 1e6);
	it.it_value = it.it_interval;
	return setitimer(ITIMER_PROF, &it, NULL);
}

void ws_watchdog_tick(void)
{
	/* Wraps before sig_atomic_t (an int) could overflow. */
	ws_wd_ticks = (ws_wd_ticks + 1) & 0x3fffffff;
}

void ws_watchdog_disarm(void)
{
	struct itimerval it;

	memset(&it, 0, sizeof(it));
	(void)setitimer(ITIMER_PROF, &it, NULL);
}
