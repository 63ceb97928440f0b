#include "recsink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cast.h"
#include "log.h"
#include "mkdirs.h"
#include "monproto.h"

struct ws_rec_slot {
	uint32_t id;                  /* 0: free */
	struct ws_cast *cast;         /* NULL once it stopped (or never began) */
	double start;
	char name[WS_CAST_NAME_MAX];
};

struct ws_recsink {
	char dir[4096];
	size_t max_bytes;
	char account[64], workspace[64];
	long pid;
	int input;
	unsigned files;               /* recordings begun */
	const char *breach;
	struct ws_rec_slot slot[WS_MP_REC_OPEN_MAX];
};

struct ws_recsink *ws_recsink_new(const struct ws_recsink_params *p)
{
	struct ws_recsink *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	snprintf(s->dir, sizeof(s->dir), "%s", p->dir);
	snprintf(s->account, sizeof(s->account), "%s", p->account);
	snprintf(s->workspace, sizeof(s->workspace), "%s", p->workspace);
	s->max_bytes = p->max_bytes;
	s->pid = p->pid;
	s->input = p->input;
	return s;
}

const char *ws_recsink_breach(const struct ws_recsink *s)
{
	return s->breach;
}

static ws_err ws_breach(struct ws_recsink *s, const char *why)
{
	s->breach = why;
	return WS_ERR_INVALID;
}

static struct ws_rec_slot *ws_slot(struct ws_recsink *s, uint32_t id)
{
	size_t i;

	for (i = 0; id != 0 && i < WS_MP_REC_OPEN_MAX; i++)
		if (s->slot[i].id == id)
			return &s->slot[i];
	return NULL;
}

int ws_recsink_dir_ok(const struct stat *st)
{
	return S_ISDIR(st->st_mode) && st->st_uid == geteuid() && (st->st_mode & 022) == 0;
}

/* record_dir, made when absent; it must be this process's and shut to
 * others (a directory others may write to could be made to hold anything
 * under a recording's name). Returns its descriptor, or -1 (logged). */
static int ws_recsink_dir(const struct ws_recsink *s)
{
	char probe[4200];
	struct stat st;
	int fd;

	memset(&st, 0, sizeof(st));
	snprintf(probe, sizeof(probe), "%s/.", s->dir);
	if (ws_mkdir_parents(probe) != WS_OK ||
	    (fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		ws_error("cannot make or open record_dir %s: %s; pty sessions of %s@%s are not "
		    "recorded", s->dir, strerror(errno), s->account, s->workspace);
		return -1;
	}
	if (fstat(fd, &st) != 0 || !ws_recsink_dir_ok(&st)) {
		ws_error("record_dir %s is not root's or others may write to it (mode %04o): "
		    "chown root and chmod 700 it; pty sessions of %s@%s are not recorded", s->dir,
		    (unsigned)(st.st_mode & 07777), s->account, s->workspace);
		close(fd);
		return -1;
	}
	return fd;
}

static uint32_t ws_clamp(uint32_t v, uint32_t def)
{
	return v == 0 || v > 9999 ? def : v;
}

ws_err ws_recsink_open(struct ws_recsink *s, uint32_t id, uint32_t cols, uint32_t rows,
    const char *term, double now)
{
	struct ws_rec_slot *free_slot = NULL;
	struct ws_cast_info info;
	int dirfd;
	size_t i;
	ws_err rc;

	if (id == 0 || ws_slot(s, id) != NULL)
		return ws_breach(s, "a recording begun twice");
	for (i = 0; i < WS_MP_REC_OPEN_MAX && free_slot == NULL; i++)
		if (s->slot[i].id == 0)
			free_slot = &s->slot[i];
	if (free_slot == NULL || s->files >= WS_MP_REC_FILES_MAX)
		return ws_breach(s, "more recordings than a connection may have");
	s->files++;
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->id = id;
	free_slot->start = now;
	memset(&info, 0, sizeof(info));
	info.account = s->account;
	info.workspace = s->workspace;
	info.pid = s->pid;
	info.seq = s->files;
	info.started = time(NULL);
	info.width = (int)ws_clamp(cols, 80);
	info.height = (int)ws_clamp(rows, 24);
	info.term = term;
	info.max_bytes = s->max_bytes;
	if ((dirfd = ws_recsink_dir(s)) < 0)
		return WS_OK;
	rc = ws_cast_open(dirfd, &info, &free_slot->cast, free_slot->name,
	    sizeof(free_slot->name));
	close(dirfd);
	if (rc != WS_OK) {
		ws_error("cannot make a recording of %s@%s in %s: %s%s%s; this pty session is not "
		    "recorded", s->account, s->workspace, s->dir, ws_err_str(rc),
		    rc == WS_ERR_IO ? ": " : "", rc == WS_ERR_IO ? strerror(errno) : "");
		free_slot->cast = NULL;
		return WS_OK;
	}
	ws_info("recording a pty session of %s@%s (%ux%u) to %s/%s", s->account, s->workspace,
	    (unsigned)info.width, (unsigned)info.height, s->dir, free_slot->name);
	return WS_OK;
}

/* What a write into slot returned: the cap or a failure is logged once and
 * the recording stops. */
static void ws_recsink_result(struct ws_recsink *s, struct ws_rec_slot *slot, ws_err rc,
    double now)
{
	if (rc == WS_OK || slot->cast == NULL)
		return;
	if (rc == WS_ERR_TOO_LARGE)
		ws_warn("recording of %s@%s reached record_max_mb (%zu MiB); the rest of the session "
		    "is not recorded (%s)", s->account, s->workspace, s->max_bytes >> 20, slot->name);
	else
		ws_error("recording of %s@%s: cannot write %s/%s: %s; the rest of the session is "
		    "not recorded", s->account, s->workspace, s->dir, slot->name, strerror(errno));
	(void)ws_cast_close(slot->cast, now - slot->start);
	slot->cast = NULL;
}

ws_err ws_recsink_data(struct ws_recsink *s, uint32_t id, uint32_t kind, const void *data,
    size_t len, double now)
{
	struct ws_rec_slot *slot = ws_slot(s, id);

	if (slot == NULL)
		return ws_breach(s, "data for a recording not begun");
	if (kind != WS_MP_REC_OUTPUT && (kind != WS_MP_REC_INPUT || !s->input))
		return ws_breach(s, "recorded input for a session whose input is not recorded");
	if (len > WS_MP_REC_DATA_MAX)
		return ws_breach(s, "a recording's data too long");
	if (slot->cast != NULL && len > 0)
		ws_recsink_result(s, slot, ws_cast_data(slot->cast, now - slot->start,
		    kind == WS_MP_REC_INPUT ? 'i' : 'o', data, len), now);
	return WS_OK;
}

ws_err ws_recsink_resize(struct ws_recsink *s, uint32_t id, uint32_t cols, uint32_t rows,
    double now)
{
	struct ws_rec_slot *slot = ws_slot(s, id);

	if (slot == NULL)
		return ws_breach(s, "a resize for a recording not begun");
	if (slot->cast != NULL)
		ws_recsink_result(s, slot, ws_cast_resize(slot->cast, now - slot->start,
		    (int)ws_clamp(cols, 80), (int)ws_clamp(rows, 24)), now);
	return WS_OK;
}

ws_err ws_recsink_lost(struct ws_recsink *s, uint32_t id, uint64_t bytes, double now)
{
	struct ws_rec_slot *slot = ws_slot(s, id);
	char text[160];

	if (slot == NULL)
		return ws_breach(s, "a loss for a recording not begun");
	snprintf(text, sizeof(text), "wsgate: %llu bytes of the session not recorded here (the "
	    "gateway could not keep up)", (unsigned long long)bytes);
	if (slot->cast != NULL)
		ws_recsink_result(s, slot, ws_cast_marker(slot->cast, now - slot->start, text), now);
	return WS_OK;
}

/* Ends slot's recording and frees the slot. */
static void ws_recsink_end(struct ws_recsink *s, struct ws_rec_slot *slot, double now)
{
	if (slot->cast != NULL) {
		size_t size = ws_cast_size(slot->cast);
		if (ws_cast_close(slot->cast, now - slot->start) != WS_OK)
			ws_error("recording of %s@%s: cannot write %s/%s: %s", s->account, s->workspace,
			    s->dir, slot->name, strerror(errno));
		else
			ws_info("recording %s/%s ended (%zu bytes)", s->dir, slot->name, size);
	}
	memset(slot, 0, sizeof(*slot));
}

ws_err ws_recsink_close(struct ws_recsink *s, uint32_t id, double now)
{
	struct ws_rec_slot *slot = ws_slot(s, id);

	if (slot == NULL)
		return ws_breach(s, "the end of a recording not begun");
	ws_recsink_end(s, slot, now);
	return WS_OK;
}

void ws_recsink_free(struct ws_recsink *s, double now)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < WS_MP_REC_OPEN_MAX; i++)
		if (s->slot[i].id != 0)
			ws_recsink_end(s, &s->slot[i], now);
	free(s);
}
