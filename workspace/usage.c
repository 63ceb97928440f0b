#include "usage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "strv.h"

/* A workspace's figures before anything is measured: all unknown. */
static void ws_usage_init(struct ws_usage *u, const char *name, const struct ws_admin_info *a)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->name, sizeof(u->name), "%s", name);
	u->info = *a;
	u->cpu = -1;
	u->mem_used = u->mem_limit = u->pids = -1;
	u->home_bytes = u->docker_bytes = u->layer_bytes = -1;
}

/* The workspaces to measure, with their infos: name alone (its error is
 * the caller's), or every one (one removed between the list and its info
 * is left out). */
static ws_err ws_usage_infos(struct ws_engine *e, const char *name, struct ws_usage **out,
    size_t *count, char *why, size_t whylen)
{
	struct ws_admin_info a;
	struct ws_usage *u = NULL;
	char **names = NULL, why2[300];
	size_t i, n = 0;
	ws_err rc;

	if (name != NULL) {
		if ((rc = ws_admin_info(e, name, &a, why, whylen)) != WS_OK)
			return rc;
		if ((u = calloc(1, sizeof(*u))) == NULL)
			return WS_ERR_NOMEM;
		ws_usage_init(u, name, &a);
		n = 1;
		goto done;
	}
	if ((rc = ws_admin_list(e, &names, why, whylen)) != WS_OK)
		return rc;
	if ((u = calloc(ws_strv_len(names) + 1, sizeof(*u))) == NULL) {
		ws_strv_free(names);
		return WS_ERR_NOMEM;
	}
	for (i = 0; names[i] != NULL; i++)
		if (ws_admin_info(e, names[i], &a, why2, sizeof(why2)) == WS_OK)
			ws_usage_init(&u[n++], names[i], &a);
	ws_strv_free(names);
done:
	*out = u;
	*count = n;
	return WS_OK;
}

/* A first sample, and whether there is one. */
struct ws_sample {
	struct ws_cstats s;
	int ok;
};

/* CPU, memory and processes of the running ones: sample A of each, a pause,
 * sample B of each; CPU use is the rate between them, the rest B's. One
 * stopped meanwhile keeps what it has (unknown). */
static void ws_usage_sample(struct ws_engine *e, struct ws_usage *u, size_t n)
{
	struct ws_sample *a = NULL;
	struct ws_cstats b;
	char why[300];
	size_t i;
	int any = 0;

	if (n == 0 || (a = calloc(n, sizeof(*a))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		a[i].ok = !u[i].info.orphan && u[i].info.c.state == WS_CSTATE_RUNNING &&
		    ws_engine_stats(e, u[i].name, &a[i].s, why, sizeof(why)) == WS_OK;
		any |= a[i].ok;
	}
	if (any)
		ws_clock_sleep_ms(WS_USAGE_INTERVAL_MS);
	for (i = 0; i < n; i++) {
		if (!a[i].ok)
			continue;
		if (ws_engine_stats(e, u[i].name, &b, why, sizeof(why)) != WS_OK)
			b = a[i].s;   /* gone meanwhile: no rate, the last figures */
		u[i].cpu = ws_cstats_cpu_percent(&a[i].s, &b);
		u[i].mem_used = b.mem_used;
		u[i].mem_limit = b.mem_limit;
		u[i].pids = b.pids;
	}
	free(a);
}

void ws_usage_disk_fill(struct ws_usage *u, const struct ws_du *d)
{
	char cname[WS_OBJ_NAME_MAX];

	u->home_bytes = u->info.home_volume[0] ? ws_du_bytes(d, 1, u->info.home_volume) : -1;
	u->docker_bytes = u->info.docker_volume[0] ? ws_du_bytes(d, 1, u->info.docker_volume) : -1;
	ws_obj_name(WS_OBJ_CONTAINER, u->name, cname, sizeof(cname));
	u->layer_bytes = u->info.orphan ? -1 : ws_du_bytes(d, 0, cname);
}

ws_err ws_usage_collect(struct ws_engine *e, const char *name, struct ws_usage **out,
    size_t *count, char *why, size_t whylen)
{
	struct ws_usage *u = NULL;
	struct ws_du *d = NULL;
	size_t i, n = 0;
	ws_err rc;

	if ((rc = ws_usage_infos(e, name, &u, &n, why, whylen)) != WS_OK)
		return rc;
	ws_usage_sample(e, u, n);
	if (n > 0 && (rc = ws_engine_disk(e, &d, why, whylen)) != WS_OK) {
		free(u);
		return rc;
	}
	for (i = 0; i < n; i++)
		ws_usage_disk_fill(&u[i], d);
	ws_du_free(d);
	*out = u;
	*count = n;
	return WS_OK;
}

int64_t ws_usage_disk(const struct ws_usage *u)
{
	const int64_t part[] = { u->home_bytes, u->docker_bytes, u->layer_bytes };
	int64_t sum = -1;
	size_t i;

	for (i = 0; i < sizeof(part) / sizeof(part[0]); i++)
		if (part[i] >= 0)
			sum = (sum < 0 ? 0 : sum) + part[i];
	return sum;
}

int64_t ws_usage_disk_of(const struct ws_du *d, const char *name, const struct ws_admin_info *a)
{
	struct ws_usage u;

	ws_usage_init(&u, name, a);
	ws_usage_disk_fill(&u, d);
	return ws_usage_disk(&u);
}

/* Adds v to *sum when v is known (each is at most WS_USAGE_MAX, so no
 * sum of a few thousand overflows). */
static void ws_add(int64_t *sum, int64_t v)
{
	if (v >= 0)
		*sum += v;
}

void ws_usage_total(const struct ws_usage *u, size_t n, struct ws_usage_totals *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->workspaces = n;
	for (i = 0; i < n; i++) {
		if (u[i].cpu >= 0)
			t->cpu += u[i].cpu;
		ws_add(&t->mem_used, u[i].mem_used);
		ws_add(&t->pids, u[i].pids);
		ws_add(&t->home_bytes, u[i].home_bytes);
		ws_add(&t->docker_bytes, u[i].docker_bytes);
		ws_add(&t->layer_bytes, u[i].layer_bytes);
		ws_add(&t->disk_bytes, ws_usage_disk(&u[i]));
	}
}

void ws_usage_human(int64_t bytes, char *out, size_t outlen)
{
	static const char units[] = "KMGTPE";
	uint64_t b = (uint64_t)bytes, div = 1024, q, r, tenths;
	size_t k;

	if (bytes < 0) {
		snprintf(out, outlen, "-");
		return;
	}
	if (bytes < 1024) {
		snprintf(out, outlen, "%lluB", (unsigned long long)b);
		return;
	}
	/* As du -h: rounded up, one decimal below 10, the next unit from 1024.
	 * (r * 10 fits: div is at most 2^60.) */
	for (k = 0;; k++, div *= 1024) {
		q = b / div;
		r = b % div;
		if (q < 10) {
			tenths = q * 10 + (r * 10 + div - 1) / div;
			if (tenths < 100)
				snprintf(out, outlen, "%llu.%llu%c", (unsigned long long)(tenths / 10),
				    (unsigned long long)(tenths % 10), units[k]);
			else
				snprintf(out, outlen, "10%c", units[k]);
			return;
		}
		q += r != 0;
		if (q < 1024 || units[k + 1] == '\0') {
			snprintf(out, outlen, "%llu%c", (unsigned long long)q, units[k]);
			return;
		}
	}
}
