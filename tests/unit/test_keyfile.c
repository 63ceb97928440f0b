#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkeys.h"
#include "keyfile.h"

static ssh_key ed, rsa;
static char ed_line[512], rsa_line[1024], dir[] = "/tmp/wsgate-keyfile.XXXXXX";

static void publine(ssh_key k, char *out, size_t outlen)
{
	char *b64 = NULL;

	assert_int_equal(ssh_pki_export_pubkey_base64(k, &b64), SSH_OK);
	snprintf(out, outlen, "%s %s", ssh_key_type_to_char(ssh_key_type(k)), b64);
	ssh_string_free_char(b64);
}

static int setup(void **state)
{
	(void)state;
	if (ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &ed) != SSH_OK ||
	    ssh_pki_generate_key(SSH_KEYTYPE_RSA, NULL, &rsa) != SSH_OK || mkdtemp(dir) == NULL)
		return -1;
	publine(ed, ed_line, sizeof(ed_line));
	publine(rsa, rsa_line, sizeof(rsa_line));
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	ssh_key_free(ed);
	ssh_key_free(rsa);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The whole file at path, in buf; returns its length or -1. */
static long slurp(const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return (long)n;
}

/* What ssh-keygen -l says of line: "BITS SHA256:... COMMENT (TYPE)". */
static void keygen_fp(const char *line, char *fp, size_t fplen)
{
	char path[128], cmd[256], out[512];
	FILE *f, *p;

	snprintf(path, sizeof(path), "%s/fp.pub", dir);
	assert_non_null(f = fopen(path, "w"));
	fprintf(f, "%s\n", line);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "ssh-keygen -l -E sha256 -f '%s'", path);
	assert_non_null(p = popen(cmd, "r"));
	assert_non_null(fgets(out, sizeof(out), p));
	assert_int_equal(pclose(p), 0);
	assert_int_equal(sscanf(out, "%*d %63s", fp), 1);
	(void)fplen;
}

static void lines_are_judged(void **state)
{
	char text[4096], fp[64];
	struct ws_keyfile *f = NULL;
	const struct ws_keyent *e;
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "# alice\n\n%s alice@laptop\r\ncommand=\"x\" %s\nrestrict %s  two  words \nx%cy\n",
	    ed_line, rsa_line, rsa_line, '\0');
	assert_int_equal(ws_keyfile_parse(text, (size_t)n, &f), WS_OK);
	assert_int_equal(ws_keyfile_count(f), 6);
	assert_int_equal(ws_keyfile_line(f, 0)->state, WS_ERR_NOT_FOUND);
	assert_int_equal(ws_keyfile_line(f, 1)->state, WS_ERR_NOT_FOUND);
	e = ws_keyfile_line(f, 2);
	assert_int_equal(e->state, WS_OK);
	assert_string_equal(e->type, "ssh-ed25519");
	assert_string_equal(e->comment, "alice@laptop");
	keygen_fp(ed_line, fp, sizeof(fp));
	assert_string_equal(e->fp, fp);
	assert_int_equal(ssh_key_cmp(e->key, ed, SSH_KEY_CMP_PUBLIC), 0);
	e = ws_keyfile_line(f, 3);
	assert_int_equal(e->state, WS_ERR_INVALID);
	assert_non_null(strstr(e->why, "option 'command'"));
	e = ws_keyfile_line(f, 4);
	assert_int_equal(e->state, WS_OK);
	assert_string_equal(e->comment, "two  words");
	keygen_fp(rsa_line, fp, sizeof(fp));
	assert_string_equal(e->fp, fp);
	e = ws_keyfile_line(f, 5);
	assert_int_equal(e->state, WS_ERR_INVALID);
	assert_int_equal(e->len, 3);
	assert_non_null(strstr(e->why, "NUL"));
	/* the line with an unhonoured option does not count: the restricted one does */
	assert_int_equal(ws_keyfile_find(f, rsa), 4);
	assert_int_equal(ws_keyfile_find(f, ed), 2);
	ws_keyfile_free(f);
}

/* Lines are kept byte for byte through an edit; the file is replaced whole,
 * mode 0644, nothing left beside it. */
static void edit_and_save(void **state)
{
	char text[4096], got[8192], want[8192], path[128], why[256];
	struct ws_keyfile *f = NULL, *in = NULL;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int n;

	(void)state;
	n = snprintf(text, sizeof(text), "# kept\r\n%s a\nno-such-option %s b\n", ed_line, ed_line);
	assert_int_equal(ws_keyfile_parse(text, (size_t)n, &f), WS_OK);
	n = snprintf(text, sizeof(text), "%s c", rsa_line);
	assert_int_equal(ws_keyfile_parse(text, (size_t)n, &in), WS_OK);
	assert_int_equal(ws_keyfile_find(f, rsa), -1);
	assert_int_equal(ws_keyfile_append(f, ws_keyfile_line(in, 0)->text, ws_keyfile_line(in, 0)->len), WS_OK);
	ws_keyfile_remove(f, 1);
	assert_int_equal(ws_keyfile_save(f, dir, "alice", why, sizeof(why)), WS_OK);
	snprintf(path, sizeof(path), "%s/alice", dir);
	assert_true(slurp(path, got, sizeof(got)) > 0);
	snprintf(want, sizeof(want), "# kept\r\nno-such-option %s b\n%s c\n", ed_line, rsa_line);
	assert_string_equal(got, want);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_non_null(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, ".alice", 6) == 0)
			fail_msg("left behind: %s", de->d_name);
	closedir(d);
	ws_keyfile_free(in);
	ws_keyfile_free(f);
	/* read back, emptied: the file goes */
	assert_int_equal(ws_keyfile_load(path, &f, got, sizeof(got)), WS_OK);
	assert_int_equal(ws_keyfile_count(f), 3);
	while (ws_keyfile_count(f) > 0)
		ws_keyfile_remove(f, 0);
	assert_int_equal(ws_keyfile_save(f, dir, "alice", got, sizeof(got)), WS_OK);
	assert_int_equal(access(path, F_OK), -1);
	ws_keyfile_free(f);
}

static void too_large_changes_nothing(void **state)
{
	struct ws_keyfile *f = NULL, *big = NULL;
	char path[128], why[256], got[1024], want[1024], *text;
	size_t len = WS_AUTHKEYS_MAX_FILE - 10, i;

	(void)state;
	assert_int_equal(ws_keyfile_parse(ed_line, strlen(ed_line), &f), WS_OK);
	assert_int_equal(ws_keyfile_save(f, dir, "bob", why, sizeof(why)), WS_OK);
	/* 1 MiB of comment lines, and the key: past the cap logins read */
	assert_non_null(text = malloc(len));
	for (i = 0; i < len; i++)
		text[i] = i % 1000 == 999 ? '\n' : '#';
	assert_int_equal(ws_keyfile_parse(text, len, &big), WS_OK);
	for (i = 0; i < ws_keyfile_count(big); i++)
		assert_int_equal(ws_keyfile_append(f, ws_keyfile_line(big, i)->text, ws_keyfile_line(big, i)->len), WS_OK);
	why[0] = '\0';
	assert_int_equal(ws_keyfile_save(f, dir, "bob", why, sizeof(why)), WS_ERR_TOO_LARGE);
	assert_non_null(strstr(why, "larger than 1024 KiB"));
	snprintf(path, sizeof(path), "%s/bob", dir);
	assert_true(slurp(path, got, sizeof(got)) > 0);
	snprintf(want, sizeof(want), "%s\n", ed_line);
	assert_string_equal(got, want); /* the old file, whole */
	/* a file over the cap is refused as a login refuses it */
	free(text);
	ws_keyfile_free(big);
	ws_keyfile_free(f);
	assert_non_null(text = malloc(WS_AUTHKEYS_MAX_FILE + 2));
	memset(text, '#', WS_AUTHKEYS_MAX_FILE + 1);
	{
		FILE *o = fopen(path, "w");
		assert_non_null(o);
		fwrite(text, 1, WS_AUTHKEYS_MAX_FILE + 1, o);
		fclose(o);
	}
	free(text);
	assert_int_equal(ws_keyfile_load(path, &f, why, sizeof(why)), WS_ERR_TOO_LARGE);
	assert_non_null(strstr(why, "logins refuse it whole"));
	/* and so are too many lines */
	assert_non_null(text = malloc(WS_KEYFILE_MAX_LINES + 1));
	memset(text, '\n', WS_KEYFILE_MAX_LINES + 1);
	assert_int_equal(ws_keyfile_parse(text, WS_KEYFILE_MAX_LINES + 1, &f), WS_ERR_TOO_LARGE);
	assert_int_equal(ws_keyfile_parse(text, WS_KEYFILE_MAX_LINES, &f), WS_OK);
	ws_keyfile_free(f);
	free(text);
}

static void load_refuses_what_logins_skip(void **state)
{
	struct ws_keyfile *f = NULL;
	char path[128], why[256];

	(void)state;
	snprintf(path, sizeof(path), "%s/nobody", dir);
	assert_int_equal(ws_keyfile_load(path, &f, why, sizeof(why)), WS_ERR_NOT_FOUND);
	snprintf(path, sizeof(path), "%s/link", dir);
	assert_int_equal(symlink("/etc/passwd", path), 0);
	assert_int_equal(ws_keyfile_load(path, &f, why, sizeof(why)), WS_ERR_INVALID);
	assert_non_null(strstr(why, "symbolic link"));
	snprintf(path, sizeof(path), "%s/sub", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	assert_int_equal(ws_keyfile_load(path, &f, why, sizeof(why)), WS_ERR_INVALID);
	assert_non_null(strstr(why, "not a regular file"));
	assert_null(f);
}

/* The key directory is made 0755 whatever the umask, and locked: a second
 * editor waits. */
static void lock_dir(void **state)
{
	char path[128], why[256];
	struct stat st;
	mode_t old;
	int fd = -1, fd2;

	(void)state;
	snprintf(path, sizeof(path), "%s/etc/wsgate/keys", dir);
	old = umask(077);
	assert_int_equal(ws_keyfile_lock_dir(path, &fd, why, sizeof(why)), WS_OK);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/etc", dir);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	snprintf(path, sizeof(path), "%s/etc/wsgate/keys", dir);
	assert_true((fd2 = open(path, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(flock(fd2, LOCK_EX | LOCK_NB), -1);
	assert_int_equal(errno, EWOULDBLOCK);
	close(fd);
	assert_int_equal(flock(fd2, LOCK_EX | LOCK_NB), 0);
	close(fd2);
	snprintf(path, sizeof(path), "%s/file", dir);
	assert_true((fd = open(path, O_WRONLY | O_CREAT, 0600)) >= 0);
	close(fd);
	snprintf(path, sizeof(path), "%s/file/keys", dir); /* under a file */
	assert_int_equal(ws_keyfile_lock_dir(path, &fd, why, sizeof(why)), WS_ERR_IO);
	assert_non_null(strstr(why, "cannot make the key directory"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lines_are_judged),
		cmocka_unit_test(edit_and_save),
		cmocka_unit_test(too_large_changes_nothing),
		cmocka_unit_test(load_refuses_what_logins_skip),
		cmocka_unit_test(lock_dir),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
