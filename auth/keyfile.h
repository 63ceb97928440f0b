/* keyfile.h — one account's file in the key directory (keys_dir/ACCOUNT,
 * authorized_keys format) as the ws command reads, edits and rewrites it:
 * line by line, each judged as a login would judge it (authkeys.h), every
 * other line kept byte for byte. */
#ifndef WSGATE_KEYFILE_H
#define WSGATE_KEYFILE_H

#include <stddef.h>

#include <libssh/libssh.h>

#include "wserr.h"

/* Most lines a file may hold (the gateway's 1 MiB cap allows short ones). */
#define WS_KEYFILE_MAX_LINES 100000
/* "SHA256:" and 43 base64 characters fit. */
#define WS_KEYFILE_FP_MAX 64

struct ws_keyfile;

/* One line of a key file, owned by it. */
struct ws_keyent {
	ws_err state;          /* WS_OK a key; WS_ERR_NOT_FOUND a blank or comment
	                        * line; WS_ERR_INVALID a line logins skip */
	const char *text;      /* the line as written, without its newline */
	size_t len;            /* its length (a NUL byte inside is kept) */
	ssh_key key;           /* WS_OK: the key */
	const char *type;      /* WS_OK: "ssh-ed25519", ... */
	const char *fp;        /* WS_OK: "SHA256:..." as ssh-keygen -l prints it */
	const char *comment;   /* WS_OK: what follows the key, "" when nothing */
	const char *why;       /* WS_ERR_INVALID: why logins skip it */
};

/* Splits text (len bytes, need not be NUL-terminated) into lines and judges
 * each. On WS_OK *out is the file (free with ws_keyfile_free()). Returns
 * WS_ERR_TOO_LARGE past WS_KEYFILE_MAX_LINES lines, WS_ERR_NOMEM. */
ws_err ws_keyfile_parse(const char *text, size_t len, struct ws_keyfile **out);

/* Reads the file at path as ws_keyfile_parse() does. WS_ERR_NOT_FOUND when
 * there is none; WS_ERR_INVALID when it is no regular file (a symbolic
 * link, which logins do not follow, a directory, a FIFO); WS_ERR_TOO_LARGE
 * past WS_AUTHKEYS_MAX_FILE (logins refuse it whole) or too many lines;
 * WS_ERR_IO. Other than WS_OK and WS_ERR_NOT_FOUND, why says what is wrong. */
ws_err ws_keyfile_load(const char *path, struct ws_keyfile **out, char *why, size_t whylen);

/* Returns a new empty file, or NULL on allocation failure. */
struct ws_keyfile *ws_keyfile_new(void);

/* Frees f and its keys; accepts NULL. */
void ws_keyfile_free(struct ws_keyfile *f);

/* Returns the number of lines of f. */
size_t ws_keyfile_count(const struct ws_keyfile *f);

/* Returns line i (below ws_keyfile_count()), owned by f: valid until f
 * changes or is freed. */
const struct ws_keyent *ws_keyfile_line(const struct ws_keyfile *f, size_t i);

/* Returns the index of the first key line of f holding key (whatever its
 * options and comment), or -1. */
long ws_keyfile_find(const struct ws_keyfile *f, const ssh_key key);

/* Appends the line text (len bytes, no newline) to f, judged as
 * ws_keyfile_parse() judges lines. WS_ERR_TOO_LARGE past
 * WS_KEYFILE_MAX_LINES, WS_ERR_NOMEM. */
ws_err ws_keyfile_append(struct ws_keyfile *f, const char *text, size_t len);

/* Removes line i (below ws_keyfile_count()) from f. */
void ws_keyfile_remove(struct ws_keyfile *f, size_t i);

/* Writes f as dir/name at once (a temporary file in dir, synced, renamed
 * over it; mode 0644), so a login reads the old file or the new one, never
 * a part. An f without lines removes the file. WS_ERR_TOO_LARGE when the
 * file would pass WS_AUTHKEYS_MAX_FILE; WS_ERR_IO. Other than WS_OK, why
 * says what is wrong and dir/name is as it was. */
ws_err ws_keyfile_save(const struct ws_keyfile *f, const char *dir, const char *name,
    char *why, size_t whylen);

/* Makes the key directory dir (and its missing parents) with mode 0755 and
 * takes an exclusive lock on it, so that two ws commands editing keys take
 * turns. On WS_OK *lock_fd is the lock (close it to let go). WS_ERR_IO with
 * why otherwise. */
ws_err ws_keyfile_lock_dir(const char *dir, int *lock_fd, char *why, size_t whylen);

#endif
