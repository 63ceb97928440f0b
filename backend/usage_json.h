/* usage_json.h — what wsgate reads of the engine's figures on resources in use:
 * one sample of a container's cgroup counters (Docker's GET
 * /containers/{name}/stats) and the disk used by wsgate's volumes and
 * containers (GET /system/df). Pure parsing, no I/O, so it is unit-tested
 * and fuzzed on recorded replies. Every figure is bounded: one out of range,
 * negative or of the wrong type counts as unknown (-1), never as a number. */
#ifndef WSGATE_USAGE_JSON_H
#define WSGATE_USAGE_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "container.h"
#include "wserr.h"

/* Largest figure taken as a size or a counter (bytes, ns): 2^62. */
#define WS_USAGE_MAX ((int64_t)1 << 62)
/* Most CPUs a sample may claim. */
#define WS_USAGE_MAX_CPUS 4096
/* Most objects read from one disk reply, volumes and containers each. */
#define WS_USAGE_MAX_OBJECTS 8192

/* One sample of a container's counters; -1 for what it does not hold (a
 * stopped container's sample holds none of them). */
struct ws_cstats {
	int64_t cpu_ns;      /* CPU time the container used, in all (ns) */
	int64_t system_ns;   /* the host's CPU time, in all (ns) */
	int cpus;            /* CPUs online (0 when unknown) */
	int64_t mem_used;    /* memory in use as docker stats shows it (page
	                        cache that can be dropped left out) */
	int64_t mem_limit;   /* the container's memory limit (the host's memory
	                        when it has none) */
	int64_t pids;        /* processes and threads */
};

/* Fills *s from the reply of GET /containers/{name}/stats?stream=false.
 * Returns WS_ERR_INVALID when obj is not an object; *s is set only on WS_OK. */
ws_err ws_cstats_parse(struct json_object *obj, struct ws_cstats *s);

/* CPU use between samples a and b (b taken later), in percent of one CPU as
 * docker stats computes it (200 is two CPUs busy); -1 when either sample
 * lacks the counters, 0 when they did not move. */
double ws_cstats_cpu_percent(const struct ws_cstats *a, const struct ws_cstats *b);

/* Disk used by one of wsgate's objects. */
struct ws_du_item {
	char name[WS_VOLUME_NAME_MAX]; /* volume name, or container name without '/' */
	int is_volume;                 /* 0: a container's own writable layer */
	int64_t bytes;                 /* -1 when the engine does not know */
};

/* Disk used by wsgate's volumes and containers. */
struct ws_du {
	struct ws_du_item *items;
	size_t n;
};

/* From the reply of GET /system/df, the volumes' sizes (UsageData.Size) and
 * the containers' writable layers (SizeRw) of the objects that carry
 * wsgate's workspace label; others, and names too long to be wsgate's, are
 * left out. Returns WS_ERR_INVALID when obj is not an object, WS_ERR_NOMEM;
 * on WS_OK *out is the caller's to free with ws_du_free. */
ws_err ws_du_parse(struct json_object *obj, struct ws_du **out);

/* The bytes used by the volume (is_volume 1) or container called name in d,
 * -1 when d does not have it or does not know; d may be NULL. */
int64_t ws_du_bytes(const struct ws_du *d, int is_volume, const char *name);

/* Frees d; accepts NULL. */
void ws_du_free(struct ws_du *d);

#endif
