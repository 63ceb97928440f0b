#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
