#include "usage_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The object at obj.key, or NULL when absent or not of type t. */
static struct json_object *ws_u_get(struct json_object *obj, const char *key, json_type t)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, t))
		return NULL;
	return v;
}

/* The integer at obj.key when it is one in [0, WS_USAGE_MAX]; else -1. A
 * number the engine wrote as a double, a string or beyond the bound is not
 * a figure to add up. */
static int64_t ws_u_num(struct json_object *obj, const char *key)
{
	struct json_object *v = ws_u_get(obj, key, json_type_int);
	int64_t n;

	if (v == NULL)
		return -1;
	n = json_object_get_int64(v);
	return n >= 0 && n <= WS_USAGE_MAX ? n : -1;
}

/* Memory in use as docker stats (20.10) shows it: the usage less the page
 * cache the kernel may drop (total_inactive_file on cgroup v1,
 * inactive_file on v2), when that is less than the usage. */
static int64_t ws_u_mem(struct json_object *mem)
{
	struct json_object *stats = ws_u_get(mem, "stats", json_type_object);
	int64_t usage = ws_u_num(mem, "usage"), inactive;

	if (usage < 0)
		return -1;
	inactive = ws_u_num(stats, "total_inactive_file");
	if (inactive < 0)
		inactive = ws_u_num(stats, "inactive_file");
	return inactive >= 0 && inactive < usage ? usage - inactive : usage;
}

ws_err ws_cstats_parse(struct json_object *obj, struct ws_cstats *s)
{
	struct json_object *cpu, *mem, *percpu;
	struct ws_cstats r;
	int64_t n;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return WS_ERR_INVALID;
	cpu = ws_u_get(obj, "cpu_stats", json_type_object);
	mem = ws_u_get(obj, "memory_stats", json_type_object);
	r.cpu_ns = ws_u_num(ws_u_get(cpu, "cpu_usage", json_type_object), "total_usage");
	r.system_ns = ws_u_num(cpu, "system_cpu_usage");
	/* Older engines leave online_cpus out: the per-CPU list counts them. */
	n = ws_u_num(cpu, "online_cpus");
	percpu = ws_u_get(ws_u_get(cpu, "cpu_usage", json_type_object), "percpu_usage", json_type_array);
	if (n <= 0 && percpu != NULL)
		n = (int64_t)json_object_array_length(percpu);
	r.cpus = n > 0 && n <= WS_USAGE_MAX_CPUS ? (int)n : 0;
	r.mem_used = ws_u_mem(mem);
	r.mem_limit = ws_u_num(mem, "limit");
	r.pids = ws_u_num(ws_u_get(obj, "pids_stats", json_type_object), "current");
	/* A stopped container's sample has zeros for counters it lacks. */
	if (r.system_ns <= 0) {
		r.cpu_ns = -1;
		r.system_ns = -1;
	}
	if (r.mem_limit == 0)
		r.mem_limit = -1;
	*s = r;
	return WS_OK;
}

double ws_cstats_cpu_percent(const struct ws_cstats *a, const struct ws_cstats *b)
{
	double cpu, sys, pct;
	int cpus = b->cpus > 0 ? b->cpus : a->cpus;

	if (a->cpu_ns < 0 || b->cpu_ns < 0 || a->system_ns < 0 || b->system_ns < 0 || cpus <= 0)
		return -1;
	cpu = (double)b->cpu_ns - (double)a->cpu_ns;
	sys = (double)b->system_ns - (double)a->system_ns;
	if (cpu <= 0 || sys <= 0)
		return 0;   /* idle, or restarted between the samples */
	pct = cpu / sys * cpus * 100.0;
	/* No container uses more than every CPU: counters that say so lie. */
	return pct > cpus * 100.0 ? cpus * 100.0 : pct;
}

/* The name of a df entry: a volume's Name, a container's first of Names
 * (without its '/'); NULL when absent or too long to be wsgate's. */
static const char *ws_u_name(struct json_object *item, int is_volume)
{
	struct json_object *v, *names = ws_u_get(item, "Names", json_type_array);
	const char *s = NULL;

	if (is_volume && (v = ws_u_get(item, "Name", json_type_string)) != NULL)
		s = json_object_get_string(v);
	else if (!is_volume && names != NULL && json_object_array_length(names) > 0 &&
	    json_object_is_type(json_object_array_get_idx(names, 0), json_type_string))
		s = json_object_get_string(json_object_array_get_idx(names, 0));
	if (s != NULL && !is_volume && s[0] == '/')
		s++;
	if (s == NULL || s[0] == '\0' || strlen(s) >= WS_VOLUME_NAME_MAX)
		return NULL;
	return s;
}

/* Adds to d the labelled objects of one df list (at most
 * WS_USAGE_MAX_OBJECTS of them); d->items has room for them. */
static void ws_u_collect(struct json_object *arr, int is_volume, struct ws_du *d)
{
	struct json_object *item, *labels;
	struct ws_du_item *it;
	const char *name;
	size_t i, n = json_object_array_length(arr);

	for (i = 0; i < n && i < WS_USAGE_MAX_OBJECTS; i++) {
		item = json_object_array_get_idx(arr, i);
		labels = ws_u_get(item, "Labels", json_type_object);
		if (ws_u_get(labels, WS_LABEL_WORKSPACE, json_type_string) == NULL ||
		    (name = ws_u_name(item, is_volume)) == NULL)
			continue;
		it = &d->items[d->n++];
		memset(it, 0, sizeof(*it));
		snprintf(it->name, sizeof(it->name), "%s", name);
		it->is_volume = is_volume;
		it->bytes = is_volume ? ws_u_num(ws_u_get(item, "UsageData", json_type_object), "Size") :
		    ws_u_num(item, "SizeRw");
	}
}

ws_err ws_du_parse(struct json_object *obj, struct ws_du **out)
{
	struct json_object *vols, *ctrs;
	struct ws_du *d = NULL;
	size_t room;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return WS_ERR_INVALID;
	/* The engine writes null for an empty list. */
	vols = ws_u_get(obj, "Volumes", json_type_array);
	ctrs = ws_u_get(obj, "Containers", json_type_array);
	room = (vols ? json_object_array_length(vols) : 0) + (ctrs ? json_object_array_length(ctrs) : 0);
	if (room > 2 * WS_USAGE_MAX_OBJECTS)
		room = 2 * WS_USAGE_MAX_OBJECTS;
	/* One more: items is never NULL, even for no objects. */
	if ((d = calloc(1, sizeof(*d))) == NULL ||
	    (d->items = calloc(room + 1, sizeof(*d->items))) == NULL) {
		ws_du_free(d);
		return WS_ERR_NOMEM;
	}
	if (vols != NULL)
		ws_u_collect(vols, 1, d);
	if (ctrs != NULL)
		ws_u_collect(ctrs, 0, d);
	*out = d;
	return WS_OK;
}

int64_t ws_du_bytes(const struct ws_du *d, int is_volume, const char *name)
{
	size_t i;

	for (i = 0; d != NULL && name != NULL && i < d->n; i++)
		if (d->items[i].is_volume == is_volume && strcmp(d->items[i].name, name) == 0)
			return d->items[i].bytes;
	return -1;
}

void ws_du_free(struct ws_du *d)
{
	if (d == NULL)
		return;
	free(d->items);
	free(d);
}
