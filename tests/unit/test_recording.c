/* Session recording around the writer: the settings and the mode a login
 * gets (recording.h); the monitor's side (recsink.h), which refuses what
 * the child may not send, makes record_dir 0700, refuses one others may
 * write to, and logs the cap once; the child's queue (recq.h) through a
 * real SOCK_SEQPACKET pair: messages cut to size, a full queue dropping
 * data and telling the monitor how much, nothing ever blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "monproto.h"
#include "recording.h"
#include "recq.h"
#include "recsink.h"
#include "strv.h"

static char top[64];

static int setup(void **state)
{
	(void)state;
	snprintf(top, sizeof(top), "/tmp/test_recording.XXXXXX");
	return mkdtemp(top) != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	return system(cmd) == 0 ? 0 : -1;
}

static void set_str(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
	assert_non_null(*field);
}

static void set_list(char ***field, const char *a, const char *b)
{
	ws_strv_free(*field);
	*field = calloc(3, sizeof(char *));
	assert_non_null(*field);
	(*field)[0] = a != NULL ? strdup(a) : NULL;
	(*field)[1] = a != NULL && b != NULL ? strdup(b) : NULL;
}

static void settings_checked(void **state)
{
	struct ws_config *cfg = ws_config_new();
	char err[300];

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(cfg->record, "off");
	assert_string_equal(cfg->record_dir, "/var/lib/wsgate/recordings");
	assert_int_equal(cfg->record_max_mb, 64);
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_OK);
	set_str(&cfg->record, "always");
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, "'record' is 'always', must be one of: off output input"));
	set_str(&cfg->record, "input");
	set_list(&cfg->record_workspaces, "web", "api:input");
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_OK);
	set_list(&cfg->record_workspaces, "web", "api:loud");
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, "record_workspaces entry 2: 'api:loud' must be a workspace name"));
	set_list(&cfg->record_workspaces, "../etc", NULL);
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_ERR_CONFIG);
	set_list(&cfg->record_workspaces, "web:off", NULL);
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_ERR_CONFIG);
	set_list(&cfg->record_workspaces, NULL, NULL);
	set_str(&cfg->record_dir, "recordings");
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, "record_dir: 'recordings' must be an absolute directory"));
	ws_config_free(cfg);
}

/* The mode: the account's own file, the workspace's entry, the stronger. */
static void mode_of_a_login(void **state)
{
	struct ws_config *cfg = ws_config_new();
	char path[200], adir[100];
	FILE *f;

	(void)state;
	snprintf(adir, sizeof(adir), "%s/accounts", top);
	assert_int_equal(mkdir(adir, 0700), 0);
	snprintf(path, sizeof(path), "%s/alice.conf", adir);
	assert_non_null(f = fopen(path, "w"));
	fputs("record = \"input\";\n", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/carol.conf", adir);
	assert_non_null(f = fopen(path, "w"));
	fputs("record_dir = \"/tmp\";\n", f); /* not per account: a broken file */
	fclose(f);
	set_str(&cfg->accounts_dir, adir);
	set_list(&cfg->record_workspaces, "shared", "audited:input");
	assert_int_equal(ws_recording_for(cfg, "alice", "mine"), WS_RECORD_INPUT);
	assert_int_equal(ws_recording_for(cfg, "alice", "shared"), WS_RECORD_INPUT);
	assert_int_equal(ws_recording_for(cfg, "bob", "mine"), WS_RECORD_OFF);
	assert_int_equal(ws_recording_for(cfg, "bob", "shared"), WS_RECORD_OUTPUT);
	assert_int_equal(ws_recording_for(cfg, "bob", "audited"), WS_RECORD_INPUT);
	assert_int_equal(ws_recording_for(cfg, "bob", "share"), WS_RECORD_OFF);
	/* A broken account file: the gateway's own settings decide. */
	assert_int_equal(ws_recording_for(cfg, "carol", "shared"), WS_RECORD_OUTPUT);
	assert_int_equal(ws_recording_for(cfg, "carol", "mine"), WS_RECORD_OFF);
	assert_string_equal(ws_recording_name(WS_RECORD_INPUT), "input");
	ws_config_free(cfg);
}

static int count_files(const char *dir)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int n = 0;

	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Runs stderr into a file while f runs; returns what was written. */
static char *captured(void (*f)(void *), void *arg)
{
	static char buf[8192];
	char path[128];
	int fd, saved;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/stderr", top);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	fflush(stderr);
	saved = dup(2);
	dup2(fd, 2);
	f(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = pread(fd, buf, sizeof(buf) - 1, 0);
	buf[n > 0 ? n : 0] = '\0';
	close(fd);
	return buf;
}

static struct ws_recsink_params sink_params(const char *dir, int input)
{
	struct ws_recsink_params p = { dir, 64 << 20, "alice", "myproject", 4242, input };

	return p;
}

static void sink_refuses_what_the_child_may_not_send(void **state)
{
	char dir[128];
	struct ws_recsink_params p;
	struct ws_recsink *s;
	struct stat st;
	uint32_t id;
	double now = ws_clock_now();

	(void)state;
	snprintf(dir, sizeof(dir), "%s/rec/sub", top);
	p = sink_params(dir, 0);
	assert_non_null(s = ws_recsink_new(&p));
	assert_int_equal(ws_recsink_data(s, 1, WS_MP_REC_OUTPUT, "x", 1, now), WS_ERR_INVALID);
	assert_string_equal(ws_recsink_breach(s), "data for a recording not begun");
	assert_int_equal(ws_recsink_open(s, 0, 80, 24, "xterm", now), WS_ERR_INVALID);
	assert_int_equal(ws_recsink_open(s, 1, 80, 24, "xterm", now), WS_OK);
	/* record_dir was made, 0700; the file is 0600. */
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	assert_int_equal(count_files(dir), 1);
	assert_int_equal(ws_recsink_open(s, 1, 80, 24, "xterm", now), WS_ERR_INVALID);
	assert_int_equal(ws_recsink_data(s, 1, WS_MP_REC_OUTPUT, "x", 1, now), WS_OK);
	/* Input, when only output is recorded: the child lies. */
	assert_int_equal(ws_recsink_data(s, 1, WS_MP_REC_INPUT, "x", 1, now), WS_ERR_INVALID);
	assert_int_equal(ws_recsink_data(s, 1, 7, "x", 1, now), WS_ERR_INVALID);
	assert_int_equal(ws_recsink_resize(s, 2, 80, 24, now), WS_ERR_INVALID);
	assert_int_equal(ws_recsink_lost(s, 2, 5, now), WS_ERR_INVALID);
	assert_int_equal(ws_recsink_close(s, 1, now), WS_OK);
	assert_int_equal(ws_recsink_close(s, 1, now), WS_ERR_INVALID);
	/* At most WS_MP_REC_OPEN_MAX at once. */
	for (id = 10; id < 10 + WS_MP_REC_OPEN_MAX; id++)
		assert_int_equal(ws_recsink_open(s, id, 80, 24, NULL, now), WS_OK);
	assert_int_equal(ws_recsink_open(s, 99, 80, 24, NULL, now), WS_ERR_INVALID);
	assert_string_equal(ws_recsink_breach(s), "more recordings than a connection may have");
	for (id = 10; id < 10 + WS_MP_REC_OPEN_MAX; id++)
		assert_int_equal(ws_recsink_close(s, id, now), WS_OK);
	/* At most WS_MP_REC_FILES_MAX in all. */
	for (id = 100; id < 100 + WS_MP_REC_FILES_MAX - 1 - WS_MP_REC_OPEN_MAX; id++) {
		assert_int_equal(ws_recsink_open(s, id, 80, 24, NULL, now), WS_OK);
		assert_int_equal(ws_recsink_close(s, id, now), WS_OK);
	}
	assert_int_equal(count_files(dir), WS_MP_REC_FILES_MAX);
	assert_int_equal(ws_recsink_open(s, 5000, 80, 24, NULL, now), WS_ERR_INVALID);
	ws_recsink_free(s, now);
	ws_recsink_free(NULL, now);
}

struct open_in {
	struct ws_recsink *s;
	ws_err rc;
};

static void do_open(void *arg)
{
	struct open_in *o = arg;

	o->rc = ws_recsink_open(o->s, 1, 80, 24, NULL, ws_clock_now());
}

static void sink_refuses_a_dir_others_write(void **state)
{
	char dir[128];
	struct ws_recsink_params p;
	struct open_in o;
	char *log;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/open", top);
	assert_int_equal(mkdir(dir, 0700), 0);
	assert_int_equal(chmod(dir, 0777), 0);
	p = sink_params(dir, 0);
	assert_non_null(o.s = ws_recsink_new(&p));
	log = captured(do_open, &o);
	/* The session goes on (no breach), unrecorded, and the log says why. */
	assert_int_equal(o.rc, WS_OK);
	assert_non_null(strstr(log, "others may write to it (mode 0777)"));
	assert_int_equal(count_files(dir), 0);
	assert_int_equal(ws_recsink_data(o.s, 1, WS_MP_REC_OUTPUT, "x", 1, ws_clock_now()), WS_OK);
	ws_recsink_free(o.s, ws_clock_now());
}

static void do_fill(void *arg)
{
	struct ws_recsink *s = arg;
	static char chunk[WS_MP_REC_DATA_MAX];
	int k;

	memset(chunk, 'z', sizeof(chunk));
	for (k = 0; k < 200; k++)
		assert_int_equal(ws_recsink_data(s, 1, WS_MP_REC_OUTPUT, chunk, sizeof(chunk),
		    ws_clock_now()), WS_OK);
}

static void sink_logs_the_cap_once(void **state)
{
	char dir[128], path[512];
	struct ws_recsink_params p;
	struct ws_recsink *s;
	struct dirent *e;
	struct stat st;
	char *log, *first;
	DIR *d;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/cap", top);
	p = sink_params(dir, 1);
	p.max_bytes = 1 << 20;
	assert_non_null(s = ws_recsink_new(&p));
	assert_int_equal(ws_recsink_open(s, 1, 80, 24, NULL, ws_clock_now()), WS_OK);
	assert_int_equal(ws_recsink_data(s, 1, WS_MP_REC_INPUT, "ls\r", 3, ws_clock_now()), WS_OK);
	assert_int_equal(ws_recsink_lost(s, 1, 1234, ws_clock_now()), WS_OK);
	log = captured(do_fill, s);
	first = strstr(log, "recording of alice@myproject reached record_max_mb (1 MiB); the rest "
	    "of the session is not recorded");
	assert_non_null(first);
	assert_null(strstr(strchr(first, '\n'), "reached record_max_mb"));  /* once */
	ws_recsink_free(s, ws_clock_now());
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		assert_true(st.st_size <= 1 << 20);
		assert_true(st.st_size > (1 << 20) - 2 * WS_MP_REC_DATA_MAX);
	}
	closedir(d);
}

/* Reads the next message from sock (waiting), of type want. */
static struct ws_mp *next_msg(int sock, int want)
{
	static struct ws_mp m;

	assert_int_equal(ws_mp_recv(sock, &m), WS_OK);
	assert_int_equal(ws_mp_type(&m), want);
	return &m;
}

static void queue_cuts_and_tells(void **state)
{
	static char big[40000];
	struct ws_recq *q;
	struct ws_mp *m;
	char term[80];
	const unsigned char *p;
	size_t n;
	uint32_t id;
	int sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_non_null(q = ws_recq_new(sp[0], 0));
	assert_int_equal(ws_recq_input(q), 0);
	id = ws_recq_open(q, 100, 30, "xterm-256color");
	assert_true(id != 0);
	memset(big, 'o', sizeof(big));
	ws_recq_data(q, id, WS_MP_REC_OUTPUT, big, sizeof(big));
	ws_recq_data(q, id, WS_MP_REC_INPUT, "secret", 6);  /* not recorded */
	ws_recq_resize(q, id, 132, 41);
	ws_recq_close(q, id);
	assert_int_equal(ws_recq_flush(q), 0);
	m = next_msg(sp[1], WS_MP_REC_OPEN);
	assert_true(ws_mp_valid(m, "444s"));
	assert_int_equal(ws_mp_get_u32(m), id);
	assert_int_equal(ws_mp_get_u32(m), 100);
	assert_int_equal(ws_mp_get_u32(m), 30);
	ws_mp_get_str(m, term, sizeof(term));
	assert_string_equal(term, "xterm-256color");
	for (n = 0; n < 3; n++) {
		size_t len = 0;
		m = next_msg(sp[1], WS_MP_REC_DATA);
		assert_int_equal(ws_mp_get_u32(m), id);
		assert_int_equal(ws_mp_get_u32(m), WS_MP_REC_OUTPUT);
		p = ws_mp_get_bytes(m, WS_MP_REC_DATA_MAX, &len);
		assert_non_null(p);
		assert_int_equal(len, n < 2 ? WS_MP_REC_DATA_MAX : sizeof(big) - 2 * WS_MP_REC_DATA_MAX);
		assert_true(ws_mp_done(m));
	}
	m = next_msg(sp[1], WS_MP_REC_RESIZE);
	assert_true(ws_mp_valid(m, "444"));
	m = next_msg(sp[1], WS_MP_REC_CLOSE);
	assert_int_equal(ws_mp_get_u32(m), id);
	ws_recq_free(q);
	close(sp[0]);
	close(sp[1]);
}

/* Nobody reads: sending never waits, the queue stops at its cap, data past
 * it is counted, and the monitor hears how much before the next data. */
static void full_queue_drops_and_counts(void **state)
{
	static char chunk[10000];
	struct ws_recq *q;
	struct ws_mp *m;
	uint64_t sent = 0, got = 0, lost = 0, total = 0;
	double t0;
	uint32_t id;
	int sp[2], k, saw_lost = 0;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_non_null(q = ws_recq_new(sp[0], 1));
	id = ws_recq_open(q, 80, 24, NULL);
	memset(chunk, 'q', sizeof(chunk));
	t0 = ws_clock_now();
	for (k = 0; k < 400; k++) {
		ws_recq_data(q, id, k % 2 ? WS_MP_REC_OUTPUT : WS_MP_REC_INPUT, chunk, sizeof(chunk));
		sent += sizeof(chunk);
	}
	assert_true(ws_clock_now() - t0 < 2.0);   /* never waited on the reader */
	ws_recq_resize(q, id, 90, 30);            /* waits as the latest size */
	ws_recq_close(q, id);
	/* Read everything, flushing before each read. */
	(void)ws_recq_flush(q);
	m = next_msg(sp[1], WS_MP_REC_OPEN);
	for (;;) {
		size_t len = 0;
		(void)ws_recq_flush(q);
		assert_int_equal(ws_mp_recv(sp[1], m), WS_OK);
		if (ws_mp_type(m) == WS_MP_REC_DATA) {
			assert_int_equal(ws_mp_get_u32(m), id);
			(void)ws_mp_get_u32(m);
			(void)ws_mp_get_bytes(m, WS_MP_REC_DATA_MAX, &len);
			got += len;
		} else if (ws_mp_type(m) == WS_MP_REC_LOST) {
			assert_int_equal(ws_mp_get_u32(m), id);
			lost += ws_mp_get_u64(m);
			saw_lost = 1;
		} else if (ws_mp_type(m) == WS_MP_REC_RESIZE) {
			/* the size that waited, after the loss */
			assert_true(saw_lost);
			assert_int_equal(ws_mp_get_u32(m), id);
			assert_int_equal(ws_mp_get_u32(m), 90);
		} else {
			assert_int_equal(ws_mp_type(m), WS_MP_REC_CLOSE);
			break;
		}
	}
	total = got + lost;
	assert_true(saw_lost);
	assert_true(lost > 0);
	assert_true(got >= WS_RECQ_MAX / 2);
	assert_true(total == sent);
	ws_recq_free(q);
	close(sp[0]);
	close(sp[1]);
}

/* Reads recording messages from sock until id's CLOSE, after a pause;
 * writes the data and lost bytes it saw to out. The reader of the drain
 * test, in a process of its own. */
static void slow_reader(int sock, uint32_t id, int out)
{
	static struct ws_mp r;
	uint64_t t[2] = { 0, 0 };
	size_t len = 0;

	ws_clock_sleep_ms(600);
	while (ws_mp_recv(sock, &r) == WS_OK) {
		if (ws_mp_type(&r) == WS_MP_REC_DATA) {
			(void)ws_mp_get_u32(&r);
			(void)ws_mp_get_u32(&r);
			(void)ws_mp_get_bytes(&r, WS_MP_REC_DATA_MAX, &len);
			t[0] += len;
		} else if (ws_mp_type(&r) == WS_MP_REC_LOST) {
			(void)ws_mp_get_u32(&r);
			t[1] += ws_mp_get_u64(&r);
		} else if (ws_mp_type(&r) == WS_MP_REC_CLOSE && ws_mp_get_u32(&r) == id) {
			break;
		}
	}
	(void)!write(out, t, sizeof(t));
}

/* The session's end: drain waits its time for the monitor, then what it
 * has not taken becomes a LOST that says exactly how much, sent when the
 * monitor reads again, with the CLOSE after it. */
static void queue_drain_tells_what_it_dropped(void **state)
{
	static char chunk[WS_MP_REC_DATA_MAX];
	struct ws_recq *q;
	uint64_t t[2] = { 0, 0 };
	double t0;
	uint32_t id;
	int sp[2], pp[2], k, status;
	pid_t pid;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_int_equal(pipe(pp), 0);
	assert_non_null(q = ws_recq_new(sp[0], 0));
	id = ws_recq_open(q, 80, 24, NULL);
	for (k = 0; k < 200; k++)
		ws_recq_data(q, id, WS_MP_REC_OUTPUT, chunk, sizeof(chunk));
	ws_recq_close(q, id);
	assert_true((pid = fork()) >= 0);
	if (pid == 0) {
		slow_reader(sp[1], id, pp[1]);
		_exit(0);
	}
	t0 = ws_clock_now();
	ws_recq_drain(q, 200);
	assert_true(ws_clock_now() - t0 >= 0.19);
	assert_int_equal(ws_recq_flush(q), 0);
	assert_int_equal(read(pp[0], t, sizeof(t)), sizeof(t));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(t[1] > 0);
	assert_true(t[0] + t[1] == 200ull * sizeof(chunk));
	ws_recq_free(q);
	close(sp[0]);
	close(sp[1]);
	close(pp[0]);
	close(pp[1]);
}

static void queue_bounds(void **state)
{
	struct ws_recq *q;
	uint32_t id, k;
	int sp[2];

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
	assert_non_null(q = ws_recq_new(sp[0], 0));
	for (k = 0; k < WS_MP_REC_OPEN_MAX; k++)
		assert_true(ws_recq_open(q, 80, 24, NULL) != 0);
	assert_false(ws_recq_can_open(q));
	assert_int_equal(ws_recq_open(q, 80, 24, NULL), 0);
	ws_recq_free(q);
	/* Closed ones free their place; WS_MP_REC_FILES_MAX in all. */
	assert_non_null(q = ws_recq_new(sp[0], 0));
	for (k = 0; k < WS_MP_REC_FILES_MAX; k++) {
		id = ws_recq_open(q, 80, 24, NULL);
		assert_true(id != 0);
		ws_recq_close(q, id);
	}
	assert_false(ws_recq_can_open(q));
	ws_recq_free(q);
	ws_recq_free(NULL);
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(settings_checked),
		cmocka_unit_test(mode_of_a_login),
		cmocka_unit_test(sink_refuses_what_the_child_may_not_send),
		cmocka_unit_test(sink_refuses_a_dir_others_write),
		cmocka_unit_test(sink_logs_the_cap_once),
		cmocka_unit_test(queue_cuts_and_tells),
		cmocka_unit_test(full_queue_drops_and_counts),
		cmocka_unit_test(queue_drain_tells_what_it_dropped),
		cmocka_unit_test(queue_bounds),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
