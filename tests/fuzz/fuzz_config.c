/* Fuzzes configuration reading: libconfig's parse, then every setting's
 * application and the table's checks (choices, list entries, addresses,
 * access rules), and the -T writer over what was read. Any input must end
 * in errors or a configuration, never a crash or a leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct ws_config *cfg = ws_config_new();
	struct ws_diag *d = ws_diag_new();
	FILE *f, *null;

	if (cfg == NULL || d == NULL)
		abort();
	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/wsgate-fuzz-config.%ld", (long)getpid());
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	if (ws_config_load_diag(cfg, path, 0, d) != WS_ERR_IO)
		ws_config_check_diag(cfg, d);
	if ((null = fopen("/dev/null", "w")) != NULL) {
		ws_config_write(cfg, null);
		ws_diag_print(d, null);
		fclose(null);
	}
	ws_diag_free(d);
	ws_config_free(cfg);
	return 0;
}
