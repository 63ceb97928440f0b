/* metrics_report.c — the senders' side of reports (metrics_report.h). */
#include "metrics_report.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static int ws_msend_fd = -1;
static uint64_t ws_msend_dropped;

void ws_msend_init(int fd)
{
	ws_msend_fd = fd;
}

int ws_msend_socket(void)
{
	return ws_msend_fd;
}

int ws_msend_raw(const void *buf, size_t len)
{
	ssize_t n;

	if (ws_msend_fd < 0)
		return 0;
	do {
		n = send(ws_msend_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)len) {
		ws_msend_dropped++;
		return 0;
	}
	return 1;
}

int ws_msend(const struct ws_mitem *items, int n)
{
	struct ws_mreport r;
	uint64_t told = 0;

	if (ws_msend_fd < 0 || n < 1 || n > WS_MR_ITEMS)
		return 0;
	memset(&r, 0, sizeof(r));
	r.magic = WS_MR_MAGIC;
	memcpy(r.item, items, (size_t)n * sizeof(*items));
	/* The drops so far ride along when there is room. */
	if (ws_msend_dropped > 0 && n < WS_MR_ITEMS) {
		told = ws_msend_dropped < ws_metrics_family(WS_M_REPORTS_DROPPED)->max ?
		    ws_msend_dropped : ws_metrics_family(WS_M_REPORTS_DROPPED)->max;
		r.item[n++] = (struct ws_mitem){ WS_MR_ADD, WS_M_REPORTS_DROPPED, 0, 0, told };
	}
	r.n = (uint32_t)n;
	if (!ws_msend_raw(&r, sizeof(r)))
		return 0;
	ws_msend_dropped -= told;
	return 1;
}

void ws_msend_add(enum ws_metric m, size_t combo, uint64_t v)
{
	struct ws_mitem it = { WS_MR_ADD, (uint16_t)m, (uint16_t)combo, 0, v };

	ws_msend(&it, 1);
}

void ws_msend_set(enum ws_metric m, size_t combo, uint64_t v)
{
	struct ws_mitem it = { WS_MR_SET, (uint16_t)m, (uint16_t)combo, 0, v };

	ws_msend(&it, 1);
}

void ws_msend_observe(enum ws_metric m, size_t combo, double seconds)
{
	struct ws_mitem it = { WS_MR_OBSERVE, (uint16_t)m, (uint16_t)combo, 0,
		seconds > 0 ? (uint64_t)(seconds * 1e6) : 0 };

	ws_msend(&it, 1);
}

void ws_msend_auth(const char *method, const char *result)
{
	const char *const *results = ws_metrics_family(WS_M_AUTH_ATTEMPTS)->values[1];
	int mi = ws_metrics_label(WS_M_AUTH_ATTEMPTS, 0, strcmp(method, "-") == 0 ? "none" : method);
	int ri = ws_metrics_label(WS_M_AUTH_ATTEMPTS, 1, result);
	size_t nr = 0;

	while (results[nr] != NULL)
		nr++;
	if (mi >= 0 && ri >= 0)
		ws_msend_add(WS_M_AUTH_ATTEMPTS, (size_t)mi * nr + (size_t)ri, 1);
}

void ws_msend_state(enum ws_mstate st)
{
	ws_msend_set(WS_M_CONNECTIONS, st, 1);
}
