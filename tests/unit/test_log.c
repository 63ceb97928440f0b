#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "log.h"

static void escapes_control_characters(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(ws_log_escape(out, sizeof(out), "plain text"), 10);
	assert_string_equal(out, "plain text");
	ws_log_escape(out, sizeof(out), "a\nfake: line\r\x1b[31m\x7f\\");
	assert_string_equal(out, "a\\x0afake: line\\x0d\\x1b[31m\\x7f\\\\");
	/* 8-bit CSI, NEL (U+0085) and LINE SEPARATOR (U+2028) in UTF-8. */
	ws_log_escape(out, sizeof(out), "a\x9b" "31m\xc2\x85\xe2\x80\xa8z");
	assert_string_equal(out, "a\\x9b31m\\xc2\\x85\\xe2\\x80\\xa8z");
}

static void never_splits_an_escape(void **state)
{
	char out[6];

	(void)state;
	/* "ab" fits, "\x0a" (4) would need 7 bytes with the NUL: cut before it. */
	assert_int_equal(ws_log_escape(out, sizeof(out), "ab\ncd"), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(ws_log_escape(out, 1, "abc"), 0);
	assert_string_equal(out, "");
	assert_int_equal(ws_log_escape(out, 0, "abc"), 0);
}

/* The whole line: a peer's newline cannot start a second line. */
static void a_log_line_stays_one_line(void **state)
{
	int fds[2], saved;
	char buf[512];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	ws_info("workspace said: %s", "bye\n2026-01-01T00:00:00Z wsgate[1] info: forged");
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, sizeof(buf) - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "workspace said: bye\\x0a2026"));
	assert_ptr_equal(strchr(buf, '\n'), buf + n - 1);
}

/* Runs fn with stderr captured; returns what it printed (at most cap-1). */
static void capture(void (*fn)(void), char *buf, size_t cap)
{
	int fds[2], saved;
	ssize_t n;

	assert_int_equal(pipe(fds), 0);
	saved = dup(STDERR_FILENO);
	dup2(fds[1], STDERR_FILENO);
	fn();
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(fds[1]);
	n = read(fds[0], buf, cap - 1);
	close(fds[0]);
	assert_true(n > 0);
	buf[n] = '\0';
}

static void log_plain(void)
{
	ws_warn("plain %d", 7);
}

static void log_from_handler(void)
{
	ws_log_signal(WS_LOG_ERROR, "from a handler");
}

/* The stamp is computed with integers only (a signal handler prints it too):
 * it must be the same clock as gmtime's, and the same shape on both paths. */
static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec;
}

static void stamps_are_utc_and_alike(void **state)
{
	char a[256], b[256], want[32];
	time_t before, after;
	struct tm tm;

	(void)state;
	ws_log_set_tag("[t]");
	/* Read the clock the stamps read: time(NULL) is glibc's coarse clock,
	 * which can still say second S when the precise one is at S+1. */
	for (int tries = 0; tries < 5; tries++) {
		before = now_s();
		capture(log_plain, a, sizeof(a));
		capture(log_from_handler, b, sizeof(b));
		after = now_s();
		if (before == after)
			break; /* both lines were printed within one second */
	}
	gmtime_r(&before, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.", &tm);
	assert_memory_equal(a, want, strlen(want));
	assert_memory_equal(b, want, strlen(want));
	assert_int_equal(a[23], 'Z');
	assert_non_null(strstr(a, "] warn [t]: plain 7\n"));
	assert_non_null(strstr(b, "] error [t]: from a handler\n"));
	ws_log_set_tag(NULL);
}


/* Reads the whole file at path into buf. */
static void slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, cap - 1);
	close(fd);
	assert_true(n >= 0);
	buf[n] = '\0';
}

/* log_target a file: appended to, reopened after a rename (rotation); json
 * gives one object per line that a JSON parser reads back, peer text
 * included. fd 2 is restored after. */
static void file_target_json_and_reopen(void **state)
{
	char path[64], rotated[80], buf[2048], why[200];
	struct json_object *obj, *msg;
	int saved = dup(STDERR_FILENO);

	(void)state;
	snprintf(path, sizeof(path), "/tmp/wsgate-test-log.%ld", (long)getpid());
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	assert_int_equal(ws_log_open(path, 1, why, sizeof(why)), WS_OK);
	ws_log_set_tag("[1.2.3.4:5]");
	ws_info("said \"hi\" \\ and\nthen %d", 3);
	assert_int_equal(rename(path, rotated), 0);
	assert_int_equal(ws_log_open(path, 0, why, sizeof(why)), WS_OK);
	ws_warn("after rotation");
	dup2(saved, STDERR_FILENO);
	close(saved);
	ws_log_open("stderr", 0, why, sizeof(why));
	ws_log_set_tag(NULL);
	slurp(rotated, buf, sizeof(buf));
	assert_ptr_equal(strchr(buf, '\n'), buf + strlen(buf) - 1);
	obj = json_tokener_parse(buf);
	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "msg", &msg));
	assert_string_equal(json_object_get_string(msg), "said \"hi\" \\\\ and\\x0athen 3");
	assert_true(json_object_object_get_ex(obj, "level", &msg));
	assert_string_equal(json_object_get_string(msg), "info");
	assert_true(json_object_object_get_ex(obj, "tag", &msg));
	assert_string_equal(json_object_get_string(msg), "[1.2.3.4:5]");
	json_object_put(obj);
	assert_null(strstr(buf, "after rotation"));
	slurp(path, buf, sizeof(buf));
	assert_non_null(strstr(buf, " warn [1.2.3.4:5]: after rotation\n"));
	assert_int_equal(buf[4], '-'); /* a time stamp: a file has no one else's */
	unlink(path);
	unlink(rotated);
	/* A file in a missing directory: an error, and fd 2 unchanged. */
	assert_int_equal(ws_log_open("/nonexistent/dir/x.log", 0, why, sizeof(why)), WS_ERR_IO);
	assert_non_null(strstr(why, "/nonexistent/dir/x.log"));
}

/* stderr that is systemd's journal stream (JOURNAL_STREAM names its
 * device:inode): no time stamp of ours, each line's priority first. */
static void journal_stream_gets_priorities(void **state)
{
	char path[64], env[64], buf[512], why[200];
	int saved = dup(STDERR_FILENO), fd;
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/wsgate-test-journal.%ld", (long)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	dup2(fd, STDERR_FILENO);
	close(fd);
	snprintf(env, sizeof(env), "%llu:%llu", (unsigned long long)st.st_dev,
	    (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", env, 1);
	assert_int_equal(ws_log_open("stderr", 0, why, sizeof(why)), WS_OK);
	ws_error("bad %s", "thing");
	ws_info("fine");
	ws_log_signal(WS_LOG_WARN, "from a handler");
	unsetenv("JOURNAL_STREAM");
	dup2(saved, STDERR_FILENO);
	close(saved);
	ws_log_open("stderr", 0, why, sizeof(why));
	slurp(path, buf, sizeof(buf));
	assert_string_equal(buf, "<3>error: bad thing\n<6>info: fine\n<4>warn: from a handler\n");
	/* Any other stream keeps its stamps. */
	setenv("JOURNAL_STREAM", "1:1", 1);
	assert_int_equal(ws_log_open("stderr", 0, why, sizeof(why)), WS_OK);
	unsetenv("JOURNAL_STREAM");
	capture(log_plain, buf, sizeof(buf));
	assert_int_equal(buf[4], '-');
	unlink(path);
}

/* Dates the integer conversion must get right: leap days, century rules. */
static void civil_dates(void **state)
{
	static const time_t when[] = { 0, 951782400, 951868800, 1709164800, 4107542400,
		4102444799, 1798761599 };
	char want[32], got[32];
	struct tm tm;

	(void)state;
	for (size_t i = 0; i < sizeof(when) / sizeof(when[0]); i++) {
		gmtime_r(&when[i], &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		assert_int_equal(ws_log_stamp(got, sizeof(got), when[i]), 19);
		assert_string_equal(got, want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_control_characters),
		cmocka_unit_test(never_splits_an_escape),
		cmocka_unit_test(a_log_line_stays_one_line),
		cmocka_unit_test(stamps_are_utc_and_alike),
		cmocka_unit_test(civil_dates),
		cmocka_unit_test(file_target_json_and_reopen),
		cmocka_unit_test(journal_stream_gets_priorities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
