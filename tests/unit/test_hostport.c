/* metrics_listen (hostport.h): ADDRESS:PORT with an IP literal, one clear
 * line for anything else, and not the SSH listener's own address. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hostport.h"

static void parses_addresses(void **state)
{
	char addr[WS_HOSTPORT_ADDR_MAX] = "", why[300];
	int port = 0;

	(void)state;
	assert_int_equal(ws_hostport_parse("m", "127.0.0.1:9810", addr, &port, why, sizeof(why)), WS_OK);
	assert_string_equal(addr, "127.0.0.1");
	assert_int_equal(port, 9810);
	assert_int_equal(ws_hostport_parse("m", "[::1]:1", addr, &port, why, sizeof(why)), WS_OK);
	assert_string_equal(addr, "::1");
	assert_int_equal(port, 1);
	assert_int_equal(ws_hostport_parse("m", "[2001:db8::7]:65535", addr, &port, why, sizeof(why)), WS_OK);
	assert_string_equal(addr, "2001:db8::7");
	assert_int_equal(port, 65535);
	assert_int_equal(ws_hostport_parse("m", "0.0.0.0:80", addr, &port, why, sizeof(why)), WS_OK);
}

static void refuses_the_rest(void **state)
{
	static const char *const bad[] = { "", ":9810", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:999999", "127.0.0.1:+80", "127.0.0.1: 80",
		"127.0.0.1:80 ", "localhost:9810", "::1:9810", "[::1]", "[::1]9810", "[127.0.0.1]:80",
		"[::1:80", "1.2.3:80", "256.0.0.1:80", "[]:80", "127.0.0.1:0x50", NULL };
	char addr[WS_HOSTPORT_ADDR_MAX] = "unchanged", why[300];
	int port = 77;

	(void)state;
	for (int i = 0; bad[i] != NULL; i++) {
		why[0] = '\0';
		assert_int_equal(ws_hostport_parse("metrics_listen", bad[i], addr, &port, why,
		    sizeof(why)), WS_ERR_CONFIG);
		/* One line, naming the setting. */
		assert_non_null(strstr(why, "'metrics_listen'"));
		assert_null(strchr(why, '\n'));
	}
	assert_string_equal(addr, "unchanged");
	assert_int_equal(port, 77);
}

static void checks_the_setting(void **state)
{
	struct ws_config *cfg = ws_config_new();
	char err[300] = "";

	(void)state;
	assert_non_null(cfg);
	assert_string_equal(cfg->metrics_listen, "");   /* off by default */
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_OK);
	free(cfg->metrics_listen);
	cfg->metrics_listen = strdup("127.0.0.1:2222");   /* the SSH listener's */
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_ERR_CONFIG);
	assert_non_null(strstr(err, "metrics_listen"));
	free(cfg->metrics_listen);
	cfg->metrics_listen = strdup("127.0.0.1:9810");
	assert_int_equal(ws_config_check(cfg, err, sizeof(err)), WS_OK);
	free(cfg->metrics_listen);
	cfg->metrics_listen = strdup("nowhere");
	assert_int_equal(ws_config_check_metrics(cfg, err, sizeof(err)), WS_ERR_CONFIG);
	ws_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_addresses),
		cmocka_unit_test(refuses_the_rest),
		cmocka_unit_test(checks_the_setting),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
