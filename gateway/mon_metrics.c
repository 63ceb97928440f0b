/* mon_metrics.c — a connection's metrics, in its monitor (mon_int.h): the
 * login worker's reports passed on, the bridge's figures (STATS) turned
 * into reports, the connection's state. The listener takes reports from
 * the monitor only (metrics_report.h); the bridge, sandboxed, has no
 * socket to it. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_report.h"
#include "mon_int.h"

/* Reports passed on per call while the worker runs: log lines come
 * between. (Once it has ended, what it left is bounded by the socket's
 * buffer.) */
#define WS_RELAY_REPORTS 64
/* The worker's sending buffer. */
#define WS_RELAY_SNDBUF (1 << 20)

int ws_mon_metrics_pair(struct ws_mon *m, int *worker_end)
{
	int sv[2], size = WS_RELAY_SNDBUF;

	m->mrelay = -1;
	*worker_end = -1;
	if (ws_msend_socket() < 0)
		return 0;
	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) != 0)
		return -1;
	/* Room for all a worker reports (its attempts are bounded by
	 * max_auth_tries) should the monitor be slow to pass them on. */
	if (setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof(size)) != 0)
		(void)setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	m->mrelay = sv[0];
	*worker_end = sv[1];
	return 0;
}

void ws_mon_metrics_worker(int fd)
{
	if (fd < 0)
		return;
	/* Not the listener's socket: the listener would not know its pid. */
	if (ws_msend_socket() >= 0)
		close(ws_msend_socket());
	ws_msend_init(fd);
}

void ws_mon_metrics_relay(struct ws_mon *m, int all)
{
	/* One byte more than a report: the listener judges the size. */
	unsigned char buf[sizeof(struct ws_mreport) + 1];
	ssize_t n;

	for (int k = 0; m->mrelay >= 0 && (all || k < WS_RELAY_REPORTS); k++) {
		n = recv(m->mrelay, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		(void)ws_msend_raw(buf, (size_t)n);
	}
}

void ws_mon_metrics_session(void)
{
	const struct ws_mitem it[] = {
		{ WS_MR_SET, WS_M_CONNECTIONS, WS_MS_BRIDGING, 0, 1 },
		{ WS_MR_SET, WS_M_SESSIONS_OPEN, 0, 0, 1 },
	};

	ws_msend(it, 2);
}

/* Adds up to the family's bound of what moved from told to now. */
static int ws_bytes_item(struct ws_mitem *it, uint64_t now, uint64_t told, enum ws_mdir dir)
{
	uint64_t d = now - told, max = ws_metrics_family(WS_M_BYTES)->max;

	if (d == 0)
		return 0;
	/* Past the bound, the rest goes next time. */
	*it = (struct ws_mitem){ WS_MR_ADD, WS_M_BYTES, (uint16_t)dir, 0, d > max ? max : d };
	return 1;
}

int ws_mon_metrics_figures(struct ws_mon *m, uint64_t in, uint64_t out, const uint32_t *kinds)
{
	struct ws_mon_figures *f = &m->fig;
	struct ws_mitem it[WS_MR_ITEMS];
	uint64_t sum = 0;
	int n = 0, i;

	if (in < f->in || out < f->out)
		return -1;
	for (i = 0; kinds != NULL && i < WS_MP_CHANNEL_TYPES; i++)
		sum += kinds[i];
	if (sum > (uint64_t)m->ctx->cfg->max_channels)
		return -1;
	if (ws_msend_socket() < 0)
		return 0;
	for (i = 0; kinds != NULL && i < WS_MP_CHANNEL_TYPES; i++)
		if (kinds[i] != f->kinds[i])
			it[n++] = (struct ws_mitem){ WS_MR_SET, WS_M_CHANNELS_OPEN, (uint16_t)i, 0, kinds[i] };
	n += ws_bytes_item(&it[n], in, f->in, WS_MD_FROM_CLIENT);
	n += ws_bytes_item(&it[n], out, f->out, WS_MD_TO_CLIENT);
	/* Taken as told only once sent: a dropped report is sent again. */
	if (n == 0 || !ws_msend(it, n))
		return 0;
	for (i = 0; i < n; i++) {
		if (it[i].metric == WS_M_CHANNELS_OPEN)
			f->kinds[it[i].combo] = (uint32_t)it[i].value;
		else if (it[i].combo == WS_MD_FROM_CLIENT)
			f->in += it[i].value;
		else
			f->out += it[i].value;
	}
	return 0;
}
