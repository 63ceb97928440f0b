/* The metrics (metrics.h): the family table, the shared region (values, the
 * read-only view a reader gets, the seals, no inheritance by forks), the
 * Prometheus text (checked by promtool, Debian's prometheus package) and the
 * endpoints' answers (metrics_http.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bridge.h"
#include "metrics.h"
#include "metrics_http.h"
#include "mregion.h"
#include "monproto.h"
#include "workspace.h"

static void families_are_well_formed(void **state)
{
	size_t slots = 0, n;

	(void)state;
	for (int m = 0; m < WS_M__COUNT; m++) {
		const struct ws_mfamily *f = ws_metrics_family((enum ws_metric)m);
		size_t len = strlen(f->name);

		assert_true(strncmp(f->name, "wsgate_", 7) == 0);
		assert_true(f->help != NULL && strchr(f->help, '\n') == NULL && strchr(f->help, '\\') == NULL);
		/* Prometheus' rules: counters end in _total, nothing else does. */
		assert_int_equal(f->type == WS_MT_COUNTER, len > 6 && strcmp(f->name + len - 6, "_total") == 0);
		/* Only reported families take a bound; one-of families are per process. */
		assert_true((f->flags & WS_MF_REPORTED) ? f->max > 0 : f->max == 0);
		assert_true(!(f->flags & WS_MF_ONE_OF) || (f->flags & WS_MF_PER_PID));
		assert_true(!(f->flags & WS_MF_PER_PID) || f->type == WS_MT_GAUGE);
		n = ws_metrics_combos((enum ws_metric)m);
		assert_true(n >= 1 && n < 100);
		slots += n * (f->type == WS_MT_HISTOGRAM ? ws_metrics_buckets() + 2 : 1);
	}
	assert_true(slots <= WS_M_SLOTS);
	assert_int_equal(ws_metrics_combos(WS_M_AUTH_ATTEMPTS), 5 * 13);
	assert_int_equal(ws_metrics_combos(WS_M_SESSIONS_TOTAL), 1);
}

static void labels_match_their_sources(void **state)
{
	static const char *const phases[] = { "create", "start", "sshd", "clone", "post-start" };
	const struct ws_mfamily *ch = ws_metrics_family(WS_M_CHANNELS_OPEN);
	const struct ws_mfamily *ph = ws_metrics_family(WS_M_BRINGUP_SECONDS);
	int i;

	(void)state;
	/* The bridge counts channels by its own table's order. */
	assert_int_equal(WS_BRIDGE_KINDS, WS_M_CHANNEL_TYPES);
	assert_int_equal(WS_MP_CHANNEL_TYPES, WS_M_CHANNEL_TYPES);
	assert_int_equal(ws_metrics_combos(WS_M_CHANNELS_OPEN), WS_M_CHANNEL_TYPES);
	for (i = 0; i < WS_BRIDGE_KINDS; i++)
		assert_string_equal(ch->values[0][i], ws_bridge_kind_name(i));
	assert_null(ws_bridge_kind_name(WS_BRIDGE_KINDS));
	/* A bring-up names its phases by enum ws_phase. */
	assert_int_equal(ws_metrics_combos(WS_M_BRINGUP_SECONDS), WS_M_PHASES);
	assert_string_equal(ph->values[0][WS_PHASE_CREATE], phases[0]);
	assert_string_equal(ph->values[0][WS_PHASE_START], phases[1]);
	assert_string_equal(ph->values[0][WS_PHASE_SSHD], phases[2]);
	assert_string_equal(ph->values[0][WS_PHASE_CLONE], phases[3]);
	assert_string_equal(ph->values[0][WS_PHASE_POST_START], phases[4]);
	assert_int_equal(ws_metrics_combos(WS_M_CONNECTIONS), WS_MS__COUNT);
	/* The audit log's words; unknown ones are "other", where there is one. */
	assert_int_equal(ws_metrics_label(WS_M_AUTH_ATTEMPTS, 0, "password"), 1);
	assert_int_equal(ws_metrics_label(WS_M_AUTH_ATTEMPTS, 1, "invalid-name"), 10);
	assert_int_equal(ws_metrics_label(WS_M_AUTH_ATTEMPTS, 1, "no-such-result"),
	    ws_metrics_label(WS_M_AUTH_ATTEMPTS, 1, "other"));
	assert_int_equal(ws_metrics_label(WS_M_CONNECTIONS, 0, "sleeping"), -1);
	assert_int_equal(ws_metrics_label(WS_M_SESSIONS_TOTAL, 0, "x"), -1);
	assert_int_equal(ws_metrics_label(WS_M_AUTH_ATTEMPTS, 2, "x"), -1);
}

static void region_holds_values(void **state)
{
	struct ws_mregion *r = ws_mregion_new();
	static struct ws_msnap s;

	(void)state;
	assert_non_null(r);
	ws_mregion_add(r, WS_M_SESSIONS_TOTAL, 0, 2);
	ws_mregion_add(r, WS_M_SESSIONS_TOTAL, 0, 3);
	ws_mregion_set(r, WS_M_PENALTIES_ACTIVE, 0, 7);
	ws_mregion_add(r, WS_M_CHANNELS_OPEN, 2, 4);
	ws_mregion_add(r, WS_M_CHANNELS_OPEN, 2, (uint64_t)-1);   /* a gauge goes down */
	ws_mregion_observe(r, WS_M_BRINGUP_SECONDS, WS_PHASE_SSHD, 300000);
	ws_mregion_observe(r, WS_M_BRINGUP_SECONDS, WS_PHASE_SSHD, 700000000);   /* past the last */
	/* Out of range, or the wrong kind for the family: nothing. */
	ws_mregion_add(r, WS_M_SESSIONS_TOTAL, 1, 100);
	ws_mregion_add(r, WS_M__COUNT, 0, 100);
	ws_mregion_add(r, WS_M_BRINGUP_SECONDS, 0, 100);
	ws_mregion_observe(r, WS_M_SESSIONS_TOTAL, 0, 100);
	ws_mregion_heartbeat(r, 1234);
	ws_mregion_probe(r, 5678, 1);
	assert_int_equal(ws_mregion_snapshot(r, &s), WS_OK);
	assert_int_equal(ws_msnap_value(&s, WS_M_SESSIONS_TOTAL, 0), 5);
	assert_int_equal(ws_msnap_value(&s, WS_M_PENALTIES_ACTIVE, 0), 7);
	assert_int_equal(ws_msnap_value(&s, WS_M_CHANNELS_OPEN, 2), 3);
	assert_int_equal(ws_msnap_value(&s, WS_M_CHANNELS_OPEN, 1), 0);
	assert_int_equal(ws_msnap_value(&s, WS_M_BRINGUP_SECONDS, WS_PHASE_SSHD), 2);
	assert_int_equal(ws_msnap_value(&s, WS_M_ENGINE_UP, 0), 1);
	assert_int_equal(ws_msnap_value(&s, WS_M_ENGINE_PROBES, WS_MRES_OK), 1);
	assert_int_equal(ws_msnap_value(&s, WS_M_SESSIONS_TOTAL, 1), 0);
	assert_int_equal(s.heartbeat_us, 1234);
	assert_int_equal(s.probe_us, 5678);
	ws_mregion_free(r);
	ws_mregion_free(NULL);
}

static void readers_cannot_write(void **state)
{
	struct ws_mregion *r = ws_mregion_new(), *ro;
	static struct ws_msnap s;
	char path[64];
	void *p;
	int fd, rw;

	(void)state;
	assert_non_null(r);
	ws_mregion_add(r, WS_M_SESSIONS_TOTAL, 0, 9);
	fd = ws_mregion_reader_fd(r);
	assert_true(fd >= 0);
	assert_int_equal(fcntl(fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ro = ws_mregion_open(fd);
	assert_non_null(ro);
	ws_mregion_add(ro, WS_M_SESSIONS_TOTAL, 0, 1000);   /* ignored */
	ws_mregion_add(r, WS_M_SESSIONS_TOTAL, 0, 1);
	assert_int_equal(ws_mregion_snapshot(ro, &s), WS_OK);
	assert_int_equal(ws_msnap_value(&s, WS_M_SESSIONS_TOTAL, 0), 10);
	/* Through the read-only descriptor: no writable mapping. */
	assert_true(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(mprotect(p, 4096, PROT_READ | PROT_WRITE), -1);
	munmap(p, 4096);
	/* Even opened again for writing (root, /proc): the seals refuse a
	 * writable mapping, writes and a new size. */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rw = open(path, O_RDWR);
	assert_true(rw >= 0);
	errno = 0;
	assert_true(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0) == MAP_FAILED);
	assert_int_equal(errno, EPERM);
	assert_int_equal(write(rw, "x", 1), -1);
	assert_int_equal(ftruncate(rw, 0), -1);
	close(rw);
	close(fd);
	/* Not a region: refused. */
	fd = open("/dev/null", O_RDONLY);
	assert_null(ws_mregion_open(fd));
	close(fd);
	ws_mregion_free(ro);
	ws_mregion_free(r);
}

static void forks_do_not_inherit_the_mapping(void **state)
{
	struct ws_mregion *r = ws_mregion_new();
	char line[512];
	pid_t pid;
	int status = -1;

	(void)state;
	assert_non_null(r);
	pid = fork();
	if (pid == 0) {
		FILE *f = fopen("/proc/self/maps", "r");
		int seen = 0;

		while (f != NULL && fgets(line, sizeof(line), f) != NULL)
			seen |= strstr(line, "wsgate-metrics") != NULL;
		_exit(f == NULL ? 2 : seen);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	ws_mregion_free(r);
}

/* Renders r into a new buffer. */
static struct ws_dynbuf *render(struct ws_mregion *r)
{
	static struct ws_msnap s;
	struct ws_dynbuf *b = ws_dynbuf_new(WS_HTTP_BODY_MAX);

	assert_non_null(b);
	assert_int_equal(ws_mregion_snapshot(r, &s), WS_OK);
	assert_int_equal(ws_metrics_render(&s, b), WS_OK);
	return b;
}

static void renders_prometheus_text(void **state)
{
	struct ws_mregion *r = ws_mregion_new();
	struct ws_dynbuf *b, *small = ws_dynbuf_new(200);
	static struct ws_msnap s;
	const char *t;

	(void)state;
	assert_non_null(r);
	ws_mregion_add(r, WS_M_AUTH_ATTEMPTS, 1 * 13 + 1, 4);   /* password, refused */
	ws_mregion_add(r, WS_M_CONNECTIONS, WS_MS_BRIDGING, 2);
	ws_mregion_add(r, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING, (uint64_t)-1);
	ws_mregion_observe(r, WS_M_BRINGUP_SECONDS, WS_PHASE_CREATE, 200000);   /* 0.2 s */
	ws_mregion_observe(r, WS_M_BRINGUP_SECONDS, WS_PHASE_CREATE, 3000000);  /* 3 s */
	b = render(r);
	t = ws_dynbuf_ptr(b);
	assert_non_null(strstr(t, "# TYPE wsgate_auth_attempts_total counter\n"));
	assert_non_null(strstr(t, "\nwsgate_auth_attempts_total{method=\"password\",result=\"refused\"} 4\n"));
	assert_non_null(strstr(t, "\nwsgate_connections{state=\"bridging\"} 2\n"));
	/* A gauge that went below zero shows it (a bug to see, not a huge number). */
	assert_non_null(strstr(t, "\nwsgate_connections{state=\"authenticating\"} -1\n"));
	assert_non_null(strstr(t, "\nwsgate_sessions_total 0\n"));
	/* Buckets are cumulative; +Inf is the count. */
	assert_non_null(strstr(t, "\nwsgate_bringup_seconds_bucket{phase=\"create\",le=\"0.1\"} 0\n"));
	assert_non_null(strstr(t, "\nwsgate_bringup_seconds_bucket{phase=\"create\",le=\"0.25\"} 1\n"));
	assert_non_null(strstr(t, "\nwsgate_bringup_seconds_bucket{phase=\"create\",le=\"2.5\"} 1\n"));
	assert_non_null(strstr(t, "\nwsgate_bringup_seconds_bucket{phase=\"create\",le=\"5\"} 2\n"));
	assert_non_null(strstr(t, "\nwsgate_bringup_seconds_bucket{phase=\"create\",le=\"+Inf\"} 2\n"));
	assert_non_null(strstr(t, "\nwsgate_bringup_seconds_sum{phase=\"create\"} 3.200000\n"));
	assert_non_null(strstr(t, "\nwsgate_bringup_seconds_count{phase=\"create\"} 2\n"));
	assert_int_equal(t[ws_dynbuf_len(b) - 1], '\n');
	/* Past its buffer's cap: an error, not a cut text. */
	assert_non_null(small);
	assert_int_equal(ws_mregion_snapshot(r, &s), WS_OK);
	assert_int_equal(ws_metrics_render(&s, small), WS_ERR_TOO_LARGE);
	ws_dynbuf_free(small);
	ws_dynbuf_free(b);
	ws_mregion_free(r);
}

/* Runs promtool check metrics on text: its exit code (127: no promtool). */
static int promtool(const char *text, size_t len)
{
	FILE *p = popen("promtool check metrics >/dev/null 2>&1", "w");

	if (p == NULL)
		return 127;
	fwrite(text, 1, len, p);
	return WEXITSTATUS(pclose(p));
}

static void promtool_accepts_it(void **state)
{
	static const char *const bad[] = { "# TYPE wsgate_x counter\nwsgate_x 1\n",
		"wsgate_x{a=\"1\" 1\n" };
	struct ws_mregion *r = ws_mregion_new();
	struct ws_dynbuf *b;
	int rc;

	(void)state;
	assert_non_null(r);
	for (int m = 0; m < WS_M__COUNT; m++)
		for (size_t c = 0; c < ws_metrics_combos((enum ws_metric)m); c++) {
			ws_mregion_add(r, (enum ws_metric)m, c, c + 1);
			ws_mregion_observe(r, (enum ws_metric)m, c, (c + 1) * 123456);
		}
	b = render(r);
	rc = promtool(ws_dynbuf_ptr(b), ws_dynbuf_len(b));
	if (rc == 127)
		fail_msg("promtool is missing: install Debian's prometheus package (scripts/setup.sh does)");
	assert_int_equal(rc, 0);
	/* The check can fail: a counter without _total, a broken line. */
	assert_int_not_equal(promtool(bad[0], strlen(bad[0])), 0);
	assert_int_not_equal(promtool(bad[1], strlen(bad[1])), 0);
	ws_dynbuf_free(b);
	ws_mregion_free(r);
}

/* One request to the endpoints' logic: its status; the body in *body. */
static int ask(struct ws_mregion *r, const char *method, const char *path, uint64_t now,
    struct ws_dynbuf **body, const char **ctype)
{
	*body = ws_dynbuf_new(WS_HTTP_BODY_MAX);
	assert_non_null(*body);
	return ws_metrics_http_route(r, method, path, now, *body, ctype);
}

static void endpoints_answer(void **state)
{
	struct ws_mregion *r = ws_mregion_new();
	struct ws_dynbuf *b = NULL;
	const char *ct = NULL;
	uint64_t t0 = 1000000000ULL, s = 1000000;

	(void)state;
	assert_non_null(r);
	assert_int_equal(ask(r, "POST", "/metrics", t0, &b, &ct), 405);
	ws_dynbuf_free(b);
	assert_int_equal(ask(r, "PUT", "/nothing", t0, &b, &ct), 405);
	ws_dynbuf_free(b);
	assert_int_equal(ask(r, "GET", "/metrics/", t0, &b, &ct), 404);
	ws_dynbuf_free(b);
	assert_int_equal(ask(r, "GET", "/", t0, &b, &ct), 404);
	ws_dynbuf_free(b);
	/* No heartbeat, no probe yet. */
	assert_int_equal(ask(r, "GET", "/healthz", t0, &b, &ct), 503);
	ws_dynbuf_free(b);
	assert_int_equal(ask(r, "GET", "/readyz", t0, &b, &ct), 503);
	ws_dynbuf_free(b);
	ws_mregion_heartbeat(r, t0);
	assert_int_equal(ask(r, "HEAD", "/healthz", t0 + 2 * s, &b, &ct), 200);
	assert_string_equal(ws_dynbuf_ptr(b), "ok\n");
	ws_dynbuf_free(b);
	/* A listener stuck for more than WS_HTTP_HEARTBEAT_STALE seconds. */
	assert_int_equal(ask(r, "GET", "/healthz", t0 + (WS_HTTP_HEARTBEAT_STALE + 1) * s, &b, &ct), 503);
	assert_non_null(strstr(ws_dynbuf_ptr(b), "last 6.0 s ago"));
	ws_dynbuf_free(b);
	assert_int_equal(ask(r, "GET", "/readyz", t0, &b, &ct), 503);
	assert_non_null(strstr(ws_dynbuf_ptr(b), "never"));
	ws_dynbuf_free(b);
	ws_mregion_probe(r, t0, 0);
	assert_int_equal(ask(r, "GET", "/readyz", t0, &b, &ct), 503);
	assert_non_null(strstr(ws_dynbuf_ptr(b), "does not answer"));
	ws_dynbuf_free(b);
	ws_mregion_probe(r, t0, 1);
	assert_int_equal(ask(r, "GET", "/readyz", t0 + s, &b, &ct), 200);
	ws_dynbuf_free(b);
	/* An old probe is no answer (and a stuck listener no readiness). */
	ws_mregion_heartbeat(r, t0 + (WS_HTTP_PROBE_STALE + 1) * s);
	assert_int_equal(ask(r, "GET", "/readyz", t0 + (WS_HTTP_PROBE_STALE + 1) * s, &b, &ct), 503);
	ws_dynbuf_free(b);
	assert_int_equal(ask(r, "GET", "/metrics", t0, &b, &ct), 200);
	assert_string_equal(ct, "text/plain; version=0.0.4; charset=utf-8");
	assert_non_null(strstr(ws_dynbuf_ptr(b), "\nwsgate_engine_up 1\n"));
	ws_dynbuf_free(b);
	ws_mregion_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(families_are_well_formed),
		cmocka_unit_test(labels_match_their_sources),
		cmocka_unit_test(region_holds_values),
		cmocka_unit_test(readers_cannot_write),
		cmocka_unit_test(forks_do_not_inherit_the_mapping),
		cmocka_unit_test(renders_prometheus_text),
		cmocka_unit_test(promtool_accepts_it),
		cmocka_unit_test(endpoints_answer),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
