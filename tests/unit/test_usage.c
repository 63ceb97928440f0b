/* The engine's figures on resources in use (backend/usage_json.c), on replies
 * recorded from Docker 20.10 (cgroup v1) and on hostile ones; and the
 * workspace layer's sums and sizes (workspace/usage.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "usage.h"
#include "usage_json.h"

static struct json_object *load(const char *name)
{
	char path[512];
	struct json_object *o;

	snprintf(path, sizeof(path), "%s/%s", WS_TEST_DATA, name);
	o = json_object_from_file(path);
	if (o == NULL)
		fail_msg("cannot read %s", path);
	return o;
}

static struct json_object *parse(const char *text)
{
	struct json_object *o = json_tokener_parse(text);

	if (o == NULL)
		fail_msg("bad test JSON: %s", text);
	return o;
}

/* A running container's sample (cgroup v1), and one a second later: CPU
 * use between them as docker stats computes it (python3 on the files:
 * 1047708999 ns of 4050000000 ns, 2 CPUs: 51.7387...%). */
static void stats_running(void **state)
{
	struct json_object *o = load("stats-running.json"), *o2 = load("stats-running-later.json");
	struct ws_cstats a, b;
	double pct;

	(void)state;
	assert_int_equal(ws_cstats_parse(o, &a), WS_OK);
	assert_int_equal(a.cpu_ns, 2037712138);
	assert_int_equal(a.system_ns, 146868120000000);
	assert_int_equal(a.cpus, 2);
	/* usage 569344, total_inactive_file 0 */
	assert_int_equal(a.mem_used, 569344);
	assert_int_equal(a.mem_limit, 25276502016);
	assert_int_equal(a.pids, 1);
	assert_int_equal(ws_cstats_parse(o2, &b), WS_OK);
	assert_int_equal(b.pids, 2);
	pct = ws_cstats_cpu_percent(&a, &b);
	assert_true(pct > 51.738 && pct < 51.739);
	/* The same sample twice: nothing moved. */
	assert_true(ws_cstats_cpu_percent(&a, &a) == 0);
	/* Backwards (a restart between them): 0, not negative. */
	assert_true(ws_cstats_cpu_percent(&b, &a) == 0);
	json_object_put(o);
	json_object_put(o2);
}

/* A stopped container: the engine answers with zeros and empty objects. */
static void stats_exited(void **state)
{
	struct json_object *o = load("stats-exited.json");
	struct ws_cstats s;

	(void)state;
	assert_int_equal(ws_cstats_parse(o, &s), WS_OK);
	assert_int_equal(s.cpu_ns, -1);
	assert_int_equal(s.system_ns, -1);
	assert_int_equal(s.mem_used, -1);
	assert_int_equal(s.mem_limit, -1);
	assert_int_equal(s.pids, -1);
	assert_true(ws_cstats_cpu_percent(&s, &s) < 0);
	json_object_put(o);
}

/* cgroup v2: inactive_file (no total_*) comes off the usage; v1's
 * total_inactive_file is preferred; more than the usage is not taken. */
static void stats_memory(void **state)
{
	struct json_object *o;
	struct ws_cstats s;

	(void)state;
	o = parse("{\"memory_stats\":{\"usage\":1000,\"stats\":{\"inactive_file\":300},\"limit\":4000}}");
	assert_int_equal(ws_cstats_parse(o, &s), WS_OK);
	assert_int_equal(s.mem_used, 700);
	assert_int_equal(s.mem_limit, 4000);
	json_object_put(o);
	o = parse("{\"memory_stats\":{\"usage\":1000,\"stats\":{\"total_inactive_file\":100,"
	    "\"inactive_file\":300}}}");
	assert_int_equal(ws_cstats_parse(o, &s), WS_OK);
	assert_int_equal(s.mem_used, 900);
	json_object_put(o);
	o = parse("{\"memory_stats\":{\"usage\":1000,\"stats\":{\"inactive_file\":5000}}}");
	assert_int_equal(ws_cstats_parse(o, &s), WS_OK);
	assert_int_equal(s.mem_used, 1000);
	json_object_put(o);
}

/* Wrong types, negative and huge numbers are unknown, never figures; CPUs
 * from the per-CPU list when online_cpus is missing; a claim of more than
 * every CPU is cut. */
static void stats_hostile(void **state)
{
	struct json_object *o;
	struct ws_cstats a, b;

	(void)state;
	o = parse("[1,2]");
	assert_int_equal(ws_cstats_parse(o, &a), WS_ERR_INVALID);
	json_object_put(o);
	assert_int_equal(ws_cstats_parse(NULL, &a), WS_ERR_INVALID);
	o = parse("{\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":\"12\"},\"system_cpu_usage\":-5,"
	    "\"online_cpus\":99999999},\"memory_stats\":{\"usage\":1.5e3,\"limit\":-1},"
	    "\"pids_stats\":{\"current\":18446744073709551615}}");
	assert_int_equal(ws_cstats_parse(o, &a), WS_OK);
	assert_int_equal(a.cpu_ns, -1);
	assert_int_equal(a.system_ns, -1);
	assert_int_equal(a.cpus, 0);
	assert_int_equal(a.mem_used, -1);
	assert_int_equal(a.mem_limit, -1);
	assert_int_equal(a.pids, -1);
	json_object_put(o);
	o = parse("{\"cpu_stats\":{\"cpu_usage\":{\"total_usage\":1000,\"percpu_usage\":[1,2,3]},"
	    "\"system_cpu_usage\":1000},\"memory_stats\":{\"usage\":4611686018427387905}}");
	assert_int_equal(ws_cstats_parse(o, &a), WS_OK);
	assert_int_equal(a.cpus, 3);
	assert_int_equal(a.mem_used, -1);   /* past WS_USAGE_MAX */
	json_object_put(o);
	/* b claims 1000 s of CPU in 1 s of the host's: capped at every CPU. */
	b = a;
	b.cpu_ns += 1000000000000;
	b.system_ns += 1000000000;
	assert_true(ws_cstats_cpu_percent(&a, &b) == 300.0);
	o = parse("{\"cpu_stats\":7,\"memory_stats\":[],\"pids_stats\":null}");
	assert_int_equal(ws_cstats_parse(o, &a), WS_OK);
	assert_int_equal(a.cpu_ns, -1);
	assert_int_equal(a.mem_used, -1);
	json_object_put(o);
}

/* The recorded df: wsgate's volumes and containers, with their sizes; an
 * unlabelled container (workspace-tb1a8e2-rec) and the images left out. */
static void df_recorded(void **state)
{
	struct json_object *o = load("df.json");
	struct ws_du *d = NULL;

	(void)state;
	assert_int_equal(ws_du_parse(o, &d), WS_OK);
	assert_int_equal(d->n, 6);
	assert_int_equal(ws_du_bytes(d, 1, "workspace-mtrap"), 4553);
	assert_int_equal(ws_du_bytes(d, 1, "workspace-mtrap.docker"), 213011);
	assert_int_equal(ws_du_bytes(d, 1, "workspace-t60ed0c-ends.docker"), 0);
	assert_int_equal(ws_du_bytes(d, 0, "workspace-mtrap"), 14316);
	assert_int_equal(ws_du_bytes(d, 0, "workspace-t60ed0c-ends"), 293262);
	/* A volume is not a container of the same name, and the reverse. */
	assert_int_equal(ws_du_bytes(d, 0, "workspace-mtrap.docker"), -1);
	assert_int_equal(ws_du_bytes(d, 0, "workspace-tb1a8e2-rec"), -1);
	assert_int_equal(ws_du_bytes(d, 1, "nosuch"), -1);
	assert_int_equal(ws_du_bytes(NULL, 1, "workspace-mtrap"), -1);
	ws_du_free(d);
	json_object_put(o);
}

static void df_hostile(void **state)
{
	struct json_object *o;
	struct ws_du *d = NULL;
	char big[300];

	(void)state;
	o = parse("\"df\"");
	assert_int_equal(ws_du_parse(o, &d), WS_ERR_INVALID);
	assert_null(d);
	json_object_put(o);
	/* Empty lists come as null; no lists at all is nothing. */
	o = parse("{\"Volumes\":null,\"Containers\":null}");
	assert_int_equal(ws_du_parse(o, &d), WS_OK);
	assert_int_equal(d->n, 0);
	ws_du_free(d);
	json_object_put(o);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	{
		char text[2048];
		snprintf(text, sizeof(text),
		    "{\"Volumes\":[{\"Name\":\"v1\",\"Labels\":{\"org.wsgate.workspace\":\"x\"},"
		    "\"UsageData\":{\"Size\":-1}},"
		    "{\"Name\":\"v2\",\"Labels\":{\"org.wsgate.workspace\":\"x\"},\"UsageData\":{\"Size\":\"9\"}},"
		    "{\"Name\":\"v3\",\"Labels\":{\"org.wsgate.workspace\":7},\"UsageData\":{\"Size\":9}},"
		    "{\"Name\":\"%s\",\"Labels\":{\"org.wsgate.workspace\":\"x\"},\"UsageData\":{\"Size\":9}},"
		    "{\"Name\":5,\"Labels\":{\"org.wsgate.workspace\":\"x\"}},7,null,"
		    "{\"Name\":\"v4\",\"Labels\":{\"org.wsgate.workspace\":\"x\"},\"UsageData\":{\"Size\":99999999999999999999}}],"
		    "\"Containers\":[{\"Names\":[\"/c1\"],\"Labels\":{\"org.wsgate.workspace\":\"x\"},\"SizeRw\":12},"
		    "{\"Names\":[],\"Labels\":{\"org.wsgate.workspace\":\"x\"},\"SizeRw\":12},"
		    "{\"Names\":[\"/\"],\"Labels\":{\"org.wsgate.workspace\":\"x\"},\"SizeRw\":12},"
		    "{\"Names\":\"/c2\",\"Labels\":{\"org.wsgate.workspace\":\"x\"},\"SizeRw\":12}]}", big);
		o = parse(text);
	}
	assert_int_equal(ws_du_parse(o, &d), WS_OK);
	/* v1 (unknown size), v2 (a string: unknown), v4 (too big: unknown), c1 */
	assert_int_equal(d->n, 4);
	assert_int_equal(ws_du_bytes(d, 1, "v1"), -1);
	assert_int_equal(ws_du_bytes(d, 1, "v2"), -1);
	assert_int_equal(ws_du_bytes(d, 1, "v4"), -1);
	assert_int_equal(ws_du_bytes(d, 0, "c1"), 12);
	assert_int_equal(ws_du_bytes(d, 1, big), -1);
	ws_du_free(d);
	json_object_put(o);
	ws_du_free(NULL);
}

/* More objects than the cap: the first WS_USAGE_MAX_OBJECTS only. */
static void df_count_cap(void **state)
{
	struct json_object *o = json_object_new_object(), *vols = json_object_new_array(), *v, *l;
	struct ws_du *d = NULL;
	char name[32];
	size_t i;

	(void)state;
	for (i = 0; i < WS_USAGE_MAX_OBJECTS + 10; i++) {
		v = json_object_new_object();
		l = json_object_new_object();
		snprintf(name, sizeof(name), "v%zu", i);
		json_object_object_add(l, "org.wsgate.workspace", json_object_new_string("x"));
		json_object_object_add(v, "Labels", l);
		json_object_object_add(v, "Name", json_object_new_string(name));
		json_object_array_add(vols, v);
	}
	json_object_object_add(o, "Volumes", vols);
	assert_int_equal(ws_du_parse(o, &d), WS_OK);
	assert_int_equal(d->n, WS_USAGE_MAX_OBJECTS);
	ws_du_free(d);
	json_object_put(o);
}

static void human(void **state)
{
	static const struct {
		int64_t bytes;
		const char *want;
	} cases[] = {
		{ -1, "-" }, { 0, "0B" }, { 1023, "1023B" }, { 1024, "1.0K" }, { 1025, "1.1K" },
		{ 10239, "10K" }, { 10240, "10K" }, { 10241, "11K" }, { 4553, "4.5K" },
		{ 213011, "209K" }, { 20 * 1024 * 1024, "20M" }, { 1048575, "1.0M" },
		{ 1288490189, "1.3G" }, { (int64_t)1 << 60, "1.0E" }, { INT64_MAX, "8.0E" },
		{ 1024 * 1024 - 1024, "1023K" }, { 1024 * 1024 - 1, "1.0M" },
	};
	char out[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ws_usage_human(cases[i].bytes, out, sizeof(out));
		if (strcmp(out, cases[i].want) != 0)
			fail_msg("%lld: got %s, want %s", (long long)cases[i].bytes, out, cases[i].want);
	}
}

/* Totals add what is known; a workspace with nothing known adds nothing. */
static void totals(void **state)
{
	struct ws_usage u[3];
	struct ws_usage_totals t;
	size_t i;

	(void)state;
	memset(u, 0, sizeof(u));
	for (i = 0; i < 3; i++) {
		u[i].cpu = -1;
		u[i].mem_used = u[i].mem_limit = u[i].pids = -1;
		u[i].home_bytes = u[i].docker_bytes = u[i].layer_bytes = -1;
	}
	u[0].cpu = 12.5;
	u[0].mem_used = 1000;
	u[0].pids = 3;
	u[0].home_bytes = 100;
	u[0].docker_bytes = 10;
	u[0].layer_bytes = 1;
	u[1].home_bytes = 200;   /* stopped: disk only */
	assert_int_equal(ws_usage_disk(&u[0]), 111);
	assert_int_equal(ws_usage_disk(&u[1]), 200);
	assert_int_equal(ws_usage_disk(&u[2]), -1);
	ws_usage_total(u, 3, &t);
	assert_int_equal(t.workspaces, 3);
	assert_true(t.cpu == 12.5);
	assert_int_equal(t.mem_used, 1000);
	assert_int_equal(t.pids, 3);
	assert_int_equal(t.home_bytes, 300);
	assert_int_equal(t.docker_bytes, 10);
	assert_int_equal(t.layer_bytes, 1);
	assert_int_equal(t.disk_bytes, 311);
}

/* A workspace's disk from the recorded df: its volumes (as its info names
 * them) and its container's layer; an orphan has no layer. */
static void disk_of(void **state)
{
	struct json_object *o = load("df.json");
	struct ws_du *d = NULL;
	struct ws_admin_info a;

	(void)state;
	assert_int_equal(ws_du_parse(o, &d), WS_OK);
	memset(&a, 0, sizeof(a));
	snprintf(a.home_volume, sizeof(a.home_volume), "workspace-mtrap");
	snprintf(a.docker_volume, sizeof(a.docker_volume), "workspace-mtrap.docker");
	assert_int_equal(ws_usage_disk_of(d, "mtrap", &a), 4553 + 213011 + 14316);
	a.orphan = 1;
	assert_int_equal(ws_usage_disk_of(d, "mtrap", &a), 4553 + 213011);
	memset(&a, 0, sizeof(a));
	assert_int_equal(ws_usage_disk_of(d, "nosuch", &a), -1);
	ws_du_free(d);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(stats_running), cmocka_unit_test(stats_exited),
		cmocka_unit_test(stats_memory), cmocka_unit_test(stats_hostile),
		cmocka_unit_test(df_recorded), cmocka_unit_test(df_hostile),
		cmocka_unit_test(df_count_cap), cmocka_unit_test(human),
		cmocka_unit_test(totals), cmocka_unit_test(disk_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
