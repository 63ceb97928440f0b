/* Why the engine could not be reached, as ws_docker_why() tells a person:
 * no socket at the path, not a socket, nobody listening, or the socket's
 * permissions (a user outside its group). No engine is needed: the sockets
 * are the test's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docker.h"

static char dir[] = "/tmp/wsgate-docker.XXXXXX";

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) != NULL && chmod(dir, 0755) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* A GET on the engine at path: its result and why. */
static ws_err ask(const char *path, char *why, size_t whylen)
{
	struct ws_docker *d = ws_docker_new(path, 1);
	struct json_object *reply = NULL;
	long status = 0;
	ws_err rc;

	assert_non_null(d);
	rc = ws_docker_request(d, "GET", "/version", NULL, &status, &reply);
	ws_docker_why(d, rc, why, whylen);
	json_object_put(reply);
	ws_docker_free(d);
	return rc;
}

/* A unix socket bound at path (listening or not), mode 0600; returns its fd. */
static int bound(const char *path, int listening)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(chmod(path, 0600), 0);
	if (listening)
		assert_int_equal(listen(fd, 4), 0);
	return fd;
}

static void no_socket(void **state)
{
	char path[128], why[512];
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/absent.sock", dir);
	assert_int_equal(ask(path, why, sizeof(why)), WS_ERR_DOCKER_NO_SOCKET);
	assert_non_null(strstr(why, "no Docker socket at "));
	assert_non_null(strstr(why, path));
	assert_true(ws_docker_unreachable(WS_ERR_DOCKER_NO_SOCKET));
	/* a file that is no socket: docker_socket names the wrong thing */
	snprintf(path, sizeof(path), "%s/file", dir);
	assert_non_null(f = fopen(path, "w"));
	fclose(f);
	assert_int_equal(ask(path, why, sizeof(why)), WS_ERR_DOCKER_NO_SOCKET);
	assert_non_null(strstr(why, "is not a socket"));
}

static void nobody_listening(void **state)
{
	char path[128], why[512];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	fd = bound(path, 0);
	assert_int_equal(ask(path, why, sizeof(why)), WS_ERR_DOCKER_DOWN);
	assert_non_null(strstr(why, "nobody listens on the socket"));
	close(fd);
}

/* As an unprivileged user, a socket of mode 0600 that root owns refuses
 * the connection: that is said, with the group that owns it. */
static void permission_denied(void **state)
{
	char path[128], why[512];
	int fd, st;
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(path, sizeof(path), "%s/docker.sock", dir);
	fd = bound(path, 1);
	assert_int_equal(chown(path, 0, 0), 0);
	/* root itself is let in, and waits for an answer that never comes */
	assert_int_equal(ask(path, why, sizeof(why)), WS_ERR_TIMEOUT);
	assert_non_null(strstr(why, "did not answer within 1 s"));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
			_exit(2);
		if (ask(path, why, sizeof(why)) != WS_ERR_DOCKER_DENIED)
			_exit(3);
		_exit(strstr(why, "permission denied on the Docker socket ") != NULL &&
		    strstr(why, path) != NULL && strstr(why, "(root)") != NULL ? 0 : 4);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_socket),
		cmocka_unit_test(nobody_listening),
		cmocka_unit_test(permission_denied),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
