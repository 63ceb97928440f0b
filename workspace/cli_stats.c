/* cli_stats.c — ws stats [NAME] [--json]: per workspace its state, CPU and
 * memory in use, the disk its volumes and its container's own layer take,
 * its last login; and the totals. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "usage.h"

#define WS_ROW "%-24s %-10s %6s %6s %6s %5s %6s %6s %6s %6s  %s\n"

/* Like the other commands: a missing workspace is exit 3. */
static int ws_stats_fail(ws_err rc, const char *name, const char *why)
{
	if (rc == WS_ERR_NOT_FOUND) {
		fprintf(stderr, "ws: no workspace '%s'\n", name);
		return WS_EXIT_MISSING;
	}
	fprintf(stderr, "ws: %s\n", why[0] ? why : ws_err_str(rc));
	return WS_EXIT_FAIL;
}

/* The last login: now (sessions open), a UTC time, or "-". */
static void ws_stats_login(const struct ws_usage *u, char *out, size_t outlen)
{
	struct tm tm;

	if (u->info.active)
		snprintf(out, outlen, "now");
	else if (u->info.last_used == 0 || gmtime_r(&u->info.last_used, &tm) == NULL)
		snprintf(out, outlen, "-");
	else
		strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void ws_stats_cpu(double cpu, char *out, size_t outlen)
{
	if (cpu < 0)
		snprintf(out, outlen, "-");
	else
		snprintf(out, outlen, "%.1f%%", cpu);
}

static void ws_stats_count(int64_t n, char *out, size_t outlen)
{
	if (n < 0)
		snprintf(out, outlen, "-");
	else
		snprintf(out, outlen, "%lld", (long long)n);
}

static void ws_stats_row(const struct ws_usage *u)
{
	char cpu[16], mem[16], lim[16], pids[24], home[16], dock[16], layer[16], disk[16], login[32];

	ws_stats_cpu(u->cpu, cpu, sizeof(cpu));
	ws_usage_human(u->mem_used, mem, sizeof(mem));
	ws_usage_human(u->mem_limit, lim, sizeof(lim));
	ws_stats_count(u->pids, pids, sizeof(pids));
	ws_usage_human(u->home_bytes, home, sizeof(home));
	ws_usage_human(u->docker_bytes, dock, sizeof(dock));
	ws_usage_human(u->layer_bytes, layer, sizeof(layer));
	ws_usage_human(ws_usage_disk(u), disk, sizeof(disk));
	ws_stats_login(u, login, sizeof(login));
	printf(WS_ROW, u->name, u->info.orphan ? "orphaned" : ws_cstate_str(u->info.c.state), cpu,
	    mem, lim, pids, home, dock, layer, disk, login);
}

static void ws_stats_table(const struct ws_usage *u, size_t n, const struct ws_usage_totals *t)
{
	char label[32], cpu[16], mem[16], pids[24], home[16], dock[16], layer[16], disk[16];
	size_t i;

	printf(WS_ROW, "NAME", "STATE", "CPU", "MEM", "LIMIT", "PIDS", "HOME", "DOCKER", "LAYER",
	    "DISK", "LAST LOGIN");
	for (i = 0; i < n; i++)
		ws_stats_row(&u[i]);
	snprintf(label, sizeof(label), "TOTAL (%zu)", t->workspaces);
	ws_stats_cpu(t->cpu, cpu, sizeof(cpu));
	ws_usage_human(t->mem_used, mem, sizeof(mem));
	ws_stats_count(t->pids, pids, sizeof(pids));
	ws_usage_human(t->home_bytes, home, sizeof(home));
	ws_usage_human(t->docker_bytes, dock, sizeof(dock));
	ws_usage_human(t->layer_bytes, layer, sizeof(layer));
	ws_usage_human(t->disk_bytes, disk, sizeof(disk));
	printf(WS_ROW, label, "", cpu, mem, "", pids, home, dock, layer, disk, "");
}

/* A figure, or null when unknown. */
static struct json_object *ws_stats_num(int64_t v)
{
	return v < 0 ? NULL : json_object_new_int64(v);
}

/* A CPU percentage with two decimals, written as such (not 0.51000000000000001). */
static struct json_object *ws_stats_pct(double v)
{
	char s[32];

	if (v < 0)
		return NULL;
	snprintf(s, sizeof(s), "%.2f", v);
	return json_object_new_double_s(strtod(s, NULL), s);
}

static struct json_object *ws_stats_json_row(const struct ws_usage *u)
{
	struct json_object *o = json_object_new_object();
	char login[32];

	if (o == NULL)
		return NULL;
	ws_stats_login(u, login, sizeof(login));
	json_object_object_add(o, "name", json_object_new_string(u->name));
	json_object_object_add(o, "state",
	    json_object_new_string(u->info.orphan ? "orphaned" : ws_cstate_str(u->info.c.state)));
	json_object_object_add(o, "cpu_percent", ws_stats_pct(u->cpu));
	json_object_object_add(o, "memory_bytes", ws_stats_num(u->mem_used));
	json_object_object_add(o, "memory_limit_bytes", ws_stats_num(u->mem_limit));
	json_object_object_add(o, "pids", ws_stats_num(u->pids));
	json_object_object_add(o, "home_volume",
	    u->info.home_volume[0] ? json_object_new_string(u->info.home_volume) : NULL);
	json_object_object_add(o, "home_volume_bytes", ws_stats_num(u->home_bytes));
	json_object_object_add(o, "docker_volume",
	    u->info.docker_volume[0] ? json_object_new_string(u->info.docker_volume) : NULL);
	json_object_object_add(o, "docker_volume_bytes", ws_stats_num(u->docker_bytes));
	json_object_object_add(o, "layer_bytes", ws_stats_num(u->layer_bytes));
	json_object_object_add(o, "disk_bytes", ws_stats_num(ws_usage_disk(u)));
	json_object_object_add(o, "last_login",
	    strcmp(login, "-") == 0 ? NULL : json_object_new_string(login));
	json_object_object_add(o, "sessions_open", json_object_new_boolean(u->info.active));
	return o;
}

static struct json_object *ws_stats_json_totals(const struct ws_usage_totals *t)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "workspaces", json_object_new_int64((int64_t)t->workspaces));
	json_object_object_add(o, "cpu_percent", ws_stats_pct(t->cpu));
	json_object_object_add(o, "memory_bytes", json_object_new_int64(t->mem_used));
	json_object_object_add(o, "pids", json_object_new_int64(t->pids));
	json_object_object_add(o, "home_volume_bytes", json_object_new_int64(t->home_bytes));
	json_object_object_add(o, "docker_volume_bytes", json_object_new_int64(t->docker_bytes));
	json_object_object_add(o, "layer_bytes", json_object_new_int64(t->layer_bytes));
	json_object_object_add(o, "disk_bytes", json_object_new_int64(t->disk_bytes));
	return o;
}

/* --json: one object for NAME; else {"workspaces": [...], "totals": {...}}. */
static int ws_stats_json(const struct ws_usage *u, size_t n, const struct ws_usage_totals *t,
    int one)
{
	struct json_object *o = NULL, *arr = NULL;
	size_t i;
	int ret = WS_EXIT_FAIL;

	if (one) {
		o = ws_stats_json_row(&u[0]);
	} else if ((o = json_object_new_object()) != NULL && (arr = json_object_new_array()) != NULL) {
		for (i = 0; i < n; i++)
			json_object_array_add(arr, ws_stats_json_row(&u[i]));
		json_object_object_add(o, "workspaces", arr);
		arr = NULL;
		json_object_object_add(o, "totals", ws_stats_json_totals(t));
	}
	if (o != NULL) {
		printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
		    JSON_C_TO_STRING_NOSLASHESCAPE));
		ret = WS_EXIT_OK;
	}
	json_object_put(arr);
	json_object_put(o);
	return ret;
}

/* An account sees (and totals) only the workspaces it may enter. */
static void ws_stats_filter(const struct ws_cli *w, struct ws_usage *u, size_t *n)
{
	size_t i, k = 0;

	if (w->as == NULL)
		return;
	for (i = 0; i < *n; i++)
		if (ws_cli_allowed(w->as, u[i].name, u[i].info.owner, WS_MAY_READ))
			u[k++] = u[i];
	*n = k;
}

int ws_cmd_stats(struct ws_cli *w, int argc, char **argv)
{
	const char *name = argc > 0 ? argv[0] : NULL;
	struct ws_usage *u = NULL;
	struct ws_usage_totals t;
	char why[600] = "";
	size_t n = 0;
	ws_err rc;
	int ret;

	if (name != NULL && (ret = ws_cli_may(w, name, WS_MAY_READ)) != WS_EXIT_OK)
		return ret;
	if ((rc = ws_usage_collect(w->e, name, &u, &n, why, sizeof(why))) != WS_OK)
		return ws_stats_fail(rc, name != NULL ? name : "", why);
	ws_stats_filter(w, u, &n);
	ws_usage_total(u, n, &t);
	if (w->json) {
		ret = ws_stats_json(u, n, &t, name != NULL);
	} else {
		ws_stats_table(u, n, &t);
		ret = WS_EXIT_OK;
	}
	free(u);
	return ret;
}
