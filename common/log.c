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

const char *ws_log_get_tag(void)
{
	return ws_log_tag;
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
		/* Bytes from 0x80 too: C1 controls (0x9b is CSI to some
		 * terminals) and U+0085/U+2028 end lines for some readers. */
		size_t need = (ch < 0x20 || ch >= 0x7f) ? 4 : ch == '\\' ? 2 : 1;
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

/* Appends the decimal digits of v, zero-padded to width, at *p. */
static void ws_log_digits(char **p, unsigned long v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && n < (int)sizeof(tmp));
	while (n < width && n < (int)sizeof(tmp))
		tmp[n++] = '0';
	while (n > 0)
		*(*p)++ = tmp[--n];
}

static void ws_log_str(char **p, const char *s, const char *end)
{
	while (*s != '\0' && *p < end)
		*(*p)++ = *s++;
}

/* The civil date from days since 1970 is Howard Hinnant's days_from_civil,
 * inverted: integers only, so a signal handler may use it. */
size_t ws_log_stamp(char *buf, size_t cap, time_t t)
{
	char *p = buf;
	long days, secs, era, doe, yoe, doy, mp, y, m, d;

	if (cap < 20 || t < 0 || t >= (time_t)253402300800LL) /* years 0000-9999 */
		return 0;
	days = (long)(t / 86400) + 719468;
	secs = (long)(t % 86400);
	era = days / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	ws_log_digits(&p, (unsigned long)y, 4);
	*p++ = '-';
	ws_log_digits(&p, (unsigned long)m, 2);
	*p++ = '-';
	ws_log_digits(&p, (unsigned long)d, 2);
	*p++ = 'T';
	ws_log_digits(&p, (unsigned long)(secs / 3600), 2);
	*p++ = ':';
	ws_log_digits(&p, (unsigned long)(secs / 60 % 60), 2);
	*p++ = ':';
	ws_log_digits(&p, (unsigned long)(secs % 60), 2);
	*p = '\0';
	return (size_t)(p - buf);
}

/* "2026-01-01T00:00:00.000Z wsgate[PID] LEVEL TAG: " without stdio. */
static size_t ws_log_prefix(char *buf, size_t cap, enum ws_log_level level)
{
	struct timespec ts;
	char *p = buf;
	const char *end = buf + cap - 1;

	if (cap < 64)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	p += ws_log_stamp(buf, cap, ts.tv_sec);
	*p++ = '.';
	ws_log_digits(&p, (unsigned long)(ts.tv_nsec / 1000000), 3);
	ws_log_str(&p, "Z wsgate[", end);
	ws_log_digits(&p, (unsigned long)getpid(), 1);
	ws_log_str(&p, "] ", end);
	ws_log_str(&p, ws_log_names[level], end);
	if (ws_log_tag[0] != '\0') {
		ws_log_str(&p, " ", end);
		ws_log_str(&p, ws_log_tag, end);
	}
	ws_log_str(&p, ": ", end);
	*p = '\0';
	return (size_t)(p - buf);
}

void ws_log_signal(enum ws_log_level level, const char *msg)
{
	char line[1024];
	char *p;
	size_t n;

	n = ws_log_prefix(line, sizeof(line), level);
	p = line + n;
	ws_log_str(&p, msg, line + sizeof(line) - 1);
	*p++ = '\n';
	(void)!write(STDERR_FILENO, line, (size_t)(p - line));
}

void ws_log(enum ws_log_level level, const char *fmt, ...)
{
	char line[1024], msg[1024];
	va_list ap;
	int n;

	if (level > ws_log_max)
		return;
	n = (int)ws_log_prefix(line, sizeof(line), level);
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
