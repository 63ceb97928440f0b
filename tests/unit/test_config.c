#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static char path[64];

static void write_conf(const char *text)
{
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/wsgate-test-conf.%ld", (long)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void defaults(void **state)
{
	struct ws_config *c = ws_config_new();
	char err[256];

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->listen_address, "127.0.0.1");
	assert_int_equal(c->listen_port, 2222);
	assert_int_equal(c->port_min, 2200);
	assert_int_equal(c->port_max, 2400);
	assert_string_equal(c->image, "workspace:latest");
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_OK);
	/* absent file: defaults stand */
	assert_int_equal(ws_config_load(c, "/nonexistent/wsgate.conf", 1, err, sizeof(err)), WS_OK);
	assert_int_equal(ws_config_load(c, "/nonexistent/wsgate.conf", 0, err, sizeof(err)),
	    WS_ERR_CONFIG);
	ws_config_free(c);
	ws_config_free(NULL);
}

static void empty_and_valid_files(void **state)
{
	struct ws_config *c = ws_config_new();
	char err[256];

	(void)state;
	write_conf("");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	write_conf("# comment\nlisten_port = 2022;\nimage = \"ws:test\";\nport_min = 3000\nport_max = 3010\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_int_equal(c->listen_port, 2022);
	assert_string_equal(c->image, "ws:test");
	assert_int_equal(c->port_min, 3000);
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_OK);
	unlink(path);
	ws_config_free(c);
}

static void errors_name_file_and_line(void **state)
{
	struct { const char *text; const char *want; } cases[] = {
		{ "listen_port = 2022;\nbogus = 1;\n", ":2: unknown setting 'bogus'" },
		{ "\n\nlisten_port = 70000;\n", ":3: 'listen_port' is 70000, must be from 1 to 65535" },
		{ "listen_port = \"x\";\n", ":1: 'listen_port' must be an integer" },
		{ "image = 5;\n", ":1: 'image' must be a string" },
		{ "log_level = \"loud\";\n", ":1: 'log_level' is 'loud'" },
		{ "listen_port = ;\n", ":1: syntax error" },
		{ "image = \"\";\n", ":1: 'image' must be 1 to 255 characters" },
	};
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ws_config *c = ws_config_new();
		write_conf(cases[i].text);
		err[0] = '\0';
		assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_ERR_CONFIG);
		if (strstr(err, cases[i].want) == NULL || strncmp(err, path, strlen(path)) != 0)
			fail_msg("case %zu: got '%s', want '%s'", i, err, cases[i].want);
		ws_config_free(c);
	}
	unlink(path);
}

static void relations_checked(void **state)
{
	struct ws_config *c = ws_config_new();
	char err[256];

	(void)state;
	write_conf("port_min = 2300;\nport_max = 2299;\n");
	assert_int_equal(ws_config_load(c, path, 0, err, sizeof(err)), WS_OK);
	assert_int_equal(ws_config_check(c, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, "port_min"));
	unlink(path);
	ws_config_free(c);
}

static void doc_lists_every_setting(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	ws_config_write_doc(f);
	fclose(f);
	assert_non_null(strstr(buf, "| `listen_port` | integer | 1 to 65535 | `2222` |"));
	assert_non_null(strstr(buf, "| `image` | string"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(empty_and_valid_files),
		cmocka_unit_test(errors_name_file_and_line),
		cmocka_unit_test(relations_checked),
		cmocka_unit_test(doc_lists_every_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
