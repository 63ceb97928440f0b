/* usage.h — the resources workspaces use, for ws stats and ws list: state,
 * CPU and memory in use (from two samples of the engine's counters), disk
 * used by each volume and by the container's own layer, last login; and
 * the totals. What is not known (a stopped workspace's CPU) is -1. */
#ifndef WSGATE_USAGE_H
#define WSGATE_USAGE_H

#include <stddef.h>
#include <stdint.h>

#include "admin.h"
#include "engine.h"
#include "wserr.h"

/* The time between the two samples CPU use is measured over. */
#define WS_USAGE_INTERVAL_MS 500

/* One workspace's figures. */
struct ws_usage {
	char name[64];
	struct ws_admin_info info;  /* state, owner, volumes, last used (last login) */
	double cpu;                 /* percent of one CPU (200: two busy), -1 unknown */
	int64_t mem_used;           /* bytes, as docker stats shows it; -1 unknown */
	int64_t mem_limit;          /* bytes; -1 unknown */
	int64_t pids;               /* processes and threads; -1 unknown */
	int64_t home_bytes;         /* the volume at /home/workspace; -1 unknown */
	int64_t docker_bytes;       /* the volume at /var/lib/docker; -1 unknown */
	int64_t layer_bytes;        /* the container's own writable layer; -1 unknown */
};

/* The sums of what is known over all workspaces. */
struct ws_usage_totals {
	size_t workspaces;
	double cpu;
	int64_t mem_used, pids, home_bytes, docker_bytes, layer_bytes, disk_bytes;
};

/* Collects the figures of workspace name, or of every workspace (sorted by
 * name; one removed meanwhile is left out) when name is NULL. CPU use is
 * measured between two samples WS_USAGE_INTERVAL_MS apart. WS_ERR_NOT_FOUND
 * when name is no workspace; other errors with why. On WS_OK, *out holds
 * *count entries, the caller's to free with free(). */
ws_err ws_usage_collect(struct ws_engine *e, const char *name, struct ws_usage **out,
    size_t *count, char *why, size_t whylen);

/* Sets u's disk figures (home_bytes, docker_bytes, layer_bytes) from d,
 * for u->name with the volumes in u->info; d NULL leaves them unknown. */
void ws_usage_disk_fill(struct ws_usage *u, const struct ws_du *d);

/* The disk workspace name (its info a) uses in all, from d: as
 * ws_usage_disk once its figures are filled in. */
int64_t ws_usage_disk_of(const struct ws_du *d, const char *name, const struct ws_admin_info *a);

/* The disk u uses in all (volumes and layer, what is known of them); -1
 * when none is known. */
int64_t ws_usage_disk(const struct ws_usage *u);

/* Fills *t with the sums of the n figures of u. */
void ws_usage_total(const struct ws_usage *u, size_t n, struct ws_usage_totals *t);

/* Writes bytes as du -h shows them (binary units, rounded up: 512B, 1.2K,
 * 340M, 12G) into out; "-" when bytes is negative (unknown). */
void ws_usage_human(int64_t bytes, char *out, size_t outlen);

#endif
