/* dockerstream.c — the engine's attach as a bare stream, and its frames. */
#include "dockerstream.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"

/* As docker.c speaks it. */
#define WS_DSTREAM_API "/v1.41"

ws_err ws_demux_feed(struct ws_demux *d, const unsigned char *buf, size_t len, ws_demux_fn fn,
    void *arg)
{
	size_t take;

	while (len > 0) {
		if (d->left == 0) {
			take = sizeof(d->hdr) - d->hlen;
			if (take > len)
				take = len;
			memcpy(d->hdr + d->hlen, buf, take);
			d->hlen += take;
			buf += take;
			len -= take;
			if (d->hlen < sizeof(d->hdr))
				break;
			if ((d->hdr[0] != 1 && d->hdr[0] != 2) || d->hdr[1] || d->hdr[2] || d->hdr[3])
				return WS_ERR_CORRUPT;
			d->stream = d->hdr[0];
			d->left = (uint32_t)d->hdr[4] << 24 | (uint32_t)d->hdr[5] << 16 |
			    (uint32_t)d->hdr[6] << 8 | d->hdr[7];
			d->hlen = 0;
			continue;
		}
		take = len < d->left ? len : d->left;
		if (fn(arg, d->stream, buf, take) != 0)
			return WS_ERR_IO;
		d->left -= (uint32_t)take;
		buf += take;
		len -= take;
	}
	return WS_OK;
}

int ws_demux_idle(const struct ws_demux *d)
{
	return d->left == 0 && d->hlen == 0;
}

ws_err ws_dstream_head_ok(const char *head, size_t len, char *why, size_t whylen)
{
	size_t line = 0;

	while (line < len && head[line] != '\r' && head[line] != '\n')
		line++;
	if (line >= 12 && memcmp(head, "HTTP/1.", 7) == 0 &&
	    (memcmp(head + 8, " 101", 4) == 0 || memcmp(head + 8, " 200", 4) == 0))
		return WS_OK;
	snprintf(why, whylen, "the engine refused to attach: %.*s", (int)(line > 120 ? 120 : line), head);
	return WS_ERR_DOCKER;
}

/* Waits for fd to be ready for events until the deadline (a clock_now). */
static ws_err ws_dstream_wait(int fd, short events, double deadline)
{
	struct pollfd p = { .fd = fd, .events = events };
	double left;
	int n;

	for (;;) {
		left = deadline - ws_clock_now();
		if (left <= 0)
			return WS_ERR_TIMEOUT;
		n = poll(&p, 1, (int)(left * 1000) + 1);
		if (n > 0)
			return WS_OK;
		if (n < 0 && errno != EINTR)
			return WS_ERR_IO;
	}
}

static ws_err ws_dstream_connect(const char *socket_path, int *out)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(socket_path) >= sizeof(sa.sun_path))
		return WS_ERR_DOCKER_NO_SOCKET;
	memcpy(sa.sun_path, socket_path, strlen(socket_path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return WS_ERR_IO;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return WS_ERR_DOCKER_DOWN;
	}
	*out = fd;
	return WS_OK;
}

/* Sends the request and reads the head; what follows the head goes to extra. */
static ws_err ws_dstream_handshake(int fd, const char *req, int timeout_s, unsigned char *extra,
    size_t *nextra, char *why, size_t whylen)
{
	char head[WS_DSTREAM_HEAD_MAX + 1];
	double deadline = ws_clock_now() + timeout_s;
	size_t sent = 0, got = 0, want = strlen(req);
	char *end;
	ssize_t n;
	ws_err rc;

	while (sent < want) {
		if ((rc = ws_dstream_wait(fd, POLLOUT, deadline)) != WS_OK)
			return rc;
		if ((n = send(fd, req + sent, want - sent, MSG_NOSIGNAL)) < 0 && errno != EINTR &&
		    errno != EAGAIN)
			return WS_ERR_DOCKER_DOWN;
		sent += n > 0 ? (size_t)n : 0;
	}
	for (;;) {
		if (got == WS_DSTREAM_HEAD_MAX) {
			snprintf(why, whylen, "the engine's reply to attach has a head over %d bytes",
			    WS_DSTREAM_HEAD_MAX);
			return WS_ERR_TOO_LARGE;
		}
		if ((rc = ws_dstream_wait(fd, POLLIN, deadline)) != WS_OK)
			return rc;
		n = recv(fd, head + got, WS_DSTREAM_HEAD_MAX - got, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "the engine closed the connection while attaching");
			return WS_ERR_DOCKER;
		}
		got += (size_t)n;
		head[got] = '\0';
		if ((end = strstr(head, "\r\n\r\n")) != NULL)
			break;
	}
	end += 4;
	if ((rc = ws_dstream_head_ok(head, (size_t)(end - head), why, whylen)) != WS_OK)
		return rc;
	*nextra = got - (size_t)(end - head);
	memcpy(extra, end, *nextra);
	return WS_OK;
}

ws_err ws_dstream_attach(const char *socket_path, const char *id, int timeout_s,
    int *fd, unsigned char *extra, size_t *nextra, char *why, size_t whylen)
{
	char req[512];
	int s = -1;
	ws_err rc;

	/* The id is the engine's own (hex), never a peer's string. */
	if (strspn(id, "0123456789abcdef") != strlen(id) || strlen(id) > 64 || id[0] == '\0') {
		snprintf(why, whylen, "bad container id");
		return WS_ERR_INVALID;
	}
	snprintf(req, sizeof(req),
	    "POST " WS_DSTREAM_API "/containers/%s/attach?stream=1&stdout=1&stderr=1 HTTP/1.1\r\n"
	    "Host: docker\r\nContent-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n", id);
	if ((rc = ws_dstream_connect(socket_path, &s)) != WS_OK) {
		snprintf(why, whylen, "cannot connect to the Docker socket %s to attach", socket_path);
		return rc;
	}
	if ((rc = ws_dstream_handshake(s, req, timeout_s, extra, nextra, why, whylen)) != WS_OK) {
		if (rc == WS_ERR_TIMEOUT)
			snprintf(why, whylen, "the engine did not answer attach within %d s", timeout_s);
		close(s);
		return rc;
	}
	*fd = s;
	return WS_OK;
}
