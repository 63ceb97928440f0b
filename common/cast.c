#include "cast.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "jsonstr.h"

/* Input bytes per event line: a longer chunk makes several lines with the
 * same time (the line is built whole before the cap is checked). */
#define WS_CAST_SLICE 4096
/* An event line's room: its head ("[seconds, "o", "), the escaped slice
 * and its tail. */
#define WS_CAST_LINE (64 + WS_JSONSTR_MAX(WS_CAST_SLICE) + 8)
/* Most bytes of TERM kept (terminfo names are short). */
#define WS_CAST_TERM_MAX 64
#define WS_CAST_CAP_TEXT "wsgate: record_max_mb reached; the rest of the session is not recorded"

struct ws_cast {
	int fd;
	size_t size, max;
	int capped, failed;
	double last;                 /* time of the last event: never goes back */
	struct ws_jsonstr out, in;   /* the two streams' characters held over */
	char line[WS_CAST_LINE];
};

static int ws_cast_name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 64 && s[0] != '.' &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") == n;
}

static ws_err ws_cast_write(struct ws_cast *c, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(c->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->failed = 1;
			return WS_ERR_IO;
		}
		p += w;
		n -= (size_t)w;
		c->size += (size_t)w;
	}
	return WS_OK;
}

/* Seconds as an event's time: never negative, never before the last,
 * never more than a line's head holds. */
static double ws_cast_time(struct ws_cast *c, double t)
{
	if (!isfinite(t) || t < c->last)
		t = c->last;
	if (t < 0)
		t = 0;
	if (t > 1e9)
		t = 1e9;
	c->last = t;
	return t;
}

/* Writes the line in c->line (n bytes) if it leaves room for the cap's
 * marker; otherwise the marker, and the recording stops there. */
static ws_err ws_cast_put(struct ws_cast *c, size_t n)
{
	int k;

	if (c->failed)
		return WS_ERR_IO;
	if (c->capped)
		return WS_ERR_TOO_LARGE;
	if (n + WS_CAST_RESERVE <= c->max - c->size)
		return ws_cast_write(c, c->line, n);
	c->capped = 1;
	k = snprintf(c->line, sizeof(c->line), "[%.6f, \"m\", \"%s\"]\n", c->last, WS_CAST_CAP_TEXT);
	if (k > 0 && (size_t)k <= c->max - c->size && ws_cast_write(c, c->line, (size_t)k) != WS_OK)
		return WS_ERR_IO;
	return WS_ERR_TOO_LARGE;
}

/* One event whose data is len bytes of p through the stream st (a held
 * character stays held), followed by what finish adds. Empty ones are not
 * written. */
static ws_err ws_cast_event(struct ws_cast *c, double t, char kind, struct ws_jsonstr *st,
    const void *p, size_t len, int finish)
{
	size_t n, k;

	if (c->failed)
		return WS_ERR_IO;
	if (c->capped)
		return WS_ERR_TOO_LARGE;
	n = (size_t)snprintf(c->line, sizeof(c->line), "[%.6f, \"%c\", \"", ws_cast_time(c, t), kind);
	k = ws_jsonstr_escape(st, p, len, c->line + n, sizeof(c->line) - n - 8);
	if (finish)
		k += ws_jsonstr_finish(st, c->line + n + k, sizeof(c->line) - n - k - 8);
	if (k == 0)
		return WS_OK;
	memcpy(c->line + n + k, "\"]\n", 3);
	return ws_cast_put(c, n + k + 3);
}

ws_err ws_cast_data(struct ws_cast *c, double t, char kind, const void *data, size_t len)
{
	const char *p = data;
	struct ws_jsonstr *st = kind == 'o' ? &c->out : kind == 'i' ? &c->in : NULL;
	size_t n;
	ws_err rc = WS_OK;

	if (st == NULL)
		return WS_ERR_INVALID;
	while (len > 0 && rc == WS_OK) {
		n = len < WS_CAST_SLICE ? len : WS_CAST_SLICE;
		rc = ws_cast_event(c, t, kind, st, p, n, 0);
		p += n;
		len -= n;
	}
	return rc;
}

ws_err ws_cast_resize(struct ws_cast *c, double t, int cols, int rows)
{
	int n;

	if (c->failed)
		return WS_ERR_IO;
	if (c->capped)
		return WS_ERR_TOO_LARGE;
	n = snprintf(c->line, sizeof(c->line), "[%.6f, \"r\", \"%dx%d\"]\n", ws_cast_time(c, t),
	    cols, rows);
	return ws_cast_put(c, (size_t)n);
}

ws_err ws_cast_marker(struct ws_cast *c, double t, const char *text)
{
	struct ws_jsonstr st = WS_JSONSTR_INIT;
	size_t len = strlen(text);

	return ws_cast_event(c, t, 'm', &st, text, len < WS_CAST_SLICE ? len : WS_CAST_SLICE, 1);
}

size_t ws_cast_size(const struct ws_cast *c)
{
	return c->size;
}

/* The header line into c->line; returns its length, 0 if it does not fit. */
static size_t ws_cast_header(struct ws_cast *c, const struct ws_cast_info *info)
{
	struct ws_jsonstr st = WS_JSONSTR_INIT;
	size_t n, tlen;
	int k;

	k = snprintf(c->line, sizeof(c->line), "{\"version\": 2, \"width\": %d, \"height\": %d, "
	    "\"timestamp\": %lld, \"title\": \"%s@%s\"", info->width, info->height,
	    (long long)info->started, info->account, info->workspace);
	if (k < 0 || (size_t)k >= sizeof(c->line) / 2)
		return 0;
	n = (size_t)k;
	if (info->term != NULL) {
		tlen = strnlen(info->term, WS_CAST_TERM_MAX);
		memcpy(c->line + n, ", \"env\": {\"TERM\": \"", 19);
		n += 19;
		n += ws_jsonstr_escape(&st, info->term, tlen, c->line + n, sizeof(c->line) - n - 8);
		n += ws_jsonstr_finish(&st, c->line + n, sizeof(c->line) - n - 8);
		memcpy(c->line + n, "\"}", 2);
		n += 2;
	}
	memcpy(c->line + n, "}\n", 2);
	return n + 2;
}

/* The file's name: TIME_ACCOUNT_WORKSPACE_PID-SEQ.cast. */
static ws_err ws_cast_name(const struct ws_cast_info *info, char *name, size_t namelen)
{
	struct tm tm;
	char when[32];
	int k;

	if (!ws_cast_name_ok(info->account) || !ws_cast_name_ok(info->workspace) ||
	    gmtime_r(&info->started, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H-%M-%SZ", &tm) == 0)
		return WS_ERR_INVALID;
	k = snprintf(name, namelen, "%s_%s_%s_%ld-%u.cast", when, info->account, info->workspace,
	    info->pid, info->seq);
	return k > 0 && (size_t)k < namelen ? WS_OK : WS_ERR_INVALID;
}

ws_err ws_cast_open(int dirfd, const struct ws_cast_info *info, struct ws_cast **out,
    char *name, size_t namelen)
{
	struct ws_cast *c = NULL;
	char file[WS_CAST_NAME_MAX];
	size_t n;
	ws_err rc = ws_cast_name(info, file, sizeof(file));

	if (rc != WS_OK || snprintf(name, namelen, "%s", file) >= (int)namelen)
		return WS_ERR_INVALID;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return WS_ERR_NOMEM;
	c->max = info->max_bytes;
	c->fd = openat(dirfd, file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (c->fd < 0) {
		rc = errno == EEXIST ? WS_ERR_CONFLICT : WS_ERR_IO;
		goto out;
	}
	n = ws_cast_header(c, info);
	if (n == 0 || n + WS_CAST_RESERVE > c->max) {
		rc = WS_ERR_TOO_LARGE;
	} else {
		rc = ws_cast_write(c, c->line, n);
	}
	if (rc != WS_OK) {
		close(c->fd);
		(void)unlinkat(dirfd, file, 0);
		c->fd = -1;
		goto out;
	}
	*out = c;
	c = NULL;
out:
	free(c);
	return rc;
}

ws_err ws_cast_close(struct ws_cast *c, double t)
{
	ws_err rc = WS_OK;

	if (c == NULL)
		return WS_OK;
	if (ws_jsonstr_pending(&c->out))
		(void)ws_cast_event(c, t, 'o', &c->out, "", 0, 1);
	if (ws_jsonstr_pending(&c->in))
		(void)ws_cast_event(c, t, 'i', &c->in, "", 0, 1);
	if (c->failed)
		rc = WS_ERR_IO;
	if (close(c->fd) != 0)
		rc = WS_ERR_IO;
	free(c);
	return rc;
}
