/* recsink.h — the monitor's side of session recording (docs/recording.md):
 * the recordings of one connection, written as root into record_dir from
 * what its sandboxed process sends (monproto.h: REC_*). Whether anything is
 * recorded, how much, where and under which name is decided here, from the
 * account and workspace the monitor let in; the child only says which pty
 * session a byte belongs to, within bounds checked here (a breach is the
 * child's, and ends it). A recording that cannot be written, or reaches its
 * cap, is logged once and stops; the session goes on. Internal to the
 * gateway. */
#ifndef WSGATE_RECSINK_H
#define WSGATE_RECSINK_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "wserr.h"

struct ws_recsink;

struct ws_recsink_params {
	const char *dir;              /* record_dir (made 0700 when absent) */
	size_t max_bytes;             /* each file's cap */
	const char *account, *workspace;
	long pid;                     /* the connection's process: in the names */
	int input;                    /* keystrokes may be recorded too */
};

/* Returns an empty set of recordings (p copied), or NULL when memory is
 * short. Free with ws_recsink_free(). */
/* Returns 1 when st (of record_dir) is a directory this process may keep
 * recordings in: its own and shut to others. wsgate -t asks it too. */
int ws_recsink_dir_ok(const struct stat *st);

struct ws_recsink *ws_recsink_new(const struct ws_recsink_params *p);

/* Each returns WS_OK (also when the recording is off for a reason already
 * logged: a file that could not be made, a cap reached), or WS_ERR_INVALID
 * for a message the child may not send (why: ws_recsink_breach). now is
 * the monotonic clock's (clock.h).
 *
 * open: recording id begins for a pty of cols x rows (clamped: 0 and
 * above 9999 give 80 x 24) with TERM term. id must be new and non-zero;
 * at most WS_MP_REC_OPEN_MAX at once, WS_MP_REC_FILES_MAX in all. */
ws_err ws_recsink_open(struct ws_recsink *s, uint32_t id, uint32_t cols, uint32_t rows,
    const char *term, double now);
/* kind: WS_MP_REC_OUTPUT, or WS_MP_REC_INPUT when input is recorded. */
ws_err ws_recsink_data(struct ws_recsink *s, uint32_t id, uint32_t kind, const void *data,
    size_t len, double now);
ws_err ws_recsink_resize(struct ws_recsink *s, uint32_t id, uint32_t cols, uint32_t rows,
    double now);
/* The child dropped bytes of id (its queue was full): a marker says so. */
ws_err ws_recsink_lost(struct ws_recsink *s, uint32_t id, uint64_t bytes, double now);
ws_err ws_recsink_close(struct ws_recsink *s, uint32_t id, double now);

/* Why the last WS_ERR_INVALID (static), or NULL. */
const char *ws_recsink_breach(const struct ws_recsink *s);

/* Ends every recording still open (at now) and frees s; accepts NULL. */
void ws_recsink_free(struct ws_recsink *s, double now);

#endif
