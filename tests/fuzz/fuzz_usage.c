/* Fuzzes the reading of the engine's figures on resources in use: a stats
 * sample and a /system/df reply (backend/usage_json.c). Whatever the input,
 * a figure is unknown (-1) or within bounds, and names are terminated. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "usage_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ws_fig_ok(int64_t v)
{
	return v == -1 || (v >= 0 && v <= WS_USAGE_MAX);
}

static void ws_fuzz_stats(struct json_object *obj)
{
	struct ws_cstats s;
	double pct;

	if (ws_cstats_parse(obj, &s) != WS_OK)
		return;
	if (!ws_fig_ok(s.cpu_ns) || !ws_fig_ok(s.system_ns) || !ws_fig_ok(s.mem_used) ||
	    !ws_fig_ok(s.mem_limit) || !ws_fig_ok(s.pids) || s.cpus < 0 || s.cpus > WS_USAGE_MAX_CPUS)
		__builtin_trap();
	pct = ws_cstats_cpu_percent(&s, &s);
	if (pct != -1 && pct != 0)
		__builtin_trap();
}

static void ws_fuzz_df(struct json_object *obj)
{
	struct ws_du *d = NULL;
	size_t i;

	if (ws_du_parse(obj, &d) != WS_OK)
		return;
	if (d->n > 2 * WS_USAGE_MAX_OBJECTS)
		__builtin_trap();
	for (i = 0; i < d->n; i++) {
		if (memchr(d->items[i].name, '\0', sizeof(d->items[i].name)) == NULL ||
		    d->items[i].name[0] == '\0' || !ws_fig_ok(d->items[i].bytes))
			__builtin_trap();
		if (ws_du_bytes(d, d->items[i].is_volume, d->items[i].name) == -2)
			__builtin_trap();
	}
	ws_du_free(d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	struct json_object *obj;

	if (tok == NULL)
		return 0;
	obj = json_tokener_parse_ex(tok, (const char *)data, (int)(size > 1 << 20 ? 1 << 20 : size));
	if (obj != NULL) {
		ws_fuzz_stats(obj);
		ws_fuzz_df(obj);
		json_object_put(obj);
	}
	json_tokener_free(tok);
	return 0;
}
