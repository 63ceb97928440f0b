#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_control_characters),
		cmocka_unit_test(never_splits_an_escape),
		cmocka_unit_test(a_log_line_stays_one_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
