#include "monproto.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void ws_mp_start(struct ws_mp *m, enum ws_mp_type t)
{
	m->buf[0] = (unsigned char)t;
	m->len = 1;
	m->pos = 1;
	m->bad = 0;
	m->fd = -1;
}

static void ws_mp_put_raw(struct ws_mp *m, const void *p, size_t len)
{
	if (m->bad || len > sizeof(m->buf) - m->len) {
		m->bad = 1;
		return;
	}
	memcpy(m->buf + m->len, p, len);
	m->len += len;
}

void ws_mp_put_u32(struct ws_mp *m, uint32_t v)
{
	unsigned char b[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v };

	ws_mp_put_raw(m, b, sizeof(b));
}

void ws_mp_put_u64(struct ws_mp *m, uint64_t v)
{
	ws_mp_put_u32(m, (uint32_t)(v >> 32));
	ws_mp_put_u32(m, (uint32_t)v);
}

void ws_mp_put_bytes(struct ws_mp *m, const void *p, size_t len)
{
	if (len > WS_MP_MAX) {
		m->bad = 1;
		return;
	}
	ws_mp_put_u32(m, (uint32_t)len);
	ws_mp_put_raw(m, p, len);
}

void ws_mp_put_str(struct ws_mp *m, const char *s)
{
	ws_mp_put_bytes(m, s, strlen(s));
}

ws_err ws_mp_send(int sock, const struct ws_mp *m, int dontwait)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)m->buf, m->len };
	struct msghdr mh;
	ssize_t n;

	if (m->bad)
		return WS_ERR_INVALID;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (m->fd >= 0) {
		struct cmsghdr *c;
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.space;
		mh.msg_controllen = sizeof(ctl.space);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &m->fd, sizeof(int));
	}
	/* Without a descriptor, send(): the sandbox allows no sendmsg. */
	do {
		n = m->fd >= 0 ? sendmsg(sock, &mh, MSG_NOSIGNAL | (dontwait ? MSG_DONTWAIT : 0)) :
		    send(sock, m->buf, m->len, MSG_NOSIGNAL | (dontwait ? MSG_DONTWAIT : 0));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)m->len ? WS_OK : WS_ERR_IO;
}

/* Closes every descriptor a control message carries but the first, which
 * goes to *fd. Returns 0 when it carried none or one. */
static int ws_mp_take_fds(struct msghdr *mh, int *fd)
{
	struct cmsghdr *c;
	int extra = 0;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		size_t i, k;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < k; i++) {
			int one;
			memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			if (*fd < 0) {
				*fd = one;
			} else {
				close(one);
				extra = 1;
			}
		}
	}
	return extra;
}

ws_err ws_mp_recv(int sock, struct ws_mp *m)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int) * 4)];
	} ctl;
	struct iovec iov = { m->buf, sizeof(m->buf) };
	struct msghdr mh;
	ssize_t n;
	int extra;

	m->len = m->pos = 0;
	m->bad = 0;
	m->fd = -1;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.space;
	mh.msg_controllen = sizeof(ctl.space);
	do {
		n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n <= 0)
		return WS_ERR_IO;
	extra = ws_mp_take_fds(&mh, &m->fd);
	if (extra || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
		ws_mp_close_fd(m);
		return WS_ERR_TOO_LARGE;
	}
	m->len = (size_t)n;
	m->pos = 1;
	return WS_OK;
}

ws_err ws_mp_load(struct ws_mp *m, const void *data, size_t len)
{
	m->len = m->pos = 0;
	m->bad = 0;
	m->fd = -1;
	if (len > sizeof(m->buf))
		return WS_ERR_TOO_LARGE;
	if (len == 0)
		return WS_ERR_INVALID;
	memcpy(m->buf, data, len);
	m->len = len;
	m->pos = 1;
	return WS_OK;
}

int ws_mp_type(const struct ws_mp *m)
{
	return m->len > 0 ? m->buf[0] : 0;
}

static const unsigned char *ws_mp_take(struct ws_mp *m, size_t len)
{
	const unsigned char *p;

	if (m->bad || len > m->len - m->pos) {
		m->bad = 1;
		return NULL;
	}
	p = m->buf + m->pos;
	m->pos += len;
	return p;
}

uint32_t ws_mp_get_u32(struct ws_mp *m)
{
	const unsigned char *b = ws_mp_take(m, 4);

	if (b == NULL)
		return 0;
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

uint64_t ws_mp_get_u64(struct ws_mp *m)
{
	uint64_t hi = ws_mp_get_u32(m);

	return hi << 32 | ws_mp_get_u32(m);
}

const unsigned char *ws_mp_get_bytes(struct ws_mp *m, size_t max, size_t *len)
{
	uint32_t n = ws_mp_get_u32(m);
	const unsigned char *p;

	*len = 0;
	if (n > max) {
		m->bad = 1;
		return NULL;
	}
	if ((p = ws_mp_take(m, n)) != NULL)
		*len = n;
	return p;
}

void ws_mp_get_str(struct ws_mp *m, char *out, size_t outlen)
{
	size_t n = 0;
	const unsigned char *p = outlen > 0 ? ws_mp_get_bytes(m, outlen - 1, &n) : NULL;

	if (outlen == 0) {
		m->bad = 1;
		return;
	}
	out[0] = '\0';
	if (p == NULL || memchr(p, '\0', n) != NULL) {
		m->bad = 1;
		return;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

int ws_mp_done(const struct ws_mp *m)
{
	return !m->bad && m->pos == m->len;
}

int ws_mp_valid(struct ws_mp *m, const char *shape)
{
	size_t pos = m->pos, n;
	int bad = m->bad, ok;
	uint32_t k, i;
	const unsigned char *p;

	m->pos = 1;
	m->bad = 0;
	for (; *shape != '\0' && !m->bad; shape++) {
		switch (*shape) {
		case '4':
			(void)ws_mp_get_u32(m);
			break;
		case '8':
			(void)ws_mp_get_u64(m);
			break;
		case 'b':
			(void)ws_mp_get_bytes(m, WS_MP_MAX, &n);
			break;
		case 's':
			p = ws_mp_get_bytes(m, WS_MP_MAX, &n);
			if (p != NULL && memchr(p, '\0', n) != NULL)
				m->bad = 1;
			break;
		case 'n':
			k = ws_mp_get_u32(m);
			if (k > WS_MP_MAX_LIST)
				m->bad = 1;
			for (i = 0; i < k && !m->bad; i++) {
				p = ws_mp_get_bytes(m, WS_MP_MAX, &n);
				if (p != NULL && memchr(p, '\0', n) != NULL)
					m->bad = 1;
			}
			break;
		default:
			m->bad = 1;
			break;
		}
	}
	ok = ws_mp_done(m);
	m->pos = pos;
	m->bad = bad;
	return ok;
}

ws_err ws_mp_get_cmd(struct ws_mp *m, uint32_t *id, struct ws_cli_words *out)
{
	struct ws_cli_words w;
	uint32_t n, i, k = ws_mp_get_u32(m);
	size_t used = 0;

	memset(&w, 0, sizeof(w));
	n = ws_mp_get_u32(m);
	if (n == 0 || n > WS_CLI_WORDS_MAX)
		m->bad = 1;
	for (i = 0; i < n && !m->bad; i++) {
		/* Each word with its NUL into buf: what does not fit is bad. */
		if (used >= sizeof(w.buf)) {
			m->bad = 1;
			break;
		}
		ws_mp_get_str(m, w.buf + used, sizeof(w.buf) - used);
		w.argv[i] = w.buf + used;
		used += strlen(w.buf + used) + 1;
	}
	if (m->bad || !ws_mp_done(m) || !ws_cli_words_ok(w.argv, n)) {
		m->bad = 1;
		return WS_ERR_INVALID;
	}
	w.argc = (int)n;
	*out = w;
	/* Into out's own buffer. */
	for (i = 0; i < n; i++)
		out->argv[i] = out->buf + (w.argv[i] - w.buf);
	*id = k;
	return WS_OK;
}

void ws_mp_close_fd(struct ws_mp *m)
{
	if (m->fd >= 0)
		close(m->fd);
	m->fd = -1;
}
