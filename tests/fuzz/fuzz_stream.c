/* Fuzzes the engine's multiplexed output (exec output, container logs) as
 * wsgate splits it into lines and reads session times from it: any input
 * must leave the parsers without a crash or an overlong line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sshdlog.h"
#include "exec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_line(void *arg, int i, const char *line)
{
	(void)arg;
	(void)i;
	if (strlen(line) >= 1024)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ws_exec_demux(data, size, 1, on_line, NULL);
	(void)ws_sshdlog_last_session(data, size);
	return 0;
}
