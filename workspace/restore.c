/* restore.c — ws_restore_run(): an archive (archive.h) made a workspace
 * again, as named steps:
 *
 *   read     the header: a wsgate backup, whose owner, image and clone
 *   check    NAME is free, or --force
 *   stage    fresh staging volumes, which nothing lists or mounts
 *   parts    each part through a helper's tar into its staging volume
 *   verify   the manifest: every part's sum, the header's, the end
 *   place    (--force: the old workspace goes now) NAME's own volumes,
 *            labelled as its owner's, filled from staging by a helper
 *   sweep    the staging volumes go, whatever happened before place
 *
 * An archive that fails anywhere up to verify leaves nothing behind. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "backup.h"
#include "clock.h"
#include "config.h"
#include "log.h"
#include "names.h"

static const char *const ws_tar_extract[] = {
	"tar", "--extract", WS_TAR_FILE, "--directory=/v", "--numeric-owner", "--same-owner",
	"--preserve-permissions", "--xattrs", "--xattrs-include=*", "--acls", NULL,
};

/* cp keeps owners, modes, times, links, holes and extended attributes. */
static const char *const ws_copy_argv[] = {
	"cp", "--archive", "--sparse=always", "/from/.", "/to/", NULL,
};

struct ws_rs {
	struct ws_engine *e;
	const struct ws_backup_io *io;
	const struct ws_restore_req *req;
	struct ws_arch_r *r;
	struct ws_restore_done d;
	const char *part;
	uint64_t part_bytes;
	double last_tick;
	int read_failed;
	int too_big;             /* past restore_max_mb */
	int dind;                /* the owner's Docker-in-Docker is on */
	char rwhy[300];          /* why the archive failed to read */
	char had_owner[33];      /* the owner of the workspace --force replaces, as checked */
	char *why;
	size_t whylen;
};

static void ws_rs_say(struct ws_rs *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ws_rs_say(struct ws_rs *s, const char *fmt, ...)
{
	char line[300];
	va_list ap;

	if (s->io->say == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	s->io->say(s->io->arg, line);
}

/* A text field of the header: printable ASCII, at most max bytes; "" if
 * absent. (Its workspace and image are printed on the administrator's
 * terminal: a byte over 0x7e may be a C1 control, 0x9b the 8-bit CSI.) */
static int ws_rs_field(struct json_object *h, const char *key, char *out, size_t max)
{
	struct json_object *v;
	const char *s;
	size_t i;

	out[0] = '\0';
	if (!json_object_object_get_ex(h, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	if (strlen(s) >= max)
		return -1;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return -1;
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

/* read: the header, and what a restore takes from it. */
static ws_err ws_rs_read(struct ws_rs *s, char *clone, size_t clonelen)
{
	struct ws_config *acfg = NULL;
	struct json_object *h = NULL;
	char why[300];
	ws_err rc;

	if ((rc = ws_arch_r_header(s->r, &h, s->rwhy, sizeof(s->rwhy))) != WS_OK) {
		/* damage gets its place; "not a wsgate backup" or "cut short"
		 * say all there is */
		snprintf(s->why, s->whylen, "the archive cannot be restored: %s%s",
		    strstr(s->rwhy, "damaged") != NULL ? "in its header, " : "", s->rwhy);
		return rc;
	}
	rc = WS_ERR_CORRUPT;
	if (ws_rs_field(h, "owner", s->d.owner, sizeof(s->d.owner)) != 0 ||
	    ws_rs_field(h, "image", s->d.image, sizeof(s->d.image)) != 0 ||
	    ws_rs_field(h, "workspace", s->d.from, sizeof(s->d.from)) != 0 ||
	    ws_rs_field(h, "clone", clone, clonelen) != 0) {
		snprintf(s->why, s->whylen, "the archive cannot be restored: its header is damaged");
		goto out;
	}
	if (s->req->owner != NULL)
		snprintf(s->d.owner, sizeof(s->d.owner), "%s", s->req->owner);
	if (ws_account_check(s->d.owner, why, sizeof(why)) == WS_OK &&
	    ws_config_for_account(s->io->cfg, s->d.owner, &acfg, why, sizeof(why)) == WS_OK)
		s->dind = strcmp(acfg->docker_in_docker, "off") != 0;
	ws_config_free(acfg);
	if (ws_account_check(s->d.owner, why, sizeof(why)) != WS_OK) {
		snprintf(s->why, s->whylen, "the archive names no valid owner ('%s'): give one with --owner ACCOUNT",
		    s->d.owner);
		rc = WS_ERR_INVALID;
		goto out;
	}
	rc = WS_OK;
out:
	json_object_put(h);
	return rc;
}

/* check: NAME is free, or to be replaced. */
static ws_err ws_rs_check(struct ws_rs *s, int *exists)
{
	struct ws_admin_info a;
	ws_err rc = ws_admin_info(s->e, s->req->name, &a, s->why, s->whylen);

	*exists = rc == WS_OK;
	if (rc == WS_ERR_NOT_FOUND)
		return WS_OK;
	if (rc != WS_OK)
		return rc;
	snprintf(s->had_owner, sizeof(s->had_owner), "%s", a.owner);
	if (!s->req->force) {
		snprintf(s->why, s->whylen, "workspace '%s' already exists: restore it under another name, or "
		    "with --force (it is replaced once the archive is checked)", s->req->name);
		return WS_ERR_CONFLICT;
	}
	return WS_OK;
}

void ws_restore_sweep(struct ws_engine *e, const char *name)
{
	static const enum ws_obj kinds[] = { WS_OBJ_STAGE_HOME, WS_OBJ_STAGE_DOCKER };
	struct ws_volume v;
	char vname[WS_OBJ_NAME_MAX], why[300];
	size_t i;

	for (i = 0; i < 2; i++) {
		ws_obj_name(kinds[i], name, vname, sizeof(vname));
		/* only ours: never a workspace's */
		if (ws_engine_volume(e, vname, &v, why, sizeof(why)) == WS_OK && !v.labelled &&
		    ws_engine_volume_remove(e, vname, NULL, why, sizeof(why)) != WS_OK)
			ws_warn("could not remove staging volume %s: %s", vname, why);
	}
}

/* 1 when a container mounts volume vname (or the engine cannot tell). */
static int ws_rs_in_use(struct ws_rs *s, const char *vname)
{
	char users[256], why[300];

	return ws_engine_volume_users(s->e, vname, users, sizeof(users), why, sizeof(why)) != WS_OK ||
	    users[0] != '\0';
}

/* stage: empty staging volumes. Another restore of NAME under way (its
 * staging volumes mounted by its helper) is not swept: it is refused. */
static ws_err ws_rs_stage(struct ws_rs *s, int *staged)
{
	static const enum ws_obj kinds[] = { WS_OBJ_STAGE_HOME, WS_OBJ_STAGE_DOCKER };
	char vname[WS_OBJ_NAME_MAX];
	struct ws_volume v;
	size_t i;
	ws_err rc;

	for (i = 0; i < 2; i++) {
		ws_obj_name(kinds[i], s->req->name, vname, sizeof(vname));
		if (ws_engine_volume(s->e, vname, &v, s->why, s->whylen) == WS_OK && ws_rs_in_use(s, vname)) {
			snprintf(s->why, s->whylen, "another restore of '%s' is under way (its staging volume %s is "
			    "in use)", s->req->name, vname);
			return WS_ERR_CONFLICT;
		}
	}
	*staged = 1;
	ws_restore_sweep(s->e, s->req->name);
	if ((rc = ws_engine_volume_create(s->e, s->req->name, WS_OBJ_STAGE_HOME, s->d.owner, NULL, s->why,
	    s->whylen)) != WS_OK)
		return rc;
	return ws_engine_volume_create(s->e, s->req->name, WS_OBJ_STAGE_DOCKER, s->d.owner, NULL, s->why,
	    s->whylen);
}

/* A helper's stdin: the part's bytes, as they are read and summed. */
static long ws_rs_in(void *arg, unsigned char *buf, size_t len)
{
	struct ws_rs *s = arg;
	double now;
	long n;

	if (s->io->stop != NULL && *s->io->stop)
		return -1;
	if ((n = ws_arch_r_read(s->r, buf, len, s->rwhy, sizeof(s->rwhy))) < 0) {
		s->read_failed = 1;
		return -1;
	}
	s->part_bytes += (uint64_t)n;
	if (s->d.bytes_in + s->part_bytes > (uint64_t)s->io->cfg->restore_max_mb * 1048576) {
		s->too_big = 1;
		return -1;
	}
	now = ws_clock_now();
	if (s->io->progress != NULL && now - s->last_tick >= 0.25) {
		s->last_tick = now;
		s->io->progress(s->io->arg, s->part, s->part_bytes, 0);
	}
	return n;
}

/* The rest of a part tar did not want (its end's padding): read and summed. */
static int ws_rs_drain(struct ws_rs *s)
{
	unsigned char buf[65536];
	long n;

	while ((n = ws_rs_in(s, buf, sizeof(buf))) > 0)
		;
	return n < 0 ? -1 : 0;
}

/* One part into its staging volume. A tar failure is told only once the
 * archive has been read to its end: a damaged archive is the likelier
 * cause, and its line is the clearer one. */
static ws_err ws_rs_part(struct ws_rs *s, const char *part, int *tar_failed, char *tar_why,
    size_t tar_whylen)
{
	char vname[WS_OBJ_NAME_MAX];
	struct ws_helper_mount m = { vname, "/v", 0 };
	struct ws_helper h;
	int docker = strcmp(part, "docker") == 0;
	ws_err rc;

	if (!docker && strcmp(part, "home") != 0) {
		snprintf(s->why, s->whylen, "the archive cannot be restored: it has an unknown part '%s'", part);
		return WS_ERR_CORRUPT;
	}
	ws_obj_name(docker ? WS_OBJ_STAGE_DOCKER : WS_OBJ_STAGE_HOME, s->req->name, vname, sizeof(vname));
	memset(&h, 0, sizeof(h));
	h.workspace = s->req->name;
	h.image = s->io->cfg->image;
	h.argv = ws_tar_extract;
	h.mounts = &m;
	h.nmounts = 1;
	/* trusted.* attributes matter only to a workspace that runs its own
	 * engine: without one, the archive's bytes meet no CAP_SYS_ADMIN. */
	h.sys_admin = docker && s->dind;
	h.purpose = "restore";
	h.in = ws_rs_in;
	h.arg = s;
	h.idle_s = WS_HELPER_IDLE_S;
	s->part = part;
	s->part_bytes = 0;
	rc = ws_engine_helper(s->e, &h, s->why, s->whylen);
	if (s->too_big) {
		snprintf(s->why, s->whylen, "the archive cannot be restored: its data passes restore_max_mb (%d MiB) "
		    "in part '%s'", s->io->cfg->restore_max_mb, part);
		return WS_ERR_TOO_LARGE;
	}
	if (s->read_failed)
		goto damaged;
	if (rc == WS_ERR_IO && s->io->stop != NULL && *s->io->stop) {
		snprintf(s->why, s->whylen, "interrupted");
		return WS_ERR_IO;
	}
	if (rc != WS_OK)
		return rc;
	if (ws_rs_drain(s) != 0)
		goto damaged;
	if (s->io->progress != NULL)
		s->io->progress(s->io->arg, part, s->part_bytes, s->part_bytes);
	if (h.exit_code != 0 && !*tar_failed) {
		*tar_failed = 1;
		h.err[strcspn(h.err, "\n")] = '\0';
		snprintf(tar_why, tar_whylen, "part '%s' could not be unpacked (tar exit %d: %.200s)", part,
		    h.exit_code, h.err[0] ? h.err : "no message");
	}
	s->d.bytes_in += s->part_bytes;
	return WS_OK;
damaged:
	/* Which part: a damaged byte is found where it is read. */
	if (strncmp(s->rwhy, "part '", 6) == 0)
		snprintf(s->why, s->whylen, "the archive cannot be restored: %s", s->rwhy);
	else
		snprintf(s->why, s->whylen, "the archive cannot be restored: in part '%s', %s", part, s->rwhy);
	return WS_ERR_CORRUPT;
}

/* parts and verify. */
static ws_err ws_rs_parts(struct ws_rs *s)
{
	struct json_object *man = NULL;
	char part[WS_ARCH_PART_MAX + 1], tar_why[400] = "";
	int tar_failed = 0, home = 0;
	ws_err rc;

	while ((rc = ws_arch_r_part(s->r, part, s->rwhy, sizeof(s->rwhy))) == WS_OK) {
		home |= strcmp(part, "home") == 0;
		if ((rc = ws_rs_part(s, part, &tar_failed, tar_why, sizeof(tar_why))) != WS_OK)
			return rc;
	}
	if (rc != WS_ERR_NOT_FOUND || ws_arch_r_finish(s->r, &man, s->rwhy, sizeof(s->rwhy)) != WS_OK) {
		/* the reader names a part or the header when it is theirs */
		snprintf(s->why, s->whylen, "the archive cannot be restored: %s%s",
		    strncmp(s->rwhy, "part '", 6) == 0 || strncmp(s->rwhy, "its header", 10) == 0 ? "" :
		    "after its parts (manifest), ", s->rwhy);
		return WS_ERR_CORRUPT;
	}
	json_object_put(man);
	if (!home) {
		snprintf(s->why, s->whylen, "the archive cannot be restored: it has no part 'home'");
		return WS_ERR_CORRUPT;
	}
	if (tar_failed) {
		snprintf(s->why, s->whylen, "the archive is whole, but %s", tar_why);
		return WS_ERR_DOCKER;
	}
	return WS_OK;
}

/* A helper copies staging volume from into NAME's volume to. */
static ws_err ws_rs_copy(struct ws_rs *s, const char *from, const char *to, int sys_admin)
{
	struct ws_helper_mount m[2] = { { from, "/from", 1 }, { to, "/to", 0 } };
	struct ws_helper h;
	ws_err rc;

	memset(&h, 0, sizeof(h));
	h.workspace = s->req->name;
	h.image = s->io->cfg->image;
	h.argv = ws_copy_argv;
	h.mounts = m;
	h.nmounts = 2;
	h.sys_admin = sys_admin;
	h.purpose = "copy";
	h.idle_s = 3600; /* a copy says nothing until it is done */
	if ((rc = ws_engine_helper(s->e, &h, s->why, s->whylen)) == WS_OK && h.exit_code != 0) {
		h.err[strcspn(h.err, "\n")] = '\0';
		snprintf(s->why, s->whylen, "copying into %s failed (cp exit %d: %.200s)", to, h.exit_code,
		    h.err[0] ? h.err : "no message");
		rc = WS_ERR_DOCKER;
	}
	return rc;
}

/* place: NAME's own volumes from the staging ones. */
static ws_err ws_rs_place(struct ws_rs *s, int exists, const char *clone)
{
	const char *name = s->req->name;
	char sh[WS_OBJ_NAME_MAX], sd[WS_OBJ_NAME_MAX], h[WS_OBJ_NAME_MAX], d[WS_OBJ_NAME_MAX];
	ws_err rc;

	struct ws_admin_info a;
	struct ws_volume v;
	const char *vol[2];
	size_t i;

	/* NAME as it was when the restore began: reading the archive may
	 * have taken hours (or as long as its sender liked), and a login or
	 * another restore may have made a workspace of that name meanwhile,
	 * whose volumes the copy below would otherwise fill. */
	rc = ws_admin_info(s->e, name, &a, s->why, s->whylen);
	if (rc == WS_OK && !exists) {
		snprintf(s->why, s->whylen, "workspace '%s' was made while the archive was read (owner %s): "
		    "nothing was restored into it", name, a.owner[0] ? a.owner : "unknown");
		return WS_ERR_CONFLICT;
	}
	if (rc != WS_OK && rc != WS_ERR_NOT_FOUND)
		return rc;
	/* --force replaces the workspace it was checked for (an owner's over
	 * SSH: its own), not another account's made since under that name. */
	if (rc == WS_OK && strcmp(a.owner, s->had_owner) != 0) {
		snprintf(s->why, s->whylen, "workspace '%s' changed hands while the archive was read (owner %s, "
		    "not %s): nothing was replaced", name, a.owner[0] ? a.owner : "unknown",
		    s->had_owner[0] ? s->had_owner : "unknown");
		return WS_ERR_CONFLICT;
	}
	ws_obj_name(WS_OBJ_HOME, name, h, sizeof(h));
	ws_obj_name(WS_OBJ_DOCKER, name, d, sizeof(d));
	vol[0] = h;
	vol[1] = d;
	/* A volume of NAME's names that is not its own stays after a delete:
	 * refused before anything goes. */
	for (i = 0; i < 2 && rc == WS_OK; i++)
		if (ws_engine_volume(s->e, vol[i], &v, s->why, s->whylen) == WS_OK &&
		    (!v.labelled || strcmp(v.workspace, name) != 0)) {
			snprintf(s->why, s->whylen, "volume %s is not one of workspace '%s': nothing was replaced",
			    vol[i], name);
			return WS_ERR_CONFLICT;
		}
	if (rc == WS_OK) {
		ws_rs_say(s, "replacing workspace '%s' with the restored one", name);
		if ((rc = ws_admin_delete(s->e, name, 0, s->why, s->whylen)) != WS_OK)
			return rc;
	}
	ws_obj_name(WS_OBJ_STAGE_HOME, name, sh, sizeof(sh));
	ws_obj_name(WS_OBJ_STAGE_DOCKER, name, sd, sizeof(sd));
	/* Fresh volumes only: the engine's create leaves an existing volume
	 * as it is, whoever's it is. */
	for (i = 0; i < 2; i++) {
		if ((rc = ws_engine_volume(s->e, vol[i], &v, s->why, s->whylen)) == WS_OK) {
			snprintf(s->why, s->whylen, "volume %s exists (%s%s): nothing was restored into it", vol[i],
			    v.labelled ? "workspace " : "not wsgate's", v.labelled ? v.workspace : "");
			return WS_ERR_CONFLICT;
		}
		if (rc != WS_ERR_NOT_FOUND)
			return rc;
	}
	if ((rc = ws_engine_volume_create(s->e, name, WS_OBJ_HOME, s->d.owner, clone, s->why,
	    s->whylen)) != WS_OK ||
	    (rc = ws_engine_volume_create(s->e, name, WS_OBJ_DOCKER, s->d.owner, NULL, s->why,
	    s->whylen)) != WS_OK)
		return rc;
	/* ...and still the restore's once made: no one else's, none mounted. */
	for (i = 0; i < 2; i++) {
		if ((rc = ws_engine_volume(s->e, vol[i], &v, s->why, s->whylen)) != WS_OK)
			return rc;
		if (!v.labelled || strcmp(v.workspace, name) != 0 || strcmp(v.owner, s->d.owner) != 0 ||
		    ws_rs_in_use(s, vol[i])) {
			snprintf(s->why, s->whylen, "volume %s was made or mounted by someone else meanwhile: "
			    "nothing was restored into it", vol[i]);
			return WS_ERR_CONFLICT;
		}
	}
	if ((rc = ws_rs_copy(s, sh, h, 0)) != WS_OK || (rc = ws_rs_copy(s, sd, d, 1)) != WS_OK) {
		char gone[200];

		/* Half-filled volumes go, so that the restore can be run again. */
		ws_engine_volume_remove(s->e, h, NULL, gone, sizeof(gone));
		ws_engine_volume_remove(s->e, d, NULL, gone, sizeof(gone));
		return rc;
	}
	return WS_OK;
}

ws_err ws_restore_run(struct ws_engine *e, const struct ws_backup_io *io,
    const struct ws_restore_req *req, ws_arch_source_fn src, void *src_arg,
    struct ws_restore_done *done, char *why, size_t whylen)
{
	struct ws_rs s;
	char clone[256];
	double start = ws_clock_now();
	int exists = 0, staged = 0;
	ws_err rc;

	memset(&s, 0, sizeof(s));
	s.e = e;
	s.io = io;
	s.req = req;
	s.why = why;
	s.whylen = whylen;
	why[0] = '\0';
	if ((s.r = ws_arch_r_new(src, src_arg)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return WS_ERR_NOMEM;
	}
	if ((rc = ws_rs_read(&s, clone, sizeof(clone))) != WS_OK || (rc = ws_rs_check(&s, &exists)) != WS_OK)
		goto out;
	if ((rc = ws_rs_stage(&s, &staged)) != WS_OK || (rc = ws_rs_parts(&s)) != WS_OK)
		goto out;
	ws_rs_say(&s, "the archive is whole (every sum matches)");
	if ((rc = ws_rs_place(&s, exists, clone)) != WS_OK) {
		char detail[400];

		snprintf(detail, sizeof(detail), "%s", why);
		if (rc == WS_ERR_CONFLICT)
			snprintf(why, whylen, "restoring '%s' stopped before placing the checked data: %s",
			    req->name, detail);
		else
			snprintf(why, whylen, "restoring '%s' failed while placing the checked data: %s (the "
			    "archive itself is good: restore it again)", req->name, detail);
		goto out;
	}
	s.d.seconds = ws_clock_now() - start;
	*done = s.d;
out:
	if (staged)
		ws_restore_sweep(e, req->name);
	ws_arch_r_free(s.r);
	return rc;
}
