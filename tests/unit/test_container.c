#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "container.h"

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

static void running(void **state)
{
	struct json_object *o = load("inspect-running.json");
	struct ws_container c;

	(void)state;
	assert_int_equal(ws_container_parse(o, &c), WS_OK);
	assert_int_equal(c.state, WS_CSTATE_RUNNING);
	assert_int_equal(c.port, 2200);
	assert_true(c.managed);
	assert_int_equal(strlen(c.id), 64);
	assert_true(strncmp(c.hostkey, "ssh-ed25519 AAAA", 16) == 0);
	assert_string_equal(c.ca, ""); /* made before the user CA */
	assert_string_equal(ws_cstate_str(c.state), "running");
	/* Its volumes, by where they are mounted. */
	assert_string_equal(c.home_volume, "workspace-demo");
	assert_string_equal(c.docker_volume, "");
	json_object_put(o);
}

static void volumes(void **state)
{
	struct json_object *o = load("volume-home.json");
	struct ws_volume v;

	(void)state;
	assert_int_equal(ws_volume_parse(o, &v), WS_OK);
	assert_string_equal(v.name, "workspace-demo");
	assert_true(v.labelled);
	assert_string_equal(v.workspace, "demo");
	assert_string_equal(v.role, "home");
	assert_string_equal(v.owner, "alice");
	assert_string_equal(v.clone, "https://example.org/r.git");
	json_object_put(o);
	/* As wsgate 0.1 made them: a workspace label only, no role or owner. */
	o = load("volume-legacy.json");
	assert_int_equal(ws_volume_parse(o, &v), WS_OK);
	assert_true(v.labelled);
	assert_string_equal(v.workspace, "demo");
	assert_string_equal(v.role, "");
	assert_string_equal(v.owner, "");
	json_object_put(o);
}

static void hostile_volumes(void **state)
{
	struct ws_volume v;
	struct json_object *o;
	char big[200];

	(void)state;
	/* An overlong owner is no owner (it could match nothing); no name, or
	 * not an object, is no volume. */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	o = json_object_new_object();
	json_object_object_add(o, "Name", json_object_new_string("workspace-x"));
	{
		struct json_object *l = json_object_new_object();
		json_object_object_add(l, "org.wsgate.workspace", json_object_new_string("x"));
		json_object_object_add(l, "org.wsgate.owner", json_object_new_string(big));
		json_object_object_add(l, "org.wsgate.role", json_object_new_int(7));
		json_object_object_add(o, "Labels", l);
	}
	assert_int_equal(ws_volume_parse(o, &v), WS_OK);
	assert_string_equal(v.owner, "");
	assert_string_equal(v.role, "");
	json_object_put(o);
	o = json_object_new_object();
	assert_int_equal(ws_volume_parse(o, &v), WS_ERR_INVALID);
	json_object_put(o);
	o = json_object_new_array();
	assert_int_equal(ws_volume_parse(o, &v), WS_ERR_INVALID);
	json_object_put(o);
}

static void exited_keeps_its_port(void **state)
{
	struct json_object *o = load("inspect-exited.json");
	struct ws_container c;

	(void)state;
	assert_int_equal(ws_container_parse(o, &c), WS_OK);
	assert_int_equal(c.state, WS_CSTATE_EXITED);
	assert_int_equal(c.port, 2200); /* from HostConfig.PortBindings */
	json_object_put(o);
}

static void not_a_container(void **state)
{
	struct json_object *o = load("inspect-404.json");
	struct ws_container c;

	(void)state;
	assert_int_equal(ws_container_parse(o, &c), WS_ERR_INVALID);
	assert_int_equal(ws_container_parse(NULL, &c), WS_ERR_INVALID);
	json_object_put(o);
	o = json_tokener_parse("{\"Id\":5,\"State\":{}}");
	assert_int_equal(ws_container_parse(o, &c), WS_ERR_INVALID);
	json_object_put(o);
	o = json_tokener_parse("[1,2]");
	assert_int_equal(ws_container_parse(o, &c), WS_ERR_INVALID);
	json_object_put(o);
}

static void hostile_fields(void **state)
{
	struct ws_container c;
	struct json_object *o = json_tokener_parse(
	    "{\"Id\":\"abc\",\"State\":{\"Status\":\"bogus\",\"ExitCode\":\"x\"},"
	    "\"Config\":{\"Labels\":{\"org.wsgate.workspace\":1}},"
	    "\"HostConfig\":{\"PortBindings\":{\"22/tcp\":[{\"HostPort\":\"99999\"}]}},"
	    "\"NetworkSettings\":{\"Ports\":{\"22/tcp\":\"nope\"}}}");

	(void)state;
	assert_int_equal(ws_container_parse(o, &c), WS_OK);
	assert_int_equal(c.state, WS_CSTATE_UNKNOWN);
	assert_int_equal(c.port, 0);
	assert_false(c.managed);
	assert_string_equal(c.hostkey, "");
	json_object_put(o);
}

static void ports_in_use(void **state)
{
	struct json_object *o = load("list.json");
	unsigned char used[201];

	(void)state;
	memset(used, 0, sizeof(used));
	assert_int_equal(ws_container_ports_in_use(o, 2200, 2400, used), WS_OK);
	assert_int_equal(used[0], 1);
	assert_int_equal(used[1], 0);
	json_object_put(o);
	o = json_tokener_parse("[{\"Labels\":{\"org.wsgate.port\":\"2205\"}},"
	    "{\"Ports\":[{\"PublicPort\":2210},{\"PublicPort\":80}]},{\"Labels\":{\"org.wsgate.port\":\"1\"}},7]");
	memset(used, 0, sizeof(used));
	assert_int_equal(ws_container_ports_in_use(o, 2200, 2400, used), WS_OK);
	assert_int_equal(used[5], 1);
	assert_int_equal(used[10], 1);
	json_object_put(o);
	o = json_tokener_parse("{}");
	assert_int_equal(ws_container_ports_in_use(o, 2200, 2400, used), WS_ERR_INVALID);
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(running),
		cmocka_unit_test(volumes),
		cmocka_unit_test(hostile_volumes),
		cmocka_unit_test(exited_keeps_its_port),
		cmocka_unit_test(not_a_container),
		cmocka_unit_test(hostile_fields),
		cmocka_unit_test(ports_in_use),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
