#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sshdlog.h"
#include "exec.h"
#include "spec.h"

/* Finds "KEY=..." in the body's Env and returns the value, or NULL. */
static const char *env_of(struct json_object *body, const char *key)
{
	struct json_object *env;
	size_t i, k = strlen(key);

	if (!json_object_object_get_ex(body, "Env", &env))
		return NULL;
	for (i = 0; i < json_object_array_length(env); i++) {
		const char *e = json_object_get_string(json_object_array_get_idx(env, i));
		if (strncmp(e, key, k) == 0 && e[k] == '=')
			return e + k + 1;
	}
	return NULL;
}

static void body_carries_everything(void **state)
{
	char path[64], why[200];
	char *env[] = { "TOKEN=abc", "SPACED=two words", NULL };
	char *files[2] = { NULL, NULL }, entry[128];
	struct json_object *b = NULL, *hc, *v, *labels;
	struct ws_spec s;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/wsgate-spec-test.%ld", (long)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("secret\nline2\n", f);
	fclose(f);
	snprintf(entry, sizeof(entry), "%s:/home/workspace/.cred", path);
	files[0] = entry;
	memset(&s, 0, sizeof(s));
	s.image = "workspace:latest";
	s.publish_address = "127.0.0.1";
	s.user_ca = "ssh-ed25519 AAAACA";
	s.ca_id = "SHA256:ca";
	s.principal = "workspace-demo";
	s.owner = "alice";
	s.clone_url = "https://example.org/r.git";
	s.home_volume = "workspace-demo";
	s.docker_volume = "workspace-demo.docker";
	s.env = env;
	s.files = files;
	s.cpu_millis = 1500;
	s.memory_mb = 512;
	s.dind = "caps";
	assert_int_equal(ws_spec_body(&s, "demo", 2201, "PRIV", "ssh-ed25519 PUB", &b, why, sizeof(why)), WS_OK);
	assert_string_equal(env_of(b, "TOKEN"), "abc");
	assert_string_equal(env_of(b, "WSGATE_ENV_KEYS"), "TOKEN SPACED");
	assert_string_equal(env_of(b, "WSGATE_FILES"), "1");
	assert_string_equal(env_of(b, "WSGATE_FILE_1"), "/home/workspace/.cred\nsecret\nline2\n");
	/* The clone is the bring-up's step now, not the entrypoint's: only a label. */
	assert_null(env_of(b, "WSGATE_CLONE_URL"));
	assert_true(json_object_object_get_ex(b, "Labels", &labels));
	assert_true(json_object_object_get_ex(labels, "org.wsgate.clone", &v));
	assert_string_equal(json_object_get_string(v), "https://example.org/r.git");
	assert_string_equal(env_of(b, "WSGATE_DIND"), "1");
	/* Its sshd trusts the CA, for this workspace's principal only; no key. */
	assert_string_equal(env_of(b, "WSGATE_USER_CA"), "ssh-ed25519 AAAACA");
	assert_string_equal(env_of(b, "WSGATE_PRINCIPAL"), "workspace-demo");
	assert_null(env_of(b, "WSGATE_AUTHORIZED_KEYS"));
	assert_true(json_object_object_get_ex(b, "Labels", &labels));
	assert_true(json_object_object_get_ex(labels, "org.wsgate.ca", &v));
	assert_string_equal(json_object_get_string(v), "SHA256:ca");
	assert_true(json_object_object_get_ex(labels, "org.wsgate.owner", &v));
	assert_string_equal(json_object_get_string(v), "alice");
	assert_true(json_object_object_get_ex(labels, "org.wsgate.port", &v));
	assert_string_equal(json_object_get_string(v), "2201");
	assert_true(json_object_object_get_ex(b, "HostConfig", &hc));
	assert_true(json_object_object_get_ex(hc, "NanoCpus", &v));
	assert_int_equal(json_object_get_int64(v), 1500000000LL);
	assert_true(json_object_object_get_ex(hc, "Memory", &v));
	assert_int_equal(json_object_get_int64(v), 512LL * 1048576);
	assert_true(json_object_object_get_ex(hc, "CapAdd", &v));
	assert_true(json_object_object_get_ex(hc, "Mounts", &v));
	assert_int_equal(json_object_array_length(v), 2);
	/* The volumes given, mounted as they are: no options that would make
	 * an unlabelled one if they went missing. */
	assert_non_null(strstr(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "\"Source\":\"workspace-demo.docker\""));
	assert_non_null(strstr(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "\"Source\":\"workspace-demo\""));
	assert_null(strstr(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "VolumeOptions"));
	json_object_put(b);

	/* Off: no capabilities, no dockerd; privileged: the engine's own mode. */
	s.dind = "off";
	assert_int_equal(ws_spec_body(&s, "demo", 2201, "P", "K", &b, why, sizeof(why)), WS_OK);
	assert_string_equal(env_of(b, "WSGATE_DIND"), "0");
	json_object_object_get_ex(b, "HostConfig", &hc);
	assert_false(json_object_object_get_ex(hc, "CapAdd", &v));
	json_object_put(b);

	/* A missing credential file is a clear error, not a half-made body. */
	unlink(path);
	b = NULL;
	assert_int_equal(ws_spec_body(&s, "demo", 2201, "P", "K", &b, why, sizeof(why)), WS_ERR_IO);
	assert_null(b);
	assert_non_null(strstr(why, "cannot be read"));
}

static int lines_seen;
static char last_line[128];

static void on_line(void *arg, int i, const char *line)
{
	(void)arg;
	(void)i;
	lines_seen++;
	snprintf(last_line, sizeof(last_line), "%s", line);
}

static void demux_and_times(void **state)
{
	/* Two frames (stdout, stderr); the second line spans the frame border. */
	static const unsigned char stream[] = {
		1, 0, 0, 0, 0, 0, 0, 9, 'h', 'e', 'l', 'l', 'o', '\n', 'w', 'o', 'r',
		2, 0, 0, 0, 0, 0, 0, 3, 'l', 'd', '\n',
		1, 0, 0, 0, 0, 0, 0, 200, 'x', /* truncated: claims 200 bytes */
	};
	static const char log_text[] =
	    "2026-11-29T03:00:00.000000001Z Server listening on 0.0.0.0 port 22.\n"
	    "2026-11-29T03:05:00.5Z Accepted publickey for workspace from 172.17.0.1 port 1 ssh2\n"
	    "2026-11-29T03:07:30.1Z Disconnected from user workspace 172.17.0.1 port 1\n"
	    "2026-11-29T03:09:00Z some other line\n";
	unsigned char logbuf[512];
	size_t n = sizeof(log_text) - 1;

	(void)state;
	ws_exec_demux(stream, sizeof(stream), 1, on_line, NULL);
	assert_int_equal(lines_seen, 3);
	assert_string_equal(last_line, "x");
	ws_exec_demux(stream, 5, 1, on_line, NULL); /* shorter than a header */
	assert_int_equal(lines_seen, 3);

	assert_int_equal(ws_sshdlog_time("2026-11-29T03:07:30.1Z"), 1795921650);
	assert_int_equal(ws_sshdlog_time("0001-01-01T00:00:00Z"), 0);
	assert_int_equal(ws_sshdlog_time("garbage"), 0);
	memset(logbuf, 0, 8);
	logbuf[0] = 2;
	logbuf[6] = (unsigned char)(n >> 8);
	logbuf[7] = (unsigned char)(n & 0xff);
	memcpy(logbuf + 8, log_text, n);
	assert_int_equal(ws_sshdlog_last_session(logbuf, n + 8), 1795921650);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(body_carries_everything),
		cmocka_unit_test(demux_and_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
