/* metrics_recv.c — the listener's side of reports (metrics_recv.h): the
 * checks, and each connection's gauges kept by pid in a table (open
 * addressing, linear probing, deletion by backward shift). */
#include "metrics_recv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_report.h"

/* Connections the listener tracks at once; reports of more are refused. */
#define WS_MPID_MAX_ENTRIES 65536
/* Per-connection gauge slots (every WS_MF_PER_PID family's combinations). */
#define WS_MPID_SLOTS 16
/* The sending end's buffer: reports in flight from every monitor at once. */
#define WS_MR_SNDBUF (4 << 20)
/* Reports taken before a connection's end is accounted (ws_mrecv_gone). */
#define WS_MR_DRAIN_ALL 100000

/* One connection's gauges; pid 0 is a free entry. */
struct ws_mpid {
	pid_t pid;
	uint32_t v[WS_MPID_SLOTS];
};

struct ws_mrecv {
	struct ws_mregion *r;
	uid_t uid;
	int fd;
	struct ws_mpid *t;       /* open addressing, linear probing */
	size_t cap, n;           /* cap: a power of two, or 0 */
};

/* First per-connection slot of family m (which has WS_MF_PER_PID). */
static size_t ws_pid_base(enum ws_metric m)
{
	size_t n = 0;

	for (int i = 0; i < (int)m; i++)
		if (ws_metrics_family((enum ws_metric)i)->flags & WS_MF_PER_PID)
			n += ws_metrics_combos((enum ws_metric)i);
	return n;
}

struct ws_mrecv *ws_mrecv_new(struct ws_mregion *r, uid_t uid)
{
	struct ws_mrecv *rv;

	if (ws_pid_base(WS_M__COUNT) > WS_MPID_SLOTS)
		return NULL;   /* the table outgrew WS_MPID_SLOTS */
	if ((rv = calloc(1, sizeof(*rv))) == NULL)
		return NULL;
	rv->r = r;
	rv->uid = uid;
	rv->fd = -1;
	return rv;
}

void ws_mrecv_free(struct ws_mrecv *rv)
{
	if (rv == NULL)
		return;
	if (rv->fd >= 0)
		close(rv->fd);
	free(rv->t);
	free(rv);
}

int ws_mrecv_socket(struct ws_mrecv *rv)
{
	int sv[2], one = 1, size = WS_MR_SNDBUF;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	/* Credentials are attached as each report is sent: set before any. */
	if (setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	/* Past the default a burst of logins would drop reports; root may
	 * go past the system's maximum, others get what it allows. */
	if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
		(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	if (rv->fd >= 0)
		close(rv->fd);
	rv->fd = sv[0];
	return sv[1];
}

int ws_mrecv_fd(const struct ws_mrecv *rv)
{
	return rv != NULL ? rv->fd : -1;
}

void ws_mrecv_forget(struct ws_mrecv *rv)
{
	if (rv != NULL && rv->fd >= 0) {
		close(rv->fd);
		rv->fd = -1;
	}
}

size_t ws_mrecv_known(const struct ws_mrecv *rv)
{
	return rv->n;
}

static size_t ws_home(const struct ws_mrecv *rv, pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (rv->cap - 1);
}

static struct ws_mpid *ws_find(const struct ws_mrecv *rv, pid_t pid)
{
	size_t i;

	if (rv->cap == 0 || pid <= 0)
		return NULL;
	for (i = ws_home(rv, pid); rv->t[i].pid != 0; i = (i + 1) & (rv->cap - 1))
		if (rv->t[i].pid == pid)
			return &rv->t[i];
	return NULL;
}

/* Places e (a pid not in the table) in the first free entry of its run. */
static void ws_place(struct ws_mrecv *rv, const struct ws_mpid *e)
{
	size_t i = ws_home(rv, e->pid);

	while (rv->t[i].pid != 0)
		i = (i + 1) & (rv->cap - 1);
	rv->t[i] = *e;
}

/* Keeps the table at most half full. */
static ws_err ws_grow(struct ws_mrecv *rv)
{
	struct ws_mpid *old = rv->t;
	size_t oldcap = rv->cap, cap = oldcap ? oldcap * 2 : 256, i;

	if ((rv->n + 1) * 2 <= oldcap)
		return WS_OK;
	if ((rv->t = calloc(cap, sizeof(*rv->t))) == NULL) {
		rv->t = old;
		return WS_ERR_NOMEM;
	}
	rv->cap = cap;
	for (i = 0; i < oldcap; i++)
		if (old[i].pid != 0)
			ws_place(rv, &old[i]);
	free(old);
	return WS_OK;
}

/* Sets a connection's gauge slot k of family m (combination c) to v,
 * moving the family's total by the difference. */
static void ws_pid_set(struct ws_mrecv *rv, struct ws_mpid *e, enum ws_metric m, size_t c,
    uint32_t v)
{
	size_t k = ws_pid_base(m) + c;

	ws_mregion_add(rv->r, m, c, (uint64_t)v - (uint64_t)e->v[k]);
	e->v[k] = v;
}

ws_err ws_mrecv_child(struct ws_mrecv *rv, pid_t pid)
{
	struct ws_mpid e;

	if (pid <= 0 || ws_find(rv, pid) != NULL)
		return WS_OK;
	if (rv->n >= WS_MPID_MAX_ENTRIES)
		return WS_ERR_TOO_LARGE;
	if (ws_grow(rv) != WS_OK)
		return WS_ERR_NOMEM;
	memset(&e, 0, sizeof(e));
	e.pid = pid;
	ws_place(rv, &e);
	rv->n++;
	ws_pid_set(rv, ws_find(rv, pid), WS_M_CONNECTIONS, WS_MS_AUTHENTICATING, 1);
	return WS_OK;
}

void ws_mrecv_gone(struct ws_mrecv *rv, pid_t pid)
{
	struct ws_mpid *e;
	size_t i, j, h, k;

	/* What it sent before it ended is in the queue by now. */
	ws_mrecv_drain(rv, WS_MR_DRAIN_ALL);
	if ((e = ws_find(rv, pid)) == NULL)
		return;
	for (int m = 0; m < WS_M__COUNT; m++) {
		if (!(ws_metrics_family((enum ws_metric)m)->flags & WS_MF_PER_PID))
			continue;
		for (size_t c = 0; c < ws_metrics_combos((enum ws_metric)m); c++)
			ws_pid_set(rv, e, (enum ws_metric)m, c, 0);
	}
	/* Backward-shift deletion: entries after it move up to stay findable. */
	i = (size_t)(e - rv->t);
	rv->t[i].pid = 0;
	for (j = (i + 1) & (rv->cap - 1); rv->t[j].pid != 0; j = (j + 1) & (rv->cap - 1)) {
		h = ws_home(rv, rv->t[j].pid);
		k = (j - h) & (rv->cap - 1);      /* how far j is from its home */
		if (k >= ((j - i) & (rv->cap - 1))) {
			rv->t[i] = rv->t[j];
			rv->t[j].pid = 0;
			i = j;
		}
	}
	rv->n--;
}

/* Is item it well formed, of a kind its family takes, within bounds? */
static int ws_item_ok(const struct ws_mitem *it)
{
	const struct ws_mfamily *f;

	if (it->metric >= WS_M__COUNT || it->pad != 0)
		return 0;
	f = ws_metrics_family((enum ws_metric)it->metric);
	if (!(f->flags & WS_MF_REPORTED) || it->combo >= ws_metrics_combos((enum ws_metric)it->metric) ||
	    it->value > f->max)
		return 0;
	if (f->flags & WS_MF_PER_PID)
		return it->kind == WS_MR_SET && (!(f->flags & WS_MF_ONE_OF) || it->value == 1);
	if (f->type == WS_MT_HISTOGRAM)
		return it->kind == WS_MR_OBSERVE;
	return it->kind == WS_MR_ADD && f->type == WS_MT_COUNTER;
}

ws_err ws_mrecv_apply(struct ws_mrecv *rv, const void *buf, size_t len, pid_t pid, uid_t uid)
{
	struct ws_mreport r;
	struct ws_mpid *e = uid == rv->uid ? ws_find(rv, pid) : NULL;
	uint32_t i;

	if (e == NULL) {
		ws_mregion_add(rv->r, WS_M_REPORTS_REJECTED, WS_MJ_SENDER, 1);
		return WS_ERR_DENIED;
	}
	if (len != sizeof(r)) {
		ws_mregion_add(rv->r, WS_M_REPORTS_REJECTED, WS_MJ_MALFORMED, 1);
		return WS_ERR_INVALID;
	}
	memcpy(&r, buf, sizeof(r));
	for (i = 0; r.magic == WS_MR_MAGIC && r.n >= 1 && r.n <= WS_MR_ITEMS && i < r.n; i++)
		if (!ws_item_ok(&r.item[i]))
			break;
	if (r.magic != WS_MR_MAGIC || r.n < 1 || r.n > WS_MR_ITEMS || i < r.n) {
		ws_mregion_add(rv->r, WS_M_REPORTS_REJECTED, WS_MJ_MALFORMED, 1);
		return WS_ERR_INVALID;
	}
	for (i = 0; i < r.n; i++) {
		const struct ws_mitem *it = &r.item[i];
		enum ws_metric m = (enum ws_metric)it->metric;

		if (it->kind == WS_MR_ADD) {
			ws_mregion_add(rv->r, m, it->combo, it->value);
		} else if (it->kind == WS_MR_OBSERVE) {
			ws_mregion_observe(rv->r, m, it->combo, it->value);
		} else if (ws_metrics_family(m)->flags & WS_MF_ONE_OF) {
			for (size_t c = 0; c < ws_metrics_combos(m); c++)
				ws_pid_set(rv, e, m, c, c == it->combo);
		} else {
			ws_pid_set(rv, e, m, it->combo, (uint32_t)it->value);
		}
	}
	return WS_OK;
}

/* No report carries descriptors: any that came are closed. */
static void ws_close_rights(const struct cmsghdr *c)
{
	size_t i, k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
	int fd;

	for (i = 0; i < k; i++) {
		memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		close(fd);
	}
}

int ws_mrecv_drain(struct ws_mrecv *rv, int max)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(struct ucred))];
	} ctl;
	/* One byte more than a report: a longer datagram shows as malformed. */
	unsigned char buf[sizeof(struct ws_mreport) + 1];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr mh;
	struct cmsghdr *c;
	struct ucred cred;
	ssize_t n;
	int k;

	if (rv == NULL || rv->fd < 0)
		return 0;
	for (k = 0; k < max; k++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.space;
		mh.msg_controllen = sizeof(ctl.space);
		n = recvmsg(rv->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		/* No credentials (or cut short): nobody we know sent it. */
		memset(&cred, 0, sizeof(cred));
		cred.uid = (uid_t)-1;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
			    c->cmsg_len == CMSG_LEN(sizeof(cred)))
				memcpy(&cred, CMSG_DATA(c), sizeof(cred));
			else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				ws_close_rights(c);
		}
		if (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))
			n = (ssize_t)sizeof(buf);
		(void)ws_mrecv_apply(rv, buf, (size_t)n, cred.pid, cred.uid);
	}
	return k;
}
