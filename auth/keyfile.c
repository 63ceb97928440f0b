/* keyfile.c — a key directory's file, read, edited and rewritten whole
 * (keyfile.h). */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "authkeys.h"
#include "dynbuf.h"

/* A line and the storage its public view points into (kept apart from the
 * array, so views stay valid while the array grows). */
struct ws_kline {
	struct ws_keyent e;
	char *text;
	char *comment;
	char type[64];
	char fp[WS_KEYFILE_FP_MAX];
	char why[256];
};

struct ws_keyfile {
	struct ws_kline **v;
	size_t n, cap;
};

static void ws_kline_free(struct ws_kline *l)
{
	if (l == NULL)
		return;
	ssh_key_free(l->e.key);
	free(l->text);
	free(l->comment);
	free(l);
}

/* SHA256:base64 without padding, as ssh-keygen -l prints it. */
static void ws_fingerprint(const ssh_key key, char *out, size_t outlen)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp = NULL;

	snprintf(out, outlen, "?");
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
		return;
	if ((fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen)) != NULL)
		snprintf(out, outlen, "%s", fp);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
}

/* Returns line text (len bytes) judged, or NULL when memory is short. */
static struct ws_kline *ws_kline_new(const char *text, size_t len)
{
	struct ws_kline *l = calloc(1, sizeof(*l));
	const char *type;
	ws_err rc;

	if (l == NULL || (l->text = malloc(len + 1)) == NULL) {
		ws_kline_free(l);
		return NULL;
	}
	memcpy(l->text, text, len);
	l->text[len] = '\0';
	l->e.text = l->text;
	l->e.len = len;
	l->e.why = l->why;
	if (memchr(text, '\0', len) != NULL) {
		snprintf(l->why, sizeof(l->why), "holds a NUL byte: logins skip it");
		rc = WS_ERR_INVALID;
	} else {
		rc = ws_authkeys_parse_line(l->text, &l->e.key, &l->comment, l->why, sizeof(l->why));
	}
	if (rc == WS_ERR_NOMEM) {
		ws_kline_free(l);
		return NULL;
	}
	l->e.state = rc;
	if (rc == WS_OK) {
		type = ssh_key_type_to_char(ssh_key_type(l->e.key));
		snprintf(l->type, sizeof(l->type), "%s", type != NULL ? type : "?");
		ws_fingerprint(l->e.key, l->fp, sizeof(l->fp));
		l->e.type = l->type;
		l->e.fp = l->fp;
		l->e.comment = l->comment;
	}
	return l;
}

struct ws_keyfile *ws_keyfile_new(void)
{
	return calloc(1, sizeof(struct ws_keyfile));
}

void ws_keyfile_free(struct ws_keyfile *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->n; i++)
		ws_kline_free(f->v[i]);
	free(f->v);
	free(f);
}

/* Appends a line made of text; WS_ERR_TOO_LARGE past the line cap. */
static ws_err ws_keyfile_add(struct ws_keyfile *f, const char *text, size_t len)
{
	struct ws_kline **v, *l;
	size_t cap;

	if (f->n >= WS_KEYFILE_MAX_LINES)
		return WS_ERR_TOO_LARGE;
	if (f->n == f->cap) {
		cap = f->cap ? f->cap * 2 : 16;
		if ((v = realloc(f->v, cap * sizeof(struct ws_kline *))) == NULL)
			return WS_ERR_NOMEM;
		f->v = v;
		f->cap = cap;
	}
	if ((l = ws_kline_new(text, len)) == NULL)
		return WS_ERR_NOMEM;
	f->v[f->n++] = l;
	return WS_OK;
}

ws_err ws_keyfile_parse(const char *text, size_t len, struct ws_keyfile **out)
{
	struct ws_keyfile *f = ws_keyfile_new();
	size_t start = 0, end;
	const char *nl;
	ws_err rc = WS_OK;

	if (f == NULL)
		return WS_ERR_NOMEM;
	while (start < len && rc == WS_OK) {
		nl = memchr(text + start, '\n', len - start);
		end = nl != NULL ? (size_t)(nl - text) : len;
		rc = ws_keyfile_add(f, text + start, end - start);
		start = end + 1;
	}
	if (rc != WS_OK) {
		ws_keyfile_free(f);
		return rc;
	}
	*out = f;
	return WS_OK;
}

ws_err ws_keyfile_load(const char *path, struct ws_keyfile **out, char *why, size_t whylen)
{
	struct ws_dynbuf *buf = NULL;
	struct stat st;
	int fd = -1;
	ws_err rc;

	why[0] = '\0';
	/* As a login opens it: no symbolic link followed, no FIFO waited on. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY)) < 0) {
		if (errno == ENOENT)
			return WS_ERR_NOT_FOUND;
		if (errno == ELOOP) {
			snprintf(why, whylen, "%s is a symbolic link, which logins do not follow: "
			    "put the keys in the file itself", path);
			return WS_ERR_INVALID;
		}
		snprintf(why, whylen, "%s: cannot read: %s", path, strerror(errno));
		return WS_ERR_IO;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "%s is not a regular file: logins ignore it", path);
		rc = WS_ERR_INVALID;
		goto out;
	}
	if ((buf = ws_dynbuf_new(WS_AUTHKEYS_MAX_FILE)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	if ((rc = ws_dynbuf_add_fd(buf, fd)) != WS_OK) {
		if (rc == WS_ERR_TOO_LARGE)
			snprintf(why, whylen, "%s is larger than %zu KiB: logins refuse it whole", path,
			    WS_AUTHKEYS_MAX_FILE / 1024);
		else
			snprintf(why, whylen, "%s: cannot read: %s", path, ws_err_str(rc));
		goto out;
	}
	if ((rc = ws_keyfile_parse(ws_dynbuf_ptr(buf), ws_dynbuf_len(buf), out)) == WS_ERR_TOO_LARGE)
		snprintf(why, whylen, "%s has more than %d lines", path, WS_KEYFILE_MAX_LINES);
out:
	if (rc != WS_OK && rc != WS_ERR_NOT_FOUND && why[0] == '\0')
		snprintf(why, whylen, "%s: %s", path, ws_err_str(rc));
	close(fd);
	ws_dynbuf_free(buf);
	return rc;
}

size_t ws_keyfile_count(const struct ws_keyfile *f)
{
	return f->n;
}

const struct ws_keyent *ws_keyfile_line(const struct ws_keyfile *f, size_t i)
{
	return &f->v[i]->e;
}

long ws_keyfile_find(const struct ws_keyfile *f, const ssh_key key)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->v[i]->e.state == WS_OK && ssh_key_cmp(f->v[i]->e.key, key, SSH_KEY_CMP_PUBLIC) == 0)
			return (long)i;
	return -1;
}

ws_err ws_keyfile_append(struct ws_keyfile *f, const char *text, size_t len)
{
	return ws_keyfile_add(f, text, len);
}

void ws_keyfile_remove(struct ws_keyfile *f, size_t i)
{
	ws_kline_free(f->v[i]);
	memmove(f->v + i, f->v + i + 1, (f->n - i - 1) * sizeof(struct ws_kline *));
	f->n--;
}

/* fsync of a directory: a rename or unlink in it is on disk. */
static int ws_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc;

	if (fd < 0)
		return -1;
	rc = fsync(fd);
	close(fd);
	return rc;
}

/* Writes len bytes to fd; returns 0, or -1 with errno set. */
static int ws_write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ws_err ws_keyfile_save(const struct ws_keyfile *f, const char *dir, const char *name,
    char *why, size_t whylen)
{
	struct ws_dynbuf *buf = NULL;
	char path[4200], tmp[4200];
	size_t i;
	int fd = -1, made = 0;
	ws_err rc = WS_ERR_IO;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path) ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(tmp)) {
		snprintf(why, whylen, "the key directory's path is too long");
		return WS_ERR_TOO_LARGE;
	}
	if (f->n == 0) {
		if (unlink(path) != 0 && errno != ENOENT) {
			snprintf(why, whylen, "%s: cannot remove: %s", path, strerror(errno));
			return WS_ERR_IO;
		}
		(void)ws_sync_dir(dir); /* it is gone either way */
		return WS_OK;
	}
	if ((buf = ws_dynbuf_new(WS_AUTHKEYS_MAX_FILE)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < f->n; i++) {
		if ((rc = ws_dynbuf_add(buf, f->v[i]->e.text, f->v[i]->e.len)) != WS_OK ||
		    (rc = ws_dynbuf_add(buf, "\n", 1)) != WS_OK) {
			if (rc == WS_ERR_TOO_LARGE)
				snprintf(why, whylen, "%s would be larger than %zu KiB, which logins refuse whole",
				    path, WS_AUTHKEYS_MAX_FILE / 1024);
			goto out;
		}
	}
	rc = WS_ERR_IO;
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "cannot write in %s: %s", dir, strerror(errno));
		goto out;
	}
	made = 1;
	/* 0644 as authorized_keys: the keys are public; only root writes. */
	if (fchmod(fd, 0644) != 0 || ws_write_all(fd, ws_dynbuf_ptr(buf), ws_dynbuf_len(buf)) != 0 ||
	    fsync(fd) != 0) {
		snprintf(why, whylen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		snprintf(why, whylen, "cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0) {
		snprintf(why, whylen, "cannot replace %s: %s", path, strerror(errno));
		goto out;
	}
	made = 0;
	(void)ws_sync_dir(dir); /* the new file is in place either way */
	rc = WS_OK;
out:
	if (fd >= 0)
		close(fd);
	if (made)
		unlink(tmp);
	ws_dynbuf_free(buf);
	return rc;
}

/* mkdir -p dir, 0755 for what it makes (the keys are public). */
static int ws_mkdir_0755(const char *dir)
{
	char d[4096], c;
	size_t i = 1;

	if (snprintf(d, sizeof(d), "%s", dir) >= (int)sizeof(d)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	do {
		i += strcspn(d + i, "/");
		c = d[i];
		d[i] = '\0';
		if (mkdir(d, 0755) == 0) {
			if (chmod(d, 0755) != 0) /* whatever the umask */
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		d[i++] = c;
	} while (c != '\0');
	return 0;
}

ws_err ws_keyfile_lock_dir(const char *dir, int *lock_fd, char *why, size_t whylen)
{
	int fd;

	if (ws_mkdir_0755(dir) != 0) {
		snprintf(why, whylen, "cannot make the key directory %s: %s", dir, strerror(errno));
		return WS_ERR_IO;
	}
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "cannot open the key directory %s: %s", dir, strerror(errno));
		return WS_ERR_IO;
	}
	if (flock(fd, LOCK_EX) != 0) {
		snprintf(why, whylen, "cannot lock the key directory %s: %s", dir, strerror(errno));
		close(fd);
		return WS_ERR_IO;
	}
	*lock_fd = fd;
	return WS_OK;
}
