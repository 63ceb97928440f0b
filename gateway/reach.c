/* reach.c — from a proven account to a logged-in workspace session, in the
 * monitor: the access decision (the owner the engine records, the access
 * and create lists) and the workspace's bring-up, told to the person as it
 * goes; the child makes the workspace connection itself (ws_mon_try). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "conn.h"
#include "config.h"
#include "log.h"
#include "metrics_report.h"
#include "mon_int.h"
#include "policy.h"
#include "userca.h"
#include "workspace.h"

void ws_tell(struct ws_conn *c, const char *fmt, ...)
{
	char line[700];
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "wsgate: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	n = (int)strlen(line);
	line[n] = '\n';
	line[n + 1] = '\0';
	ws_mon_tell(c->mon, line);
}

/* The one answer for "may not enter" and "may not create": it must not tell
 * whether the workspace exists. */
static enum ws_reach ws_denied(struct ws_conn *c)
{
	ws_info("account %s may not enter workspace %s (from %s)", c->account, c->name, c->peer_ip);
	if (!c->told_denied)
		ws_tell(c, "permission denied: account '%s' may not enter workspace '%s'",
		    c->account, c->name);
	c->told_denied = 1;
	return WS_REACH_DENIED;
}

/* Progress lines go to the client as banners: on stderr, never in a data
 * stream (scp, sftp and rsync stay clean; ssh -q hides them). */
static void ws_reach_progress(void *arg, const char *line)
{
	ws_tell(arg, "%s", line);
}

/* Clone and post-start output goes to the gateway's log. */
static void ws_reach_output(void *arg, int i, const char *line)
{
	if (i == 0)
		ws_info("clone of %s: %s", (const char *)arg, line);
	else
		ws_info("post-start %d of %s: %s", i, (const char *)arg, line);
}

/* Has the child log in to the workspace's sshd with a certificate for it;
 * the child keeps the session. */
static ws_err ws_reach_connect(void *arg, int port, const char *hostkey, char *why, size_t whylen)
{
	struct ws_conn *c = arg;
	char key_id[WS_USERCA_KEYID_MAX];

	/* The workspace's sshd logs it: who came through the gateway. */
	snprintf(key_id, sizeof(key_id), "wsgate account=%s src=%s:%d", c->account, c->peer_ip,
	    c->peer_port);
	return ws_mon_try(c->mon, port, hostkey, key_id, why, whylen);
}

/* A bring-up phase ended: its time, and a create's or start's result. */
static void ws_reach_phase(void *arg, enum ws_phase ph, double seconds, int ok)
{
	struct ws_mitem it[2] = { { WS_MR_OBSERVE, WS_M_BRINGUP_SECONDS, (uint16_t)ph, 0,
		seconds > 0 ? (uint64_t)(seconds * 1e6) : 0 } };
	int n = 1;

	(void)arg;
	if (ph == WS_PHASE_CREATE || ph == WS_PHASE_START)
		it[n++] = (struct ws_mitem){ WS_MR_ADD,
			ph == WS_PHASE_CREATE ? WS_M_WORKSPACE_CREATES : WS_M_WORKSPACE_STARTS,
			ok ? WS_MRES_OK : WS_MRES_FAILED, 0, 1 };
	ws_msend(it, n);
}

/* Who asks for which workspace, for ws_admit(). */
struct ws_admission {
	const struct ws_config *cfg;
	const struct ws_principal *who;
	const char *name;
};

/* The access decision on what the engine holds: the owner and the access
 * list for an existing workspace (or orphan), the create list for a new one. */
static int ws_admit(void *arg, const char *owner)
{
	const struct ws_admission *a = arg;

	if (owner == NULL)
		return ws_policy_may_create(a->cfg->create, a->who);
	return ws_policy_may_enter(a->cfg->access, a->who, a->name, owner);
}

enum ws_reach ws_reach_workspace(struct ws_conn *c, char *const *groups)
{
	const struct ws_config *cfg = c->ctx->cfg;
	const struct ws_principal who = { c->account, groups };
	struct ws_admission adm = { cfg, &who, c->name };
	struct ws_bringup b;
	struct ws_brought t;
	char why[600];
	double start = ws_clock_now();
	ws_err rc;

	/* The decision is made on what the engine holds, before anything is
	 * changed, and again if someone else creates it meanwhile. */
	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.user_ca = c->ctx->user_ca;
	b.ca_id = c->ctx->ca_fp;
	b.entrant = c->account;
	b.may_create = 1;
	b.admit = ws_admit;
	b.admit_arg = &adm;
	b.progress = ws_reach_progress;
	b.progress_arg = c;
	b.output = ws_reach_output;
	b.output_arg = c->name;
	b.connect = ws_reach_connect;
	b.connect_arg = c;
	b.phase = ws_reach_phase;
	ws_msend_state(WS_MS_BRINGING_UP);
	rc = ws_workspace_bring_up(&b, c->name, &t, why, sizeof(why));
	/* Until the monitor takes it as logged in (bridging), it is still
	 * bringing up; otherwise back to authenticating. */
	if (rc != WS_OK)
		ws_msend_state(WS_MS_AUTHENTICATING);
	if (rc == WS_ERR_DENIED)
		return ws_denied(c);
	if (rc != WS_OK) {
		ws_warn("workspace %s for %s: %s", c->name, c->peer_ip, why);
		ws_tell(c, "%s", why);
		return WS_REACH_FAILED;
	}
	/* A clone or post-start that failed: told, but the workspace is fine. */
	if (t.note[0] != '\0')
		ws_tell(c, "%s (see the gateway log)", t.note);
	ws_info("workspace %s reached on port %d in %.0f ms%s (kex %s, cipher %s)", c->name, t.port,
	    (ws_clock_now() - start) * 1000, t.created ? " (created)" : t.started ? " (started)" : "",
	    c->kex[0] ? c->kex : "?", c->cipher[0] ? c->cipher : "?");
	return WS_REACH_OK;
}
