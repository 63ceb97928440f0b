#include "audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "appendfile.h"
#include "log.h"

#define WS_AUDIT_VALUE_MAX 200

static int ws_audit_fd = STDERR_FILENO;

ws_err ws_audit_open(const char *path)
{
	int fd = STDERR_FILENO;

	/* Root appends here: never through a link, never into a FIFO (it
	 * would hold the listener), only a regular file. */
	if (path != NULL && path[0] != '\0' && (fd = ws_append_open(path, 0600)) < 0)
		return WS_ERR_IO;
	/* Reopening (rotation, SIGHUP): the old file is let go once the new
	 * one is open. */
	if (ws_audit_fd != STDERR_FILENO && ws_audit_fd != fd)
		close(ws_audit_fd);
	ws_audit_fd = fd;
	return WS_OK;
}

static int ws_audit_safe(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    strchr("._:@/+-", c) != NULL;
}

/* Appends value to line at *n (bounded by cap), escaped. */
static void ws_audit_put(char *line, size_t cap, size_t *n, const char *value)
{
	size_t i;

	if (value == NULL || value[0] == '\0')
		value = "-";
	for (i = 0; i < WS_AUDIT_VALUE_MAX && value[i] != '\0' && *n + 4 < cap; i++) {
		unsigned char c = (unsigned char)value[i];
		if (ws_audit_safe(c))
			line[(*n)++] = (char)c;
		else
			*n += (size_t)snprintf(line + *n, cap - *n, "%%%02X", c);
	}
}

void ws_audit(const char *event, const char *const *kv)
{
	char line[2048], stamp[32];
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = (size_t)snprintf(line, sizeof(line), "%s.%03ldZ wsgate[%ld] audit event=%s", stamp,
	    ts.tv_nsec / 1000000, (long)getpid(), event);
	for (; kv != NULL && kv[0] != NULL && kv[1] != NULL && n + 8 < sizeof(line); kv += 2) {
		n += (size_t)snprintf(line + n, sizeof(line) - n, " %s=", kv[0]);
		if (n >= sizeof(line) - 8)
			break;
		ws_audit_put(line, sizeof(line) - 2, &n, kv[1]);
	}
	/* snprintf counts what did not fit: the newline goes in the line. */
	if (n > sizeof(line) - 1)
		n = sizeof(line) - 1;
	/* On stderr framed as JSON, for the journal or syslog: as a log line
	 * of its own frame (never filtered out by log_level). */
	if (ws_audit_fd == STDERR_FILENO && !ws_log_plain()) {
		line[n] = '\0';
		ws_log_relay(WS_LOG_INFO, (long)getpid(), strstr(line, "audit event="));
		return;
	}
	line[n++] = '\n';
	while (write(ws_audit_fd, line, n) < 0 && errno == EINTR)
		;
}
