/* helperio.c — the data pipe of helperio.h and its loop. */
#include "helperio.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "dockerstream.h"

#define WS_HIO_BUF 262144
#define WS_HIO_PIPE ((int)1 << 20)  /* fewer wake-ups than the 64 KiB default */
#define WS_HIO_OPEN_POLL_MS 10     /* how often a writer looks for the helper's reader */

struct ws_hio {
	char dir[64];
	char fifo[96];
};

ws_err ws_hio_new(struct ws_hio **out, char *why, size_t whylen)
{
	struct ws_hio *io = calloc(1, sizeof(*io));

	if (io == NULL) {
		snprintf(why, whylen, "out of memory");
		return WS_ERR_NOMEM;
	}
	/* The gateway's runtime directory when we may write there: a service
	 * with PrivateTmp has a /tmp the engine does not see. */
	snprintf(io->dir, sizeof(io->dir), "%s",
	    access("/run/wsgate", W_OK) == 0 ? "/run/wsgate/io.XXXXXX" : "/tmp/wsgate-io.XXXXXX");
	if (mkdtemp(io->dir) == NULL) {   /* 0700 */
		snprintf(why, whylen, "cannot make a directory for a helper's data: %s", strerror(errno));
		free(io);
		return WS_ERR_IO;
	}
	snprintf(io->fifo, sizeof(io->fifo), "%s/data", io->dir);
	if (mkfifo(io->fifo, 0600) != 0) {
		snprintf(why, whylen, "cannot make a pipe for a helper's data: %s", strerror(errno));
		rmdir(io->dir);
		free(io);
		return WS_ERR_IO;
	}
	*out = io;
	return WS_OK;
}

const char *ws_hio_dir(const struct ws_hio *io)
{
	return io->dir;
}

void ws_hio_free(struct ws_hio *io)
{
	if (io == NULL)
		return;
	unlink(io->fifo);
	rmdir(io->dir);
	free(io);
}

/* The loop's state. */
struct ws_hpump {
	struct ws_helper *h;
	struct ws_hio *io;
	struct ws_demux demux;
	size_t errlen;
	unsigned char *buf;      /* data (WS_HIO_BUF) */
	size_t ilen, ioff;       /* in: bytes held and sent of buf */
	int dfd;                 /* the FIFO, -1 when not (yet, or any more) open */
	int data_done;           /* no more data either way */
	int helper_done;         /* the engine's stream ended: the helper has */
	double last;             /* when a byte last moved */
};

static int ws_hp_stderr(void *arg, int stream, const unsigned char *buf, size_t len)
{
	struct ws_hpump *p = arg;
	struct ws_helper *h = p->h;
	size_t take;

	(void)stream; /* stdout carries nothing: the data is in the FIFO */
	take = sizeof(h->err) - 1 - p->errlen;
	if (take > len)
		take = len;
	memcpy(h->err + p->errlen, buf, take);
	p->errlen += take;
	h->err[p->errlen] = '\0';
	return 0;
}

/* Opens the FIFO: for out at once (reading never waits); for in once the
 * helper has opened it to read (till then ENXIO), so that nothing written
 * can be lost to a pipe no one reads. 0, or -1 with why. */
static int ws_hp_open(struct ws_hpump *p, char *why, size_t whylen)
{
	int fd;

	if (p->dfd >= 0 || p->data_done)
		return 0;
	fd = open(p->io->fifo, (p->h->out != NULL ? O_RDONLY : O_WRONLY) | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 && errno == ENXIO)
		return 0;
	if (fd < 0) {
		snprintf(why, whylen, "cannot open the helper's data pipe: %s", strerror(errno));
		return -1;
	}
	(void)fcntl(fd, F_SETPIPE_SZ, WS_HIO_PIPE);
	p->dfd = fd;
	return 0;
}

static void ws_hp_close(struct ws_hpump *p)
{
	if (p->dfd >= 0)
		close(p->dfd);
	p->dfd = -1;
	p->data_done = 1;
}

/* in: more to send when all is sent; at its end the FIFO closes (EOF). */
static int ws_hp_refill(struct ws_hpump *p)
{
	long n;

	if (p->h->in == NULL || p->dfd < 0 || p->ioff < p->ilen)
		return 0;
	if ((n = p->h->in(p->h->arg, p->buf, WS_HIO_BUF)) < 0)
		return -1;
	if (n == 0)
		ws_hp_close(p);
	p->ilen = (size_t)n;
	p->ioff = 0;
	return 0;
}

/* The FIFO is ready: read (out) or write (in). -1 when out stopped us. */
static int ws_hp_data(struct ws_hpump *p)
{
	ssize_t n;

	if (p->h->out != NULL) {
		n = read(p->dfd, p->buf, WS_HIO_BUF);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : (ws_hp_close(p), 0);
		if (n == 0) {   /* the helper's writer closed: all its data is here */
			ws_hp_close(p);
			return 0;
		}
		p->last = ws_clock_now();
		return p->h->out(p->h->arg, p->buf, (size_t)n);
	}
	n = write(p->dfd, p->buf + p->ioff, p->ilen - p->ioff);
	if (n > 0) {
		p->ioff += (size_t)n;
		p->last = ws_clock_now();
	} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
		ws_hp_close(p);   /* it stopped reading (EPIPE): its exit says why */
	}
	return 0;
}

/* The engine's stream: stderr frames, and its end. */
static ws_err ws_hp_attach(struct ws_hpump *p, int afd, char *why, size_t whylen)
{
	unsigned char b[8192];
	ssize_t n = recv(afd, b, sizeof(b), 0);

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return WS_OK;
	if (n <= 0) {
		p->helper_done = 1;
		if (!ws_demux_idle(&p->demux)) {
			snprintf(why, whylen, "the engine's stream from the helper broke off inside a frame");
			return WS_ERR_DOCKER;
		}
		return WS_OK;
	}
	if (ws_demux_feed(&p->demux, b, (size_t)n, ws_hp_stderr, p) != WS_OK) {
		snprintf(why, whylen, "the engine's stream from the helper is not framed");
		return WS_ERR_DOCKER;
	}
	return WS_OK;
}

/* After the helper ended: what it wrote is all in the pipe; take it. */
static int ws_hp_drain(struct ws_hpump *p)
{
	if (p->h->out == NULL || p->data_done)
		return 0;
	if (p->dfd < 0)
		return 0;   /* it never opened its end: nothing to take */
	(void)fcntl(p->dfd, F_SETFL, 0);   /* blocking: its writers are gone, read ends at EOF */
	while (!p->data_done)
		if (ws_hp_data(p) != 0)
			return -1;
	return 0;
}

static ws_err ws_hp_loop(struct ws_hpump *p, int afd, char *why, size_t whylen)
{
	struct pollfd pf[2];
	int n, nfd, waiting_reader;
	ws_err rc;

	while (!p->helper_done) {
		if (ws_hp_open(p, why, whylen) != 0)
			return WS_ERR_IO;
		if (ws_hp_refill(p) != 0)
			return WS_ERR_IO;
		waiting_reader = p->h->in != NULL && p->dfd < 0 && !p->data_done;
		pf[0].fd = afd;
		pf[0].events = POLLIN;
		nfd = 1;
		if (p->dfd >= 0) {
			pf[1].fd = p->dfd;
			pf[1].events = p->h->out != NULL ? POLLIN : POLLOUT;
			nfd = 2;
		}
		pf[0].revents = pf[1].revents = 0;
		n = poll(pf, (nfds_t)nfd, waiting_reader ? WS_HIO_OPEN_POLL_MS : 1000);
		if (n < 0 && errno != EINTR)
			return WS_ERR_IO;
		if (ws_clock_now() - p->last > p->h->idle_s) {
			snprintf(why, whylen, "the helper moved no byte for %d s", p->h->idle_s);
			return WS_ERR_TIMEOUT;
		}
		if (n <= 0)
			continue;
		if (nfd == 2 && (pf[1].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)) && ws_hp_data(p) != 0)
			return WS_ERR_IO;
		if ((pf[0].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    (rc = ws_hp_attach(p, afd, why, whylen)) != WS_OK)
			return rc;
	}
	return ws_hp_drain(p) == 0 ? WS_OK : WS_ERR_IO;
}

ws_err ws_hio_pump(struct ws_hio *io, struct ws_helper *h, int afd, const unsigned char *extra,
    size_t nextra, char *why, size_t whylen)
{
	struct ws_hpump p;
	struct sigaction ign, old;
	ws_err rc;

	memset(&p, 0, sizeof(p));
	p.h = h;
	p.io = io;
	p.dfd = -1;
	p.data_done = h->in == NULL && h->out == NULL;
	p.last = ws_clock_now();
	if ((p.buf = malloc(WS_HIO_BUF)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return WS_ERR_NOMEM;
	}
	/* A helper that stops reading makes a write fail (EPIPE), not kill us. */
	memset(&ign, 0, sizeof(ign));
	ign.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &ign, &old);
	if (nextra > 0 && ws_demux_feed(&p.demux, extra, nextra, ws_hp_stderr, &p) != WS_OK) {
		snprintf(why, whylen, "the engine's stream from the helper is not framed");
		rc = WS_ERR_DOCKER;
	} else {
		rc = ws_hp_loop(&p, afd, why, whylen);
	}
	if (p.dfd >= 0)
		close(p.dfd);
	sigaction(SIGPIPE, &old, NULL);
	free(p.buf);
	return rc;
}
