#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static enum ws_log_level ws_log_max = WS_LOG_INFO;
static char ws_log_tag[64];

static const char *const ws_log_names[] = { "error", "warn", "info", "debug" };

void ws_log_set_level(enum ws_log_level level)
{
	ws_log_max = level;
}

int ws_log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(ws_log_names) / sizeof(ws_log_names[0]); i++)
		if (name != NULL && strcasecmp(name, ws_log_names[i]) == 0)
			return (int)i;
	return -1;
}

void ws_log_set_tag(const char *tag)
{
	if (tag == NULL)
		ws_log_tag[0] = '\0';
	else
		snprintf(ws_log_tag, sizeof(ws_log_tag), "%s", tag);
}

size_t ws_log_escape(char *dst, size_t cap, const char *src)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	if (cap == 0)
		return 0;
	for (; *src != '\0'; src++) {
		unsigned char ch = (unsigned char)*src;
		size_t need = (ch < 0x20 || ch == 0x7f) ? 4 : ch == '\\' ? 2 : 1;
		if (n + need >= cap)
			break;
		if (need == 4) {
			dst[n++] = '\\';
			dst[n++] = 'x';
			dst[n++] = hex[ch >> 4];
			dst[n++] = hex[ch & 15];
		} else {
			if (need == 2)
				dst[n++] = '\\';
			dst[n++] = (char)ch;
		}
	}
	dst[n] = '\0';
	return n;
}

void ws_log(enum ws_log_level level, const char *fmt, ...)
{
	char line[1024], msg[1024];
	char stamp[32];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (level > ws_log_max)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(line, sizeof(line), "%s.%03ldZ wsgate[%ld] %s%s%s: ", stamp,
	    ts.tv_nsec / 1000000, (long)getpid(), ws_log_names[level],
	    ws_log_tag[0] ? " " : "", ws_log_tag);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	ws_log_escape(line + n, sizeof(line) - (size_t)n, msg);
	/* One write per line keeps lines of concurrent processes apart. */
	n = (int)strnlen(line, sizeof(line) - 2);
	line[n++] = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)n);
}
