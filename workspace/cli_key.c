/* cli_key.c — ws key add|list|remove: the key directory (keys_dir), a file
 * per account named after it, in authorized_keys format, as the gateway
 * reads it (keystore.c). Every line is judged as a login judges it
 * (keyfile.h), and a file is replaced whole, never edited in place. No
 * engine is needed. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkeys.h"
#include "cli.h"
#include "dynbuf.h"
#include "keyfile.h"
#include "names.h"

/* Most files of the key directory looked at (listing, other accounts). */
#define WS_KEYDIR_MAX_FILES 100000

/* Prints s with control characters as '?': comments and file names come
 * from people, and must not drive the terminal. */
static void ws_put_clean(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
}

/* "type fingerprint comment", the way ws key list shows a key. */
static void ws_put_key(FILE *out, const struct ws_keyent *e)
{
	fprintf(out, "%s %s", e->type, e->fp);
	if (e->comment[0] != '\0') {
		fputc(' ', out);
		ws_put_clean(out, e->comment);
	}
	fputc('\n', out);
}

/* The account operand is a name the gateway looks up; exit 2 otherwise. */
static int ws_account_ok(const char *account)
{
	char why[200];

	if (ws_account_check(account, why, sizeof(why)) == WS_OK)
		return 1;
	fprintf(stderr, "ws: account '");
	ws_put_clean(stderr, account);
	fprintf(stderr, "': %s\n", why);
	return 0;
}

/* Reads the keys to add from src (a file, or "-" for stdin), bounded as a
 * key file is. Returns WS_EXIT_OK with *out set, or the exit code. */
static int ws_read_keys(const char *src, const char *account, struct ws_keyfile **out)
{
	struct ws_dynbuf *buf = NULL;
	const char *name = strcmp(src, "-") == 0 ? "stdin" : src;
	int fd = strcmp(src, "-") == 0 ? 0 : open(src, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	int ret = WS_EXIT_USAGE;
	ws_err rc;

	if (fd < 0) {
		fprintf(stderr, "ws: %s: cannot read: %s\n", src, strerror(errno));
		return WS_EXIT_USAGE;
	}
	if (fd == 0 && isatty(0))
		fprintf(stderr, "ws: paste %s's public keys, one a line, then press Ctrl-D\n", account);
	if ((buf = ws_dynbuf_new(WS_AUTHKEYS_MAX_FILE)) == NULL) {
		ret = WS_EXIT_FAIL;
		goto out;
	}
	if ((rc = ws_dynbuf_add_fd(buf, fd)) == WS_ERR_TOO_LARGE) {
		fprintf(stderr, "ws: %s: larger than %zu KiB, more than a key file may hold\n", name,
		    WS_AUTHKEYS_MAX_FILE / 1024);
		goto out;
	}
	if (rc != WS_OK) {
		fprintf(stderr, "ws: %s: cannot read: %s\n", name, rc == WS_ERR_IO ? strerror(errno) :
		    ws_err_str(rc));
		goto out;
	}
	if ((rc = ws_keyfile_parse(ws_dynbuf_ptr(buf), ws_dynbuf_len(buf), out)) != WS_OK) {
		fprintf(stderr, "ws: %s: %s\n", name, rc == WS_ERR_TOO_LARGE ? "too many lines" : ws_err_str(rc));
		ret = rc == WS_ERR_TOO_LARGE ? WS_EXIT_USAGE : WS_EXIT_FAIL;
		goto out;
	}
	ret = WS_EXIT_OK;
out:
	if (fd > 0)
		close(fd);
	ws_dynbuf_free(buf);
	return ret;
}

/* Every line of in is one the gateway would use (or blank or a comment),
 * and there is a key: else each bad line is named and exit 2. */
static int ws_keys_valid(const struct ws_keyfile *in, const char *src, const char *account)
{
	const char *name = strcmp(src, "-") == 0 ? "stdin" : src;
	size_t i, bad = 0, keys = 0;
	const struct ws_keyent *e;

	for (i = 0; i < ws_keyfile_count(in); i++) {
		e = ws_keyfile_line(in, i);
		if (e->state == WS_OK)
			keys++;
		if (e->state != WS_ERR_INVALID)
			continue;
		if (++bad <= 20)
			fprintf(stderr, "ws: %s:%zu: %s\n", name, i + 1, e->why);
	}
	if (bad > 0) {
		fprintf(stderr, "ws: nothing added to %s: %zu line%s the gateway would skip\n", account,
		    bad, bad == 1 ? "" : "s");
		return 0;
	}
	if (keys == 0) {
		fprintf(stderr, "ws: no key in %s: nothing added to %s\n", name, account);
		return 0;
	}
	return 1;
}

/* Warns about the keys of f from line first on that another account's file
 * holds too: a login with such a key must name its account. */
static void ws_warn_shared(const char *dir, const char *account, const struct ws_keyfile *f,
    size_t first)
{
	struct ws_keyfile *other = NULL;
	struct dirent *de;
	char path[4200], why[400];
	size_t i, seen = 0;
	DIR *d = opendir(dir);

	while (d != NULL && (de = readdir(d)) != NULL && seen++ < WS_KEYDIR_MAX_FILES) {
		if (strcmp(de->d_name, account) == 0 || ws_account_check(de->d_name, why, sizeof(why)) != WS_OK)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (ws_keyfile_load(path, &other, why, sizeof(why)) != WS_OK)
			continue;
		for (i = first; i < ws_keyfile_count(f); i++) {
			if (ws_keyfile_find(other, ws_keyfile_line(f, i)->key) < 0)
				continue;
			fprintf(stderr, "ws: warning: %s has the key %s too: a login with it must name its "
			    "account (%s+WORKSPACE@gateway), or it is refused as ambiguous\n", de->d_name,
			    ws_keyfile_line(f, i)->fp, account);
		}
		ws_keyfile_free(other);
		other = NULL;
	}
	if (d != NULL)
		closedir(d);
}

/* The line without the spaces around it (and a "\r" before its newline). */
static void ws_trim(const struct ws_keyent *e, const char **text, size_t *len)
{
	const char *p = e->text, *end = e->text + e->len;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	*text = p;
	*len = (size_t)(end - p);
}

int ws_cmd_key_add(struct ws_cli *w, int argc, char **argv)
{
	const char *account = argv[0], *src = argc > 1 ? argv[1] : "-", *dir = w->cfg->keys_dir;
	const char *name = strcmp(src, "-") == 0 ? "stdin" : src, *text;
	struct ws_keyfile *in = NULL, *f = NULL;
	const struct ws_keyent *e;
	char path[4200], why[600];
	size_t i, len, old, *from = NULL;
	long j;
	int ret, lock = -1;
	ws_err rc;

	if (!ws_account_ok(account))
		return WS_EXIT_USAGE;
	if ((ret = ws_read_keys(src, account, &in)) != WS_EXIT_OK)
		return ret;
	ret = WS_EXIT_USAGE;
	if (!ws_keys_valid(in, src, account))
		goto out;
	ret = WS_EXIT_FAIL;
	if (ws_keyfile_lock_dir(dir, &lock, why, sizeof(why)) != WS_OK) {
		fprintf(stderr, "ws: %s\n", why);
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", dir, account);
	rc = ws_keyfile_load(path, &f, why, sizeof(why));
	if (rc == WS_ERR_NOT_FOUND && (f = ws_keyfile_new()) == NULL)
		goto out;
	if (rc != WS_OK && rc != WS_ERR_NOT_FOUND) {
		fprintf(stderr, "ws: %s\n", why);
		goto out;
	}
	/* from[k]: the input line that the k-th added line came from */
	old = ws_keyfile_count(f);
	if ((from = calloc(ws_keyfile_count(in), sizeof(*from))) == NULL)
		goto out;
	for (i = 0; i < ws_keyfile_count(in); i++) {
		e = ws_keyfile_line(in, i);
		if (e->state != WS_OK)
			continue;
		if ((j = ws_keyfile_find(f, e->key)) >= (long)old) {
			fprintf(stderr, "ws: note: %s:%zu: the same key as line %zu: skipped\n", name, i + 1,
			    from[(size_t)j - old] + 1);
			continue;
		}
		if (j >= 0) {
			fprintf(stderr, "ws: note: %s:%zu: %s has this key already (%s): skipped\n", name, i + 1,
			    account, e->fp);
			continue;
		}
		ws_trim(e, &text, &len);
		if (ws_keyfile_append(f, text, len) != WS_OK)
			goto out;
		from[ws_keyfile_count(f) - 1 - old] = i;
	}
	if (ws_keyfile_count(f) == old) {
		printf("nothing to add: %s has every key given\n", account);
		ret = WS_EXIT_OK;
		goto out;
	}
	if (ws_keyfile_save(f, dir, account, why, sizeof(why)) != WS_OK) {
		fprintf(stderr, "ws: %s: nothing added\n", why);
		goto out;
	}
	for (i = old; i < ws_keyfile_count(f); i++) {
		printf("added to %s: ", account);
		ws_put_key(stdout, ws_keyfile_line(f, i));
	}
	ws_warn_shared(dir, account, f, old);
	ret = WS_EXIT_OK;
out:
	if (lock >= 0)
		close(lock);
	free(from);
	ws_keyfile_free(f);
	ws_keyfile_free(in);
	return ret;
}

/* ws key list ACCOUNT: its keys, and on stderr the lines logins skip. */
static int ws_key_list_account(const char *dir, const char *account)
{
	struct ws_keyfile *f = NULL;
	const struct ws_keyent *e;
	char path[4200], why[600];
	size_t i;
	ws_err rc;

	if (!ws_account_ok(account))
		return WS_EXIT_USAGE;
	snprintf(path, sizeof(path), "%s/%s", dir, account);
	if ((rc = ws_keyfile_load(path, &f, why, sizeof(why))) == WS_ERR_NOT_FOUND) {
		fprintf(stderr, "ws: %s has no keys (no file %s)\n", account, path);
		return WS_EXIT_MISSING;
	}
	if (rc != WS_OK) {
		fprintf(stderr, "ws: %s\n", why);
		return WS_EXIT_FAIL;
	}
	for (i = 0; i < ws_keyfile_count(f); i++) {
		e = ws_keyfile_line(f, i);
		if (e->state == WS_OK)
			ws_put_key(stdout, e);
		else if (e->state == WS_ERR_INVALID)
			fprintf(stderr, "ws: warning: %s:%zu: %s (logins skip this line)\n", path, i + 1, e->why);
	}
	ws_keyfile_free(f);
	return WS_EXIT_OK;
}

static int ws_strcmp_p(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The key directory's account files, sorted, in *names (n of them; free
 * each and the array); warns about the files the gateway ignores. Returns
 * WS_EXIT_OK (also for no directory), or the exit code. */
static int ws_key_accounts(const char *dir, char ***names, size_t *n)
{
	char path[4200], why[200], **v = NULL, **grown;
	struct dirent *de;
	struct stat st;
	size_t cap = 0, seen = 0, k = 0;
	int ret = WS_EXIT_FAIL;
	DIR *d;

	*names = NULL;
	*n = 0;
	if ((d = opendir(dir)) == NULL && errno == ENOENT) {
		fprintf(stderr, "ws: no key directory %s yet (ws key add makes it)\n", dir);
		return WS_EXIT_OK;
	}
	if (d == NULL) {
		fprintf(stderr, "ws: cannot read the key directory %s: %s\n", dir, strerror(errno));
		return WS_EXIT_FAIL;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (seen++ == WS_KEYDIR_MAX_FILES) {
			fprintf(stderr, "ws: warning: %s holds more than %d files: the rest are not listed\n",
			    dir, WS_KEYDIR_MAX_FILES);
			break;
		}
		if (ws_account_check(de->d_name, why, sizeof(why)) != WS_OK) {
			fprintf(stderr, "ws: warning: %s/", dir);
			ws_put_clean(stderr, de->d_name);
			fprintf(stderr, " is ignored by the gateway: %s (name the file after its account)\n", why);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) != 0)
			continue; /* gone meanwhile */
		if (!S_ISREG(st.st_mode)) {
			fprintf(stderr, "ws: warning: %s is ignored by the gateway: %s\n", path,
			    S_ISLNK(st.st_mode) ? "a symbolic link, which logins do not follow" : "not a regular file");
			continue;
		}
		if (k == cap) {
			cap = cap ? cap * 2 : 32;
			if ((grown = realloc(v, cap * sizeof(*v))) == NULL)
				goto out;
			v = grown;
		}
		if ((v[k] = strdup(de->d_name)) == NULL)
			goto out;
		k++;
	}
	if (k > 0)
		qsort(v, k, sizeof(*v), ws_strcmp_p);
	*names = v;
	*n = k;
	v = NULL;
	ret = WS_EXIT_OK;
out:
	if (ret != WS_EXIT_OK)
		fprintf(stderr, "ws: out of memory listing %s\n", dir);
	closedir(d);
	while (v != NULL && k > 0)
		free(v[--k]);
	free(v);
	return ret;
}

/* ws key list: every account and its number of keys. */
static int ws_key_list_all(const char *dir, int names_only)
{
	struct ws_keyfile *f = NULL;
	char path[4200], why[600], **names = NULL;
	size_t n = 0, i, k, keys, skipped;
	int ret;

	if ((ret = ws_key_accounts(dir, &names, &n)) != WS_EXIT_OK)
		return ret;
	if (!names_only)
		printf("%-32s %s\n", "ACCOUNT", "KEYS");
	for (i = 0; i < n; i++) {
		if (names_only) {
			printf("%s\n", names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		keys = skipped = 0;
		if (ws_keyfile_load(path, &f, why, sizeof(why)) != WS_OK) {
			fprintf(stderr, "ws: warning: %s\n", why);
		} else {
			for (k = 0; k < ws_keyfile_count(f); k++) {
				keys += ws_keyfile_line(f, k)->state == WS_OK;
				skipped += ws_keyfile_line(f, k)->state == WS_ERR_INVALID;
			}
			ws_keyfile_free(f);
			f = NULL;
		}
		printf("%-32s %zu\n", names[i], keys);
		if (skipped > 0)
			fprintf(stderr, "ws: warning: %s: %zu line%s logins skip (ws key list %s says which)\n",
			    path, skipped, skipped == 1 ? "" : "s", names[i]);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return WS_EXIT_OK;
}

int ws_cmd_key_list(struct ws_cli *w, int argc, char **argv)
{
	if (argc == 0)
		return ws_key_list_all(w->cfg->keys_dir, w->names);
	if (w->names) {
		fprintf(stderr, "ws: key list --names lists the accounts: it takes no ACCOUNT (see 'ws help key list')\n");
		return WS_EXIT_USAGE;
	}
	return ws_key_list_account(w->cfg->keys_dir, argv[0]);
}

/* Does e match what ws key remove was given: its fingerprint (with or
 * without "SHA256:") or its comment? */
static int ws_key_matches(const struct ws_keyent *e, const char *what)
{
	return e->state == WS_OK && (strcmp(e->fp, what) == 0 || strcmp(e->comment, what) == 0 ||
	    (strncmp(e->fp, "SHA256:", 7) == 0 && strcmp(e->fp + 7, what) == 0));
}

int ws_cmd_key_remove(struct ws_cli *w, int argc, char **argv)
{
	const char *account = argv[0], *what = argv[1], *dir = w->cfg->keys_dir;
	struct ws_keyfile *f = NULL, *keep = NULL;
	const struct ws_keyent *e;
	char path[4200], why[600];
	size_t i, n = 0;
	int ret = WS_EXIT_FAIL, lock = -1;
	struct stat st;
	ws_err rc;

	(void)argc;
	if (!ws_account_ok(account))
		return WS_EXIT_USAGE;
	snprintf(path, sizeof(path), "%s/%s", dir, account);
	if (stat(dir, &st) != 0 && errno == ENOENT) {
		fprintf(stderr, "ws: %s has no keys (no key directory %s)\n", account, dir);
		return WS_EXIT_MISSING;
	}
	if (ws_keyfile_lock_dir(dir, &lock, why, sizeof(why)) != WS_OK) {
		fprintf(stderr, "ws: %s\n", why);
		return WS_EXIT_FAIL;
	}
	if ((rc = ws_keyfile_load(path, &f, why, sizeof(why))) == WS_ERR_NOT_FOUND) {
		fprintf(stderr, "ws: %s has no keys (no file %s)\n", account, path);
		ret = WS_EXIT_MISSING;
		goto out;
	}
	if (rc != WS_OK) {
		fprintf(stderr, "ws: %s\n", why);
		goto out;
	}
	/* The file again without the matching lines; the rest byte for byte. */
	if ((keep = ws_keyfile_new()) == NULL)
		goto out;
	for (i = 0; i < ws_keyfile_count(f); i++) {
		e = ws_keyfile_line(f, i);
		if (ws_key_matches(e, what))
			n++;
		else if (ws_keyfile_append(keep, e->text, e->len) != WS_OK)
			goto out;
	}
	if (n == 0) {
		fprintf(stderr, "ws: %s has no key with the fingerprint or comment '", account);
		ws_put_clean(stderr, what);
		fprintf(stderr, "' (ws key list %s shows them)\n", account);
		ret = WS_EXIT_MISSING;
		goto out;
	}
	if (ws_keyfile_save(keep, dir, account, why, sizeof(why)) != WS_OK) {
		fprintf(stderr, "ws: %s: nothing removed\n", why);
		goto out;
	}
	for (i = 0; i < ws_keyfile_count(f); i++) {
		if (!ws_key_matches(ws_keyfile_line(f, i), what))
			continue;
		printf("removed from %s: ", account);
		ws_put_key(stdout, ws_keyfile_line(f, i));
	}
	ret = WS_EXIT_OK;
out:
	if (lock >= 0)
		close(lock);
	ws_keyfile_free(keep);
	ws_keyfile_free(f);
	return ret;
}
