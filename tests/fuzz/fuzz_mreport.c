/* Fuzzes the listener's reading of metric reports (metrics_report.h): any
 * bytes, from known connections or not, must leave it without a crash, and
 * once every connection has ended, no connection's gauge may be left
 * standing (each input is a run of chunks: a byte choosing the sender,
 * then a report's bytes). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "metrics_recv.h"
#include "metrics_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const pid_t pids[] = { 10, 20, 30, 40 };   /* 40 is no connection */
	static struct ws_msnap s;
	struct ws_mregion *reg = ws_mregion_new();
	struct ws_mrecv *rv = reg != NULL ? ws_mrecv_new(reg, 1000) : NULL;
	size_t pos = 0, len;

	if (rv == NULL)
		abort();
	for (int i = 0; i < 3; i++)
		if (ws_mrecv_child(rv, pids[i]) != WS_OK)
			abort();
	while (pos < size) {
		uint8_t sel = data[pos++];

		len = size - pos < sizeof(struct ws_mreport) ? size - pos : sizeof(struct ws_mreport);
		/* Bit 2: another user's process; bit 3: a datagram cut short. */
		if ((sel & 8) && len > 0)
			len--;
		(void)ws_mrecv_apply(rv, data + pos, len, pids[sel & 3], (sel & 4) ? 0 : 1000);
		pos += len;
	}
	for (int i = 0; i < 3; i++)
		ws_mrecv_gone(rv, pids[i]);
	if (ws_mregion_snapshot(reg, &s) != WS_OK)
		abort();
	for (int m = 0; m < WS_M__COUNT; m++)
		if (ws_metrics_family((enum ws_metric)m)->flags & WS_MF_PER_PID)
			for (size_t c = 0; c < ws_metrics_combos((enum ws_metric)m); c++)
				if (ws_msnap_value(&s, (enum ws_metric)m, c) != 0)
					abort();
	ws_mrecv_free(rv);
	ws_mregion_free(reg);
	return 0;
}
