#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "appendfile.h"
#include "systemd.h"

static enum ws_log_level ws_log_max = WS_LOG_INFO;
static char ws_log_tag[64];
/* Where lines go: fd 2, but for a process whose fd 2 is a person's
 * (an owner's command run by the monitor: ws_log_set_fd). */
static int ws_log_fd = STDERR_FILENO;

static const char *const ws_log_names[] = { "error", "warn", "info", "debug" };

void ws_log_set_fd(int fd)
{
	ws_log_fd = fd;
}

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

/* How lines are framed for where fd 2 leads (ws_log_open). */
enum ws_log_frame {
	WS_FRAME_STAMPED,       /* a terminal or a file: with a time stamp */
	WS_FRAME_JOURNAL,       /* systemd's journal: "<N>" priority, no stamp */
	WS_FRAME_SYSLOG,        /* /dev/log: "<PRI>wsgate[PID]: " */
};

static enum ws_log_frame ws_log_frame;
static int ws_log_json;

/* syslog severities of error, warn, info, debug; facility daemon (3). */
static const int ws_log_sev[] = { 3, 4, 6, 7 };

/* Appends s as JSON string content (s is already ws_log_escape()d, so only
 * the quote and the backslash need escaping). Signal-safe. */
static void ws_log_json_str(char **p, const char *s, const char *end)
{
	for (; *s != '\0' && *p + 2 < end; s++) {
		if (*s == '"' || *s == '\\')
			*(*p)++ = '\\';
		*(*p)++ = *s;
	}
}

/* The time as "2026-01-01T00:00:00.000Z". */
static void ws_log_now(char **p, const char *end)
{
	struct timespec ts;
	char stamp[24];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (ws_log_stamp(stamp, sizeof(stamp), ts.tv_sec) == 0)
		return;
	ws_log_str(p, stamp, end);
	if (*p + 5 < end) {
		*(*p)++ = '.';
		ws_log_digits(p, (unsigned long)(ts.tv_nsec / 1000000), 3);
		*(*p)++ = 'Z';
	}
}

/* Writes one whole line for msg (already escaped) into buf and returns its
 * length, newline included. No stdio, no locks: a signal handler uses it. */
static size_t ws_log_format(char *buf, size_t cap, enum ws_log_level level, long pid,
    const char *msg)
{
	char *p = buf;
	const char *end = buf + cap - 2;

	if (ws_log_frame == WS_FRAME_JOURNAL) {
		*p++ = '<';
		ws_log_digits(&p, (unsigned long)ws_log_sev[level], 1);
		*p++ = '>';
	} else if (ws_log_frame == WS_FRAME_SYSLOG) {
		*p++ = '<';
		ws_log_digits(&p, (unsigned long)3 * 8 + (unsigned long)ws_log_sev[level], 1);
		ws_log_str(&p, ">wsgate[", end);
		ws_log_digits(&p, (unsigned long)pid, 1);
		ws_log_str(&p, "]: ", end);
	}
	if (ws_log_json) {
		ws_log_str(&p, "{\"time\":\"", end);
		ws_log_now(&p, end);
		ws_log_str(&p, "\",\"pid\":", end);
		ws_log_digits(&p, (unsigned long)pid, 1);
		ws_log_str(&p, ",\"level\":\"", end);
		ws_log_str(&p, ws_log_names[level], end);
		ws_log_str(&p, "\",\"tag\":\"", end);
		ws_log_json_str(&p, ws_log_tag, end - 8);
		ws_log_str(&p, "\",\"msg\":\"", end);
		ws_log_json_str(&p, msg, end - 2);
		ws_log_str(&p, "\"}", end + 2);
	} else {
		if (ws_log_frame == WS_FRAME_STAMPED) {
			ws_log_now(&p, end);
			ws_log_str(&p, " wsgate[", end);
			ws_log_digits(&p, (unsigned long)pid, 1);
			ws_log_str(&p, "] ", end);
		}
		ws_log_str(&p, ws_log_names[level], end);
		if (ws_log_tag[0] != '\0') {
			ws_log_str(&p, " ", end);
			ws_log_str(&p, ws_log_tag, end);
		}
		ws_log_str(&p, ": ", end);
		ws_log_str(&p, msg, end);
	}
	*p++ = '\n';
	return (size_t)(p - buf);
}

void ws_log_signal(enum ws_log_level level, const char *msg)
{
	char line[1280];

	(void)!write(ws_log_fd, line, ws_log_format(line, sizeof(line), level, (long)getpid(), msg));
}

void ws_log(enum ws_log_level level, const char *fmt, ...)
{
	char line[1280], msg[1024], esc[1024];
	va_list ap;

	if (level > ws_log_max)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	ws_log_escape(esc, sizeof(esc), msg);
	/* One write per line keeps lines of concurrent processes apart. */
	(void)!write(ws_log_fd, line, ws_log_format(line, sizeof(line), level, (long)getpid(), esc));
}

void ws_log_relay(enum ws_log_level level, long pid, const char *msg)
{
	char line[1280], esc[1100];
	const char *p;

	/* Already escaped (printable ASCII, its backslashes escapes of
	 * ws_log_escape): passed as it is. Anything else is escaped. */
	for (p = msg; *p >= 0x20 && *p < 0x7f; p++)
		;
	if (*p != '\0') {
		ws_log_escape(esc, sizeof(esc), msg);
		msg = esc;
	}
	(void)!write(ws_log_fd, line, ws_log_format(line, sizeof(line), level, pid, msg));
}

int ws_log_plain(void)
{
	return ws_log_frame == WS_FRAME_STAMPED && !ws_log_json;
}

void ws_log_relayed(void)
{
	ws_log_frame = WS_FRAME_STAMPED;
	ws_log_json = 0;
}

/* Is fd 2 the journal's stream (systemd sets JOURNAL_STREAM to its
 * device:inode)? Then it keeps its own time stamps. */
static int ws_log_stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	return js != NULL && sscanf(js, "%llu:%llu", &dev, &ino) == 2 &&
	    fstat(STDERR_FILENO, &st) == 0 && (unsigned long long)st.st_dev == dev &&
	    (unsigned long long)st.st_ino == ino;
}

/* Makes fd 2 lead to a new destination fd (taken). */
static ws_err ws_log_onto_stderr(int fd, char *why, size_t whylen, const char *what)
{
	if (fd < 0 || dup2(fd, STDERR_FILENO) < 0) {
		snprintf(why, whylen, "cannot log to %s: %s", what, strerror(errno));
		if (fd >= 0)
			close(fd);
		return WS_ERR_IO;
	}
	if (fd != STDERR_FILENO)
		close(fd);
	return WS_OK;
}

ws_err ws_log_open(const char *target, int json, char *why, size_t whylen)
{
	struct sockaddr_un sun;
	int fd;
	ws_err rc;

	if (strcmp(target, "stderr") == 0) {
		ws_log_frame = ws_log_stderr_is_journal() ? WS_FRAME_JOURNAL : WS_FRAME_STAMPED;
	} else if (strcmp(target, "journal") == 0) {
		if ((rc = ws_log_onto_stderr(ws_sd_journal_stream(), why, whylen, "the journal")) != WS_OK)
			return rc;
		ws_log_frame = WS_FRAME_JOURNAL;
	} else if (strcmp(target, "syslog") == 0) {
		/* A datagram socket connected to /dev/log: each write is one
		 * message, and the sandbox (which keeps only fd 2) can still log. */
		memset(&sun, 0, sizeof(sun));
		sun.sun_family = AF_UNIX;
		snprintf(sun.sun_path, sizeof(sun.sun_path), "/dev/log");
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
			close(fd);
			fd = -1;
		}
		if ((rc = ws_log_onto_stderr(fd, why, whylen, "syslog (/dev/log)")) != WS_OK)
			return rc;
		ws_log_frame = WS_FRAME_SYSLOG;
	} else {
		fd = ws_append_open(target, 0640);
		if ((rc = ws_log_onto_stderr(fd, why, whylen, target)) != WS_OK)
			return rc;
		ws_log_frame = WS_FRAME_STAMPED;
	}
	ws_log_json = json;
	return WS_OK;
}
