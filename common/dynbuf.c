#include "dynbuf.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ws_dynbuf {
	char *data;
	size_t len;
	size_t alloc;
	size_t cap;
};

struct ws_dynbuf *ws_dynbuf_new(size_t cap)
{
	struct ws_dynbuf *buf = calloc(1, sizeof(*buf));

	if (buf == NULL)
		return NULL;
	buf->cap = cap;
	return buf;
}

void ws_dynbuf_free(struct ws_dynbuf *buf)
{
	if (buf == NULL)
		return;
	free(buf->data);
	free(buf);
}

ws_err ws_dynbuf_add(struct ws_dynbuf *buf, const void *data, size_t len)
{
	size_t want;
	char *p;

	if (len > buf->cap || buf->len > buf->cap - len)
		return WS_ERR_TOO_LARGE;
	want = buf->len + len + 1;
	if (want > buf->alloc) {
		size_t n = buf->alloc ? buf->alloc : 256;
		while (n < want)
			n *= 2;
		p = realloc(buf->data, n);
		if (p == NULL)
			return WS_ERR_NOMEM;
		buf->data = p;
		buf->alloc = n;
	}
	if (len > 0)
		memcpy(buf->data + buf->len, data, len);
	buf->len += len;
	buf->data[buf->len] = '\0';
	return WS_OK;
}

const char *ws_dynbuf_ptr(const struct ws_dynbuf *buf)
{
	return buf->data != NULL ? buf->data : "";
}

size_t ws_dynbuf_len(const struct ws_dynbuf *buf)
{
	return buf->len;
}

void ws_dynbuf_reset(struct ws_dynbuf *buf)
{
	buf->len = 0;
	if (buf->data != NULL)
		buf->data[0] = '\0';
}

size_t ws_dynbuf_write_cb(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	if (ws_dynbuf_add(userdata, ptr, size * nmemb) != WS_OK)
		return 0;
	return size * nmemb;
}

ws_err ws_dynbuf_add_fd(struct ws_dynbuf *buf, int fd)
{
	char chunk[8192];
	ssize_t n;
	ws_err rc;

	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if ((rc = ws_dynbuf_add(buf, chunk, (size_t)n)) != WS_OK)
			return rc;
	return n < 0 ? WS_ERR_IO : WS_OK;
}
