#include "idle.h"

#include <time.h>

#include "admin.h"
#include "log.h"
#include "strv.h"
#include "workspace.h"

int ws_idle_interval(int idle_stop)
{
	int i = idle_stop / 4;

	return i < 1 ? 1 : i > 60 ? 60 : i;
}

int ws_idle_sweep(const struct ws_config *cfg)
{
	struct ws_engine *d = ws_workspace_engine(cfg, cfg->docker_timeout);
	struct ws_admin_info a;
	char **names = NULL, why[400];
	size_t i;
	int stopped = 0;

	if (d == NULL || ws_admin_list(d, &names, why, sizeof(why)) != WS_OK)
		goto out;
	for (i = 0; names[i] != NULL; i++) {
		if (ws_admin_info(d, names[i], &a, why, sizeof(why)) != WS_OK || a.orphan ||
		    a.c.state != WS_CSTATE_RUNNING || a.active || a.last_used == 0 ||
		    time(NULL) - a.last_used < cfg->idle_stop)
			continue;
		if (ws_admin_stop(d, names[i], why, sizeof(why)) == WS_OK) {
			ws_info("stopped workspace %s: no session for %ld s (idle_stop)", names[i],
			    (long)(time(NULL) - a.last_used));
			stopped++;
		} else {
			ws_warn("idle workspace %s could not be stopped: %s", names[i], why);
		}
	}
out:
	ws_strv_free(names);
	ws_engine_free(d);
	return stopped;
}
