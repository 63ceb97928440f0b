/* backup.h — a workspace's data as one archive (archive.h) and back: both
 * volumes, each a tar made by a helper on the engine (engine.h), so the
 * bytes stream through this process and nothing is copied to the host's
 * disk on the way. A running workspace is paused while its volumes are
 * read (its processes and sessions freeze and go on afterwards) so that
 * the copy is of one moment. A restore goes into staging volumes first,
 * and only an archive whose every sum matches becomes a workspace. */
#ifndef WSGATE_BACKUP_H
#define WSGATE_BACKUP_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "archive.h"
#include "engine.h"
#include "wserr.h"

struct ws_config;

/* A backup's or restore's helper that moves no byte for this long is
 * stuck (seconds). */
#define WS_HELPER_IDLE_S 120

/* tar's archive, for the helpers: their data pipe. */
#define WS_TAR_FILE ("--file=" WS_HELPER_DATA)

/* What a backup or restore is told and tells. */
struct ws_backup_io {
	const struct ws_config *cfg;   /* the helper's image is cfg's image setting */
	/* A line for the person ("pausing workspace 'x'..."); NULL: none. */
	void (*say)(void *arg, const char *line);
	/* Bytes moved so far of the part named, of about total (0: unknown);
	 * done == total once the part is done. */
	void (*progress)(void *arg, const char *part, uint64_t done, uint64_t total);
	int estimate;                  /* backup: ask the engine each volume's size first,
	                                  for progress's total (it measures every volume) */
	void *arg;
	volatile sig_atomic_t *stop;   /* set (by a signal): end cleanly; may be NULL */
};

/* What a backup wrote. */
struct ws_backup_done {
	uint64_t bytes_in;             /* tar bytes of all parts */
	uint64_t bytes_out;            /* compressed bytes written */
	double paused_s;               /* how long the workspace was paused (0: was not) */
	double seconds;
};

/* Backs up workspace NAME to sink: its volumes, and a header of what it is
 * (owner, image, clone, labels). WS_ERR_NOT_FOUND when there is no such
 * workspace; WS_ERR_IO when the sink stopped or io->stop was set; others
 * with one line in why. A workspace paused here is unpaused before this
 * returns, whatever happened. */
ws_err ws_backup_run(struct ws_engine *e, const struct ws_backup_io *io, const char *name,
    ws_arch_sink_fn sink, void *sink_arg, struct ws_backup_done *done, char *why, size_t whylen);

/* What a restore is asked for. */
struct ws_restore_req {
	const char *name;              /* the workspace to make (any name) */
	const char *owner;             /* its owner; NULL: the archive's */
	int force;                     /* an existing NAME is replaced, once the new one is whole */
};

/* What a restore read. */
struct ws_restore_done {
	char owner[33];
	char image[256];               /* the image the archive was made from */
	char from[64];                 /* the workspace the archive was made of */
	uint64_t bytes_in;             /* tar bytes of all parts */
	double seconds;
};

/* Restores an archive from src as workspace r->name, leaving it with its
 * volumes filled and labelled as its owner's and no container (the caller
 * starts it: its next start makes one, with a port of its own).
 * WS_ERR_CONFLICT when NAME exists and not r->force; WS_ERR_CORRUPT with
 * one line in why naming what failed (nothing is left behind); others with
 * why. */
ws_err ws_restore_run(struct ws_engine *e, const struct ws_backup_io *io,
    const struct ws_restore_req *r, ws_arch_source_fn src, void *src_arg,
    struct ws_restore_done *done, char *why, size_t whylen);

/* Removes NAME's staging volumes (a restore's, left by a crash). */
void ws_restore_sweep(struct ws_engine *e, const char *name);

#endif
