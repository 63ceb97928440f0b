/* The user CA against OpenSSH's own ssh-keygen: the key file it writes is
 * one ssh-keygen reads, a key ssh-keygen made serves as a CA, and the
 * certificates it signs are ones ssh-keygen -L parses as meant. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "userca.h"

static char dir[] = "/tmp/wsgate-ca.XXXXXX";

static int setup(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1); /* ssh-keygen -L shows validity in local time */
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* Runs cmd and returns its first output line (static buffer), or "". */
static const char *run(const char *cmd)
{
	static char line[4096];
	FILE *p = popen(cmd, "r");

	line[0] = '\0';
	if (p == NULL)
		return line;
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	while (fgetc(p) != EOF)
		;
	pclose(p);
	line[strcspn(line, "\n")] = '\0';
	return line;
}

static void made_key_is_openssh_readable(void **state)
{
	char path[128], cmd[512], pub[WS_USERCA_PUB_MAX], fp[WS_USERCA_FP_MAX], want[256];
	struct stat st;

	(void)state;
	snprintf(path, sizeof(path), "%s/sub/ca", dir);
	assert_int_equal(ws_userca_ensure(path), WS_OK);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(ws_userca_ensure(path), WS_OK); /* there already: kept */
	assert_int_equal(ws_userca_public(path, pub, sizeof(pub), fp, sizeof(fp)), WS_OK);
	/* ssh-keygen derives the same public key from our private file. */
	snprintf(cmd, sizeof(cmd), "ssh-keygen -y -f %s | cut -d' ' -f1-2", path);
	assert_string_equal(run(cmd), pub);
	snprintf(cmd, sizeof(cmd), "cut -d' ' -f1-2 %s.pub", path);
	assert_string_equal(run(cmd), pub);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -l -f %s.pub | cut -d' ' -f2", path);
	snprintf(want, sizeof(want), "%s", run(cmd));
	assert_string_equal(fp, want);
	assert_int_equal(ws_userca_public("/nonexistent/ca", pub, sizeof(pub), NULL, 0),
	    WS_ERR_NOT_FOUND);
	/* The one principal a workspace's sshd accepts (its container's name). */
	ws_userca_principal("alpha", pub, sizeof(pub));
	assert_string_equal(pub, "workspace-alpha");
}

/* Signs a certificate for a key ssh-keygen made, with CA ca, and returns
 * ssh-keygen -L's text of it in out. */
static void sign_and_list(const char *ca, const struct ws_usercert_req *req, char *out, size_t outlen)
{
	char cmd[512], b64[256], certpath[160];
	unsigned char blob[256];
	char *cert = NULL;
	size_t n;
	FILE *f;

	snprintf(cmd, sizeof(cmd), "rm -f %s/user %s/user.pub; ssh-keygen -q -t ed25519 -N '' -f %s/user && cut -d' ' -f2 %s/user.pub",
	    dir, dir, dir, dir);
	snprintf(b64, sizeof(b64), "%s", run(cmd));
	snprintf(cmd, sizeof(cmd), "echo %s | base64 -d > %s/user.blob", b64, dir);
	assert_int_equal(system(cmd), 0);
	snprintf(certpath, sizeof(certpath), "%s/user.blob", dir);
	f = fopen(certpath, "rb");
	assert_non_null(f);
	n = fread(blob, 1, sizeof(blob), f);
	fclose(f);
	assert_int_equal(ws_userca_sign(ca, blob, n, req, &cert), WS_OK);
	snprintf(certpath, sizeof(certpath), "%s/user-cert.pub", dir);
	f = fopen(certpath, "w");
	assert_non_null(f);
	fprintf(f, "ssh-ed25519-cert-v01@openssh.com %s\n", cert);
	fclose(f);
	free(cert);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -L -f %s 2>&1 | tr -s ' \\n' ' '", certpath);
	snprintf(out, outlen, "%s", run(cmd));
}

static void certificates_say_what_they_should(void **state)
{
	char ca[128], listed[4096], cmd[256], fp[WS_USERCA_FP_MAX], want[128];
	struct ws_usercert_req req = { "workspace-alpha", "wsgate:alice:alpha", 1700000000, 60, 0, 0, 0, 0 };

	(void)state;
	/* A CA key made by ssh-keygen itself works as well as our own. */
	snprintf(ca, sizeof(ca), "%s/keygen-ca", dir);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N '' -C admin -f %s", ca);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(ws_userca_public(ca, NULL, 0, fp, sizeof(fp)), WS_OK);
	sign_and_list(ca, &req, listed, sizeof(listed));
	assert_non_null(strstr(listed, "Type: ssh-ed25519-cert-v01@openssh.com user certificate"));
	snprintf(want, sizeof(want), "Signing CA: ED25519 %s", fp);
	assert_non_null(strstr(listed, want));
	assert_non_null(strstr(listed, "Key ID: \"wsgate:alice:alpha\""));
	/* 1700000000 - 30 and + 60, in UTC. */
	assert_non_null(strstr(listed, "Valid: from 2023-11-14T22:12:50 to 2023-11-14T22:14:20"));
	assert_non_null(strstr(listed, "Principals: workspace-alpha Critical Options: (none)"));
	assert_non_null(strstr(listed, "Extensions: permit-X11-forwarding permit-agent-forwarding permit-port-forwarding permit-pty permit-user-rc"));
	/* A key restricted by authorized_keys options gets a certificate
	 * without those permissions: the workspace's sshd refuses them too. */
	req.no_pty = req.no_port_forwarding = 1;
	sign_and_list(ca, &req, listed, sizeof(listed));
	assert_non_null(strstr(listed, "Extensions: permit-X11-forwarding permit-agent-forwarding permit-user-rc"));
	req.no_x11_forwarding = req.no_agent_forwarding = 1;
	sign_and_list(ca, &req, listed, sizeof(listed));
	assert_non_null(strstr(listed, "Extensions: permit-user-rc"));
}

static void refuses_what_it_should(void **state)
{
	char ca[128], path[128], *cert = NULL;
	unsigned char rsa_blob[] = { 0, 0, 0, 7, 's', 's', 'h', '-', 'r', 's', 'a', 0, 0, 0, 1, 1 };
	struct ws_usercert_req req = { "workspace-alpha", "id", 1700000000, 60, 0, 0, 0, 0 };
	FILE *f;

	(void)state;
	snprintf(ca, sizeof(ca), "%s/sub/ca", dir);
	assert_int_equal(ws_userca_sign(ca, rsa_blob, sizeof(rsa_blob), &req, &cert), WS_ERR_INVALID);
	/* An encrypted CA key is not used (nobody is there to type it). */
	snprintf(path, sizeof(path), "%s/locked", dir);
	{
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t ed25519 -N secret -f %s", path);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(ws_userca_public(path, NULL, 0, NULL, 0), WS_ERR_SSH);
	/* Nor junk, nor a file too large to be a key. */
	snprintf(path, sizeof(path), "%s/junk", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n", f);
	fclose(f);
	assert_int_equal(ws_userca_public(path, NULL, 0, NULL, 0), WS_ERR_SSH);
	f = fopen(path, "w");
	assert_non_null(f);
	for (int i = 0; i < 5000; i++)
		fputc('A', f);
	fclose(f);
	assert_int_equal(ws_userca_public(path, NULL, 0, NULL, 0), WS_ERR_SSH);
	assert_null(cert);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(made_key_is_openssh_readable),
		cmocka_unit_test(certificates_say_what_they_should),
		cmocka_unit_test(refuses_what_it_should),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
