#include "recq.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"
#include "monproto.h"

/* One message, encoded, waiting for the socket. */
struct ws_recq_msg {
	struct ws_recq_msg *next;
	size_t len;
	unsigned char data[];
};

struct ws_recq_slot {
	uint32_t id;                  /* 0: free */
	uint64_t lost;                /* bytes dropped, not yet told */
	int told_lost;                /* the log has said so (once a recording) */
	int resized;                  /* a size waits in cols x rows */
	uint32_t cols, rows;
};

struct ws_recq {
	int sock, input, dead;
	uint32_t next_id;             /* recordings begun */
	size_t queued;                /* bytes in the queue */
	struct ws_recq_msg *head, **tail;
	struct ws_mp *mp;             /* the message being built */
	struct ws_recq_slot slot[WS_MP_REC_OPEN_MAX];
};

struct ws_recq *ws_recq_new(int sock, int input)
{
	struct ws_recq *q = calloc(1, sizeof(*q));

	if (q == NULL)
		return NULL;
	/* Not cleared: pages of it no message reaches stay untouched. */
	if ((q->mp = malloc(sizeof(*q->mp))) == NULL) {
		free(q);
		return NULL;
	}
	q->sock = sock;
	q->input = input;
	q->tail = &q->head;
	return q;
}

static void ws_recq_clear(struct ws_recq *q)
{
	struct ws_recq_msg *m;

	while ((m = q->head) != NULL) {
		q->head = m->next;
		free(m);
	}
	q->tail = &q->head;
	q->queued = 0;
}

void ws_recq_free(struct ws_recq *q)
{
	if (q == NULL)
		return;
	ws_recq_clear(q);
	free(q->mp);
	free(q);
}

int ws_recq_input(const struct ws_recq *q)
{
	return q->input;
}

static struct ws_recq_slot *ws_recq_slot(struct ws_recq *q, uint32_t id)
{
	size_t i;

	for (i = 0; i < WS_MP_REC_OPEN_MAX; i++)
		if (q->slot[i].id == id)
			return &q->slot[i];
	return NULL;
}

int ws_recq_can_open(const struct ws_recq *q)
{
	size_t i;

	if (q->next_id >= WS_MP_REC_FILES_MAX)
		return 0;
	for (i = 0; i < WS_MP_REC_OPEN_MAX; i++)
		if (q->slot[i].id == 0)
			return 1;
	return 0;
}

/* Queues the message built in q->mp; with must_go unset, only when it
 * fits under WS_RECQ_MAX. Returns 0 when queued. */
static int ws_recq_push(struct ws_recq *q, int must_go)
{
	struct ws_recq_msg *m;

	if (q->dead || q->mp->bad)
		return q->dead ? 0 : -1;
	if (!must_go && q->queued + q->mp->len > WS_RECQ_MAX)
		return -1;
	if ((m = malloc(sizeof(*m) + q->mp->len)) == NULL)
		return -1;
	m->next = NULL;
	m->len = q->mp->len;
	memcpy(m->data, q->mp->buf, m->len);
	*q->tail = m;
	q->tail = &m->next;
	q->queued += m->len;
	(void)ws_recq_flush(q);
	return 0;
}

/* What s owes the monitor before its next message: the bytes it lost,
 * then its latest size. Returns 0 once told (must_go: whatever the room). */
static int ws_recq_owed(struct ws_recq *q, struct ws_recq_slot *s, int must_go)
{
	if (s->lost > 0) {
		ws_mp_start(q->mp, WS_MP_REC_LOST);
		ws_mp_put_u32(q->mp, s->id);
		ws_mp_put_u64(q->mp, s->lost);
		if (ws_recq_push(q, must_go) != 0)
			return -1;
		s->lost = 0;
	}
	if (s->resized) {
		ws_mp_start(q->mp, WS_MP_REC_RESIZE);
		ws_mp_put_u32(q->mp, s->id);
		ws_mp_put_u32(q->mp, s->cols);
		ws_mp_put_u32(q->mp, s->rows);
		if (ws_recq_push(q, must_go) != 0)
			return -1;
		s->resized = 0;
	}
	return 0;
}

uint32_t ws_recq_open(struct ws_recq *q, uint32_t cols, uint32_t rows, const char *term)
{
	struct ws_recq_slot *s = ws_recq_slot(q, 0);
	size_t n = term != NULL ? strnlen(term, WS_MP_REC_TERM_MAX) : 0;

	if (s == NULL || !ws_recq_can_open(q))
		return 0;
	memset(s, 0, sizeof(*s));
	s->id = ++q->next_id;
	ws_mp_start(q->mp, WS_MP_REC_OPEN);
	ws_mp_put_u32(q->mp, s->id);
	ws_mp_put_u32(q->mp, cols);
	ws_mp_put_u32(q->mp, rows);
	/* Cut to what the monitor takes; a NUL cannot be in it (C string). */
	ws_mp_put_bytes(q->mp, term != NULL ? term : "", n);
	(void)ws_recq_push(q, 1);
	return s->id;
}

void ws_recq_data(struct ws_recq *q, uint32_t id, int kind, const void *data, size_t len)
{
	struct ws_recq_slot *s = id != 0 ? ws_recq_slot(q, id) : NULL;
	const char *p = data;
	size_t n;

	if (s == NULL || (kind == WS_MP_REC_INPUT && !q->input))
		return;
	while (len > 0) {
		n = len < WS_MP_REC_DATA_MAX ? len : WS_MP_REC_DATA_MAX;
		/* What it owes goes first, or this waits with it; once losing,
		 * only when the queue is half empty again (not a marker for
		 * every message the monitor takes). */
		if ((s->lost == 0 || q->queued <= WS_RECQ_MAX / 2) && ws_recq_owed(q, s, 0) == 0) {
			ws_mp_start(q->mp, WS_MP_REC_DATA);
			ws_mp_put_u32(q->mp, id);
			ws_mp_put_u32(q->mp, (uint32_t)kind);
			ws_mp_put_bytes(q->mp, p, n);
		}
		if (s->lost > 0 || s->resized || ws_recq_push(q, 0) != 0) {
			s->lost += n;
			/* Once a recording: the marker in the file says each time. */
			if (!s->told_lost)
				ws_warn("recording %u: the monitor does not keep up; what it cannot take "
				    "is dropped (the recording gets a marker)", (unsigned)id);
			s->told_lost = 1;
		}
		p += n;
		len -= n;
	}
}

void ws_recq_resize(struct ws_recq *q, uint32_t id, uint32_t cols, uint32_t rows)
{
	struct ws_recq_slot *s = id != 0 ? ws_recq_slot(q, id) : NULL;

	if (s == NULL)
		return;
	s->resized = 1;
	s->cols = cols;
	s->rows = rows;
	(void)ws_recq_owed(q, s, 0);
}

void ws_recq_close(struct ws_recq *q, uint32_t id)
{
	struct ws_recq_slot *s = id != 0 ? ws_recq_slot(q, id) : NULL;

	if (s == NULL)
		return;
	(void)ws_recq_owed(q, s, 1);
	ws_mp_start(q->mp, WS_MP_REC_CLOSE);
	ws_mp_put_u32(q->mp, id);
	(void)ws_recq_push(q, 1);
	memset(s, 0, sizeof(*s));
}

int ws_recq_flush(struct ws_recq *q)
{
	struct ws_recq_msg *m;
	ssize_t n;

	while ((m = q->head) != NULL && !q->dead) {
		/* One record each (SOCK_SEQPACKET): whole, or not at all. */
		do {
			n = send(q->sock, m->data, m->len, MSG_DONTWAIT | MSG_NOSIGNAL);
		} while (n < 0 && errno == EINTR);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 1;
		if (n != (ssize_t)m->len) {
			/* The monitor is gone: so is the session, soon. */
			q->dead = 1;
			break;
		}
		q->head = m->next;
		if (q->head == NULL)
			q->tail = &q->head;
		q->queued -= m->len;
		free(m);
	}
	if (q->dead)
		ws_recq_clear(q);
	return 0;
}

/* Bytes lost of recording id that m, a LOST, says; -1 when it is none
 * (another message, or another recording's). */
static int64_t ws_recq_loss_of(struct ws_recq *q, const struct ws_recq_msg *m, uint32_t id)
{
	if (m == NULL || ws_mp_load(q->mp, m->data, m->len) != WS_OK ||
	    ws_mp_type(q->mp) != WS_MP_REC_LOST || ws_mp_get_u32(q->mp) != id)
		return -1;
	return (int64_t)ws_mp_get_u64(q->mp);
}

/* Turns the data still queued into losses (a LOST per run of one
 * recording's data, in its place), so that what is left is small and
 * the monitor still learns what its files miss. Returns the bytes of data
 * dropped. */
static uint64_t ws_recq_to_losses(struct ws_recq *q)
{
	struct ws_recq_msg **pp = &q->head, *m, *prev = NULL;
	uint64_t dropped = 0;
	int64_t before;
	uint32_t id;
	size_t len = 0;

	while ((m = *pp) != NULL) {
		if (ws_mp_load(q->mp, m->data, m->len) != WS_OK || ws_mp_type(q->mp) != WS_MP_REC_DATA) {
			prev = m;
			pp = &m->next;
			continue;
		}
		id = ws_mp_get_u32(q->mp);
		(void)ws_mp_get_u32(q->mp);
		(void)ws_mp_get_bytes(q->mp, WS_MP_REC_DATA_MAX, &len);
		dropped += len;
		/* Right after a loss of the same recording: added to it. */
		if ((before = ws_recq_loss_of(q, prev, id)) >= 0) {
			*pp = m->next;
			q->queued -= m->len;
			free(m);
			m = prev;
			len += (uint64_t)before;
		} else {
			pp = &m->next;
		}
		ws_mp_start(q->mp, WS_MP_REC_LOST);
		ws_mp_put_u32(q->mp, id);
		ws_mp_put_u64(q->mp, len);
		/* No longer than the data it replaces. */
		q->queued -= m->len;
		memcpy(m->data, q->mp->buf, q->mp->len);
		m->len = q->mp->len;
		q->queued += m->len;
		prev = m;
	}
	q->tail = pp;
	return dropped;
}

void ws_recq_drain(struct ws_recq *q, int ms)
{
	double end = ws_clock_now() + ms / 1000.0, left;
	struct pollfd pfd = { .fd = q->sock, .events = POLLOUT };
	struct ws_recq_msg *m;
	uint64_t dropped;
	ssize_t n;
	size_t i;

	for (i = 0; i < WS_MP_REC_OPEN_MAX; i++)
		if (q->slot[i].id != 0)
			(void)ws_recq_owed(q, &q->slot[i], 1);
	while (ws_recq_flush(q) && (left = end - ws_clock_now()) > 0)
		(void)poll(&pfd, 1, (int)(left * 1000) + 1);
	if (q->head == NULL)
		return;
	dropped = ws_recq_to_losses(q);
	ws_warn("the monitor did not take the last %llu bytes of recordings in %d ms; they are "
	    "dropped (the recordings get a marker)", (unsigned long long)dropped, ms);
	/* What is left is a few small messages: they wait as END will. */
	while ((m = q->head) != NULL && !q->dead) {
		do {
			n = send(q->sock, m->data, m->len, MSG_NOSIGNAL);
		} while (n < 0 && errno == EINTR);
		if (n != (ssize_t)m->len)
			break;
		q->head = m->next;
		q->queued -= m->len;
		free(m);
	}
	ws_recq_clear(q);
}
