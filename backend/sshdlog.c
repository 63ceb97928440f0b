#include "sshdlog.h"

#include <string.h>

#include "exec.h"

time_t ws_sshdlog_time(const char *s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
		return 0;
	if (tm.tm_year < 71)
		return 0;
	return timegm(&tm);
}

/* Remembers the newest time of an sshd session line. */
static void ws_log_line(void *arg, int i, const char *line)
{
	time_t *last = arg, t;

	(void)i;
	if (strstr(line, " Accepted ") == NULL && strstr(line, " Disconnected from user ") == NULL &&
	    strstr(line, " Received disconnect from ") == NULL)
		return;
	if ((t = ws_sshdlog_time(line)) > *last)
		*last = t;
}

time_t ws_sshdlog_last_session(const unsigned char *buf, size_t len)
{
	time_t last = 0;

	ws_exec_demux(buf, len, 0, ws_log_line, &last);
	return last;
}
