/* rebuild.c — ws_rebuild_run(), as named steps:
 *
 *   look      NAME's container: wsgate's, with its port and volumes
 *   stop      the old one (kept: it is the way back)
 *   make      a replacement from the image, same volumes, port and owner
 *   answer    started, its sshd must answer with its pinned key in time
 *   swap      the old one goes, the replacement takes NAME's name
 *   back      on any failure after stop: the replacement goes and the
 *             old one runs again if it ran before */
#include "rebuild.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "clock.h"
#include "config.h"
#include "log.h"

struct ws_rb {
	struct ws_engine *e;
	const struct ws_bringup *p;
	const char *name;
	struct ws_container old, repl;
	char *why;
	size_t whylen;
};

static void ws_rb_say(struct ws_rb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ws_rb_say(struct ws_rb *b, const char *fmt, ...)
{
	char line[300];
	va_list ap;

	if (b->p->progress == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	b->p->progress(b->p->progress_arg, line);
}

/* look */
static ws_err ws_rb_look(struct ws_rb *b)
{
	ws_err rc = ws_engine_inspect(b->e, b->name, WS_OBJ_CONTAINER, &b->old, b->why, b->whylen);

	if (rc != WS_OK)
		return rc;
	if (!b->old.managed) {
		snprintf(b->why, b->whylen, "container workspace-%s was not made by wsgate", b->name);
		return WS_ERR_CONFLICT;
	}
	return WS_OK;
}

/* answer: the replacement runs and its sshd lets us in, within the owner's
 * sshd_wait_timeout. */
static ws_err ws_rb_answer(struct ws_rb *b)
{
	struct ws_config *acfg = NULL;
	char detail[400];
	double start = ws_clock_now();
	int timeout_s = b->p->cfg->sshd_wait_timeout;
	ws_err rc;

	if (ws_config_for_account(b->p->cfg, b->old.owner, &acfg, detail, sizeof(detail)) == WS_OK)
		timeout_s = acfg->sshd_wait_timeout;
	ws_config_free(acfg);
	if ((rc = ws_engine_action(b->e, b->name, WS_OBJ_REMAKE, "start", detail, sizeof(detail))) != WS_OK) {
		snprintf(b->why, b->whylen, "the new container would not start: %s", detail);
		return rc;
	}
	ws_rb_say(b, "waiting for the new container's sshd");
	for (;;) {
		if ((rc = ws_engine_inspect(b->e, b->name, WS_OBJ_REMAKE, &b->repl, detail, sizeof(detail))) != WS_OK) {
			snprintf(b->why, b->whylen, "the new container went away: %s", detail);
			return rc;
		}
		if (b->repl.state != WS_CSTATE_RUNNING) {
			snprintf(b->why, b->whylen, "the new container stopped (%s, exit code %d)",
			    ws_cstate_str(b->repl.state), b->repl.exit_code);
			return WS_ERR_DOCKER;
		}
		rc = b->p->connect(b->p->connect_arg, b->repl.port, b->repl.hostkey, detail, sizeof(detail));
		if (rc == WS_OK)
			return WS_OK;
		if (rc != WS_ERR_IO) {
			snprintf(b->why, b->whylen, "the new container's sshd refused us: %s", detail);
			return rc;
		}
		if (ws_clock_now() - start > timeout_s) {
			snprintf(b->why, b->whylen, "the new container's sshd did not answer within %d s", timeout_s);
			return WS_ERR_TIMEOUT;
		}
		ws_clock_sleep_ms(200);
	}
}

/* back: the replacement goes; the old one runs again if it ran. */
static void ws_rb_back(struct ws_rb *b, int was_running, struct ws_rebuilt *out)
{
	char why[300];

	if (ws_engine_remove(b->e, b->name, WS_OBJ_REMAKE, NULL, why, sizeof(why)) != WS_OK)
		ws_warn("workspace %s: the failed replacement stays: %s", b->name, why);
	if (was_running &&
	    ws_engine_action(b->e, b->name, WS_OBJ_CONTAINER, "start", why, sizeof(why)) != WS_OK) {
		ws_error("workspace %s: its old container did not start again: %s", b->name, why);
		return;
	}
	out->rolled_back = 1;
}

ws_err ws_rebuild_run(struct ws_engine *e, const struct ws_bringup *p, const char *name,
    struct ws_rebuilt *out, char *why, size_t whylen)
{
	struct ws_rb b;
	struct ws_rebuilt r;
	char detail[512];
	int was_running;
	ws_err rc;

	memset(&b, 0, sizeof(b));
	memset(&r, 0, sizeof(r));
	b.e = e;
	b.p = p;
	b.name = name;
	b.why = why;
	b.whylen = whylen;
	if ((rc = ws_rb_look(&b)) != WS_OK)
		return rc;
	was_running = b.old.state == WS_CSTATE_RUNNING || b.old.state == WS_CSTATE_PAUSED;
	snprintf(r.old_image, sizeof(r.old_image), "%s", b.old.image);
	r.port = b.old.port;
	/* stop */
	if (was_running) {
		ws_rb_say(&b, "stopping workspace '%s' (its old container is kept until the new one answers)", name);
		if ((rc = ws_admin_stop(e, name, why, whylen)) != WS_OK)
			return rc;
	}
	/* make, answer */
	ws_rb_say(&b, "making its new container from %s", p->image != NULL ? p->image : "its image setting");
	if ((rc = ws_workspace_replacement(e, p, name, &b.old, why, whylen)) == WS_OK)
		rc = ws_rb_answer(&b);
	if (rc != WS_OK) {
		ws_rb_back(&b, was_running, &r);
		snprintf(detail, sizeof(detail), "%s", why);
		snprintf(why, whylen, "rebuilding '%s' failed: %s; %s", name, detail, r.rolled_back ?
		    (was_running ? "it runs on its old container again" : "its old container is kept") :
		    "its old container could not be started again (see the log)");
		*out = r;
		return rc;
	}
	/* swap */
	snprintf(r.new_image, sizeof(r.new_image), "%s", b.repl.image);
	if ((rc = ws_engine_remove(e, name, WS_OBJ_CONTAINER, NULL, why, whylen)) != WS_OK ||
	    (rc = ws_engine_promote(e, name, why, whylen)) != WS_OK)
		return rc;   /* the next start finishes a promote cut short (workspace.c) */
	ws_info("workspace %s rebuilt from %s (was %s), port %d", name, r.new_image, r.old_image, r.port);
	*out = r;
	return WS_OK;
}
