#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keyline.h"
#include "log.h"
#include "mkdirs.h"

ws_err ws_key_load_or_create(const char *path, ssh_key *key)
{
	ssh_key k = NULL;
	char tmp[4200];
	ws_err rc = WS_ERR_SSH;

	if (access(path, F_OK) == 0) {
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &k) != SSH_OK) {
			ws_error("cannot load key %s", path);
			goto out;
		}
		rc = WS_OK;
		goto out;
	}
	if ((rc = ws_mkdir_parents(path)) != WS_OK) {
		ws_error("cannot create the directory of %s: %s", path, strerror(errno));
		goto out;
	}
	rc = WS_ERR_SSH;
	if (ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &k) != SSH_OK)
		goto out;
	/* Write beside it and rename, so a crash never leaves half a key. */
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	{
		mode_t old = umask(077);
		int ok = ssh_pki_export_privkey_file(k, NULL, NULL, NULL, tmp) == SSH_OK;
		umask(old);
		if (!ok || chmod(tmp, 0600) != 0 || rename(tmp, path) != 0) {
			ws_error("cannot write key %s: %s", path, strerror(errno));
			unlink(tmp);
			rc = WS_ERR_IO;
			goto out;
		}
	}
	ws_info("generated ed25519 key %s", path);
	rc = WS_OK;
out:
	if (rc == WS_OK)
		*key = k;
	else
		ssh_key_free(k);
	return rc;
}

/* In the forked loader: the key's public half ("type base64") to fd. */
static int ws_key_public_child(const char *path, int fd)
{
	ssh_key k = NULL;
	char *line = NULL;
	int ok;

	ok = ws_key_load_or_create(path, &k) == WS_OK && (line = ws_keyline_make(k)) != NULL &&
	    write(fd, line, strlen(line)) == (ssize_t)strlen(line);
	free(line);
	ssh_key_free(k);
	return ok ? 0 : 1;
}

ws_err ws_key_public_of(const char *path, ssh_key *pub)
{
	char line[WS_KEY_LINE_MAX + 1];
	size_t n = 0;
	ssize_t r;
	int p[2], status = 0;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) != 0)
		return WS_ERR_IO;
	if ((pid = fork()) < 0) {
		close(p[0]);
		close(p[1]);
		return WS_ERR_IO;
	}
	if (pid == 0) {
		close(p[0]);
		_exit(ws_key_public_child(path, p[1]));
	}
	close(p[1]);
	while (n < sizeof(line) - 1 &&
	    ((r = read(p[0], line + n, sizeof(line) - 1 - n)) > 0 || (r < 0 && errno == EINTR)))
		n += r > 0 ? (size_t)r : 0;
	line[n] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return WS_ERR_SSH;
	return ws_keyline_parse(line, pub) == WS_OK ? WS_OK : WS_ERR_SSH;
}

void ws_key_warm(void)
{
	static const unsigned char hash[32];
	ssh_key k = NULL, k2 = NULL;
	ssh_string sig = NULL;
	char *b64 = NULL;

	if (ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &k) == SSH_OK &&
	    ssh_pki_export_privkey_base64(k, NULL, NULL, NULL, &b64) == SSH_OK &&
	    ssh_pki_import_privkey_base64(b64, NULL, NULL, NULL, &k2) == SSH_OK)
		(void)ssh_pki_signature_sign_blob(k2, "ssh-ed25519", hash, sizeof(hash), &sig);
	ssh_string_free(sig);
	if (b64 != NULL) {
		explicit_bzero(b64, strlen(b64));
		ssh_string_free_char(b64);
	}
	ssh_key_free(k2);
	ssh_key_free(k);
}
