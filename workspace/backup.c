/* backup.c — ws_backup_run(): a workspace's two volumes, each read by a tar
 * helper on the engine, into one archive, as named steps:
 *
 *   look     the workspace as it is (ws_admin_info): volumes, owner, state
 *   header   what it is, for the manifest and a restore
 *   pause    a running workspace, so that both volumes are of one moment
 *   parts    each volume through a helper's tar into the archive
 *   resume   unpause (always, once paused)
 *   finish   the manifest: sums, sizes, how long it was paused */
#include "backup.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "version.h"

/* zstd level 1 with two workers: the archive keeps up with the helper's
 * tar on two cores (bench/backup.sh). */
#define WS_BACKUP_LEVEL 1
#define WS_BACKUP_WORKERS 2
/* GNU tar as both helpers run it: owners by number, every extended
 * attribute (the docker volume's overlay layers carry trusted.* ones),
 * ACLs, holes, and nothing from another filesystem. */
static const char *const ws_tar_create[] = {
	"tar", "--create", WS_TAR_FILE, "--directory=/v", "--numeric-owner", "--xattrs",
	"--xattrs-include=*", "--acls", "--sparse", "--one-file-system", ".", NULL,
};

struct ws_bk {
	struct ws_engine *e;
	const struct ws_backup_io *io;
	const char *name;
	struct ws_admin_info a;
	struct ws_arch_w *w;
	struct ws_du *du;        /* the volumes' sizes, for progress (NULL: unknown) */
	const char *part;
	uint64_t part_bytes, total;
	double paused_at, last_tick;
	int paused;
	char *why;
	size_t whylen;
};

static void ws_bk_say(struct ws_bk *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ws_bk_say(struct ws_bk *b, const char *fmt, ...)
{
	char line[300];
	va_list ap;

	if (b->io->say == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	b->io->say(b->io->arg, line);
}

/* A helper's stdout: into the archive. */
static int ws_bk_out(void *arg, const unsigned char *buf, size_t len)
{
	struct ws_bk *b = arg;
	double now;

	if (b->io->stop != NULL && *b->io->stop)
		return -1;
	if (ws_arch_w_data(b->w, buf, len) != WS_OK)
		return -1;
	b->part_bytes += len;
	now = ws_clock_now();
	if (b->io->progress != NULL && now - b->last_tick >= 0.25) {
		b->last_tick = now;
		b->io->progress(b->io->arg, b->part, b->part_bytes, b->total > b->part_bytes ? b->total :
		    b->part_bytes + 1);
	}
	return 0;
}

/* header: what the archive is of. */
static struct json_object *ws_bk_header(const struct ws_bk *b)
{
	struct json_object *h = json_object_new_object(), *labels = json_object_new_object();
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	if (h == NULL || labels == NULL) {
		json_object_put(h);
		json_object_put(labels);
		return NULL;
	}
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(h, "workspace", json_object_new_string(b->name));
	json_object_object_add(h, "owner", json_object_new_string(b->a.owner));
	json_object_object_add(h, "image", json_object_new_string(b->a.orphan ? "" : b->a.c.image));
	json_object_object_add(h, "image_id", json_object_new_string(b->a.orphan ? "" : b->a.c.image_id));
	json_object_object_add(h, "clone", json_object_new_string(b->a.c.clone));
	json_object_object_add(h, "state", json_object_new_string(b->a.orphan ? "orphaned" :
	    ws_cstate_str(b->a.c.state)));
	json_object_object_add(h, "created", json_object_new_string(when));
	json_object_object_add(h, "wsgate", json_object_new_string(WS_VERSION));
	if (!b->a.orphan) {
		char port[8];

		snprintf(port, sizeof(port), "%d", b->a.c.port);
		json_object_object_add(labels, WS_LABEL_WORKSPACE, json_object_new_string(b->name));
		json_object_object_add(labels, WS_LABEL_OWNER, json_object_new_string(b->a.c.owner));
		json_object_object_add(labels, WS_LABEL_PORT, json_object_new_string(port));
		json_object_object_add(labels, WS_LABEL_CA, json_object_new_string(b->a.c.ca));
		if (b->a.c.clone[0] != '\0')
			json_object_object_add(labels, WS_LABEL_CLONE, json_object_new_string(b->a.c.clone));
	}
	json_object_object_add(h, "labels", labels);
	return h;
}

/* pause: a running workspace, for a copy of one moment. */
static ws_err ws_bk_pause(struct ws_bk *b)
{
	ws_err rc;

	if (b->a.orphan || b->a.c.state != WS_CSTATE_RUNNING)
		return WS_OK;
	ws_bk_say(b, "pausing workspace '%s' for a consistent copy (its sessions wait meanwhile)", b->name);
	rc = ws_engine_action(b->e, b->name, WS_OBJ_CONTAINER, "pause", b->why, b->whylen);
	if (rc == WS_OK) {
		b->paused = 1;
		b->paused_at = ws_clock_now();
	}
	return rc;
}

/* resume: once paused, always. */
static void ws_bk_resume(struct ws_bk *b, struct ws_backup_done *d)
{
	char why[300];

	if (!b->paused)
		return;
	if (ws_engine_action(b->e, b->name, WS_OBJ_CONTAINER, "unpause", why, sizeof(why)) != WS_OK)
		ws_error("workspace %s stays paused: %s (its next login unpauses it)", b->name, why);
	d->paused_s = ws_clock_now() - b->paused_at;
	ws_bk_say(b, "workspace '%s' was paused for %.1f s", b->name, d->paused_s);
	b->paused = 0;
}

/* One volume through a helper's tar into part. */
/* About how many bytes volume holds, for progress (0: unknown). */
static uint64_t ws_bk_estimate(struct ws_bk *b, const char *volume)
{
	int64_t n = ws_du_bytes(b->du, 1, volume);

	return n > 0 ? (uint64_t)n : 0;
}

static ws_err ws_bk_part(struct ws_bk *b, const char *part, const char *volume, int sys_admin,
    struct ws_backup_done *d)
{
	struct ws_helper_mount m = { volume, "/v", 1 };
	struct ws_helper h;
	ws_err rc;

	memset(&h, 0, sizeof(h));
	h.workspace = b->name;
	h.image = b->io->cfg->image;
	h.argv = ws_tar_create;
	h.mounts = &m;
	h.nmounts = 1;
	h.sys_admin = sys_admin;
	h.purpose = "backup";
	h.out = ws_bk_out;
	h.arg = b;
	h.idle_s = WS_HELPER_IDLE_S;
	b->part = part;
	b->part_bytes = 0;
	b->total = ws_bk_estimate(b, volume);
	if ((rc = ws_arch_w_part(b->w, part)) != WS_OK)
		return rc;
	rc = ws_engine_helper(b->e, &h, b->why, b->whylen);
	if (rc == WS_ERR_IO && b->io->stop != NULL && *b->io->stop)
		snprintf(b->why, b->whylen, "interrupted");
	else if (rc == WS_ERR_IO)
		snprintf(b->why, b->whylen, "the archive could not be written");
	if (rc == WS_OK && h.exit_code != 0) {
		h.err[strcspn(h.err, "\n")] = '\0';
		snprintf(b->why, b->whylen, "reading volume %s failed (tar exit %d: %.200s)", volume,
		    h.exit_code, h.err[0] ? h.err : "no message");
		rc = WS_ERR_DOCKER;
	}
	if (rc == WS_OK)
		rc = ws_arch_w_part_end(b->w, NULL);
	if (b->io->progress != NULL)
		b->io->progress(b->io->arg, part, b->part_bytes, b->part_bytes);
	d->bytes_in += b->part_bytes;
	return rc;
}

/* finish: the manifest, with what a person wants to know of it. */
static ws_err ws_bk_finish(struct ws_bk *b, const uint64_t *sizes, struct ws_backup_done *d)
{
	struct json_object *x = json_object_new_object(), *s = json_object_new_object();
	ws_err rc = WS_ERR_NOMEM;

	if (x != NULL && s != NULL) {
		json_object_object_add(s, "home", json_object_new_int64((int64_t)sizes[0]));
		json_object_object_add(s, "docker", json_object_new_int64((int64_t)sizes[1]));
		json_object_object_add(x, "tar_bytes", s);
		s = NULL;
		json_object_object_add(x, "paused_seconds", json_object_new_double(d->paused_s));
		json_object_object_add(x, "home_volume", json_object_new_string(b->a.home_volume));
		json_object_object_add(x, "docker_volume", json_object_new_string(b->a.docker_volume));
		rc = ws_arch_w_finish(b->w, x);
	}
	json_object_put(s);
	json_object_put(x);
	return rc;
}

ws_err ws_backup_run(struct ws_engine *e, const struct ws_backup_io *io, const char *name,
    ws_arch_sink_fn sink, void *sink_arg, struct ws_backup_done *done, char *why, size_t whylen)
{
	struct ws_bk b;
	struct ws_backup_done d;
	struct json_object *hdr = NULL;
	uint64_t sizes[2] = { 0, 0 };
	double start = ws_clock_now();
	ws_err rc;

	memset(&b, 0, sizeof(b));
	memset(&d, 0, sizeof(d));
	b.e = e;
	b.io = io;
	b.name = name;
	b.why = why;
	b.whylen = whylen;
	why[0] = '\0';
	/* look */
	if ((rc = ws_admin_info(e, name, &b.a, why, whylen)) != WS_OK)
		return rc;
	if (b.a.home_volume[0] == '\0') {
		snprintf(why, whylen, "workspace '%s' has no home volume to back up", name);
		return WS_ERR_NOT_FOUND;
	}
	if (io->estimate && ws_engine_disk(e, &b.du, why, whylen) != WS_OK)
		why[0] = '\0';   /* progress without a total */
	if ((b.w = ws_arch_w_new(sink, sink_arg, WS_BACKUP_LEVEL, WS_BACKUP_WORKERS)) == NULL ||
	    (hdr = ws_bk_header(&b)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	/* header, pause, parts */
	if ((rc = ws_arch_w_header(b.w, hdr)) != WS_OK) {
		snprintf(why, whylen, "the archive could not be written");
		goto out;
	}
	if ((rc = ws_bk_pause(&b)) != WS_OK)
		goto out;
	rc = ws_bk_part(&b, "home", b.a.home_volume, 0, &d);
	sizes[0] = b.part_bytes;
	if (rc == WS_OK && b.a.docker_volume[0] != '\0') {
		rc = ws_bk_part(&b, "docker", b.a.docker_volume, 1, &d);
		sizes[1] = b.part_bytes;
	}
	/* resume, finish */
	ws_bk_resume(&b, &d);
	if (rc == WS_OK && (rc = ws_bk_finish(&b, sizes, &d)) != WS_OK)
		snprintf(why, whylen, "the archive could not be written");
	if (rc == WS_OK) {
		d.bytes_out = ws_arch_w_written(b.w);
		d.seconds = ws_clock_now() - start;
		*done = d;
	}
out:
	ws_bk_resume(&b, &d);
	if (rc == WS_ERR_NOMEM && why[0] == '\0')
		snprintf(why, whylen, "out of memory");
	json_object_put(hdr);
	ws_arch_w_free(b.w);
	ws_du_free(b.du);
	return rc;
}
