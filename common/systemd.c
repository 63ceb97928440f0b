#include "systemd.h"

#include <syslog.h>

#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>

void ws_sd_notify(const char *state)
{
	/* Not under systemd (or no Type=notify): nothing to tell. */
	(void)sd_notify(0, state);
}

int ws_sd_journal_stream(void)
{
	int fd = sd_journal_stream_fd("wsgate", LOG_INFO, 1);

	return fd < 0 ? -1 : fd;
}
