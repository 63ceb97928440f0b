/* reach.c — from a proven account to a logged-in workspace session: the
 * access decision (owner label, access and create lists), then start or
 * create, then wait for the workspace's sshd. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "conn.h"
#include "docker.h"
#include "exec.h"
#include "log.h"
#include "policy.h"
#include "upstream.h"
#include "workspace.h"

void ws_tell(struct ws_conn *c, const char *fmt, ...)
{
	char line[700];
	ssh_string s;
	va_list ap;
	int n;

	n = snprintf(line, sizeof(line), "wsgate: ");
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
	n = (int)strlen(line);
	line[n] = '\n';
	line[n + 1] = '\0';
	if ((s = ssh_string_from_char(line)) != NULL) {
		ssh_send_issue_banner(c->down, s);
		ssh_string_free(s);
	}
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

/* Post-start output goes to the gateway's log. */
static void ws_post_start_line(void *arg, int i, const char *line)
{
	ws_info("post-start %d of %s: %s", i, (const char *)arg, line);
}

/* Waits for the workspace's sshd and logs in to it. */
static int ws_connect_upstream(struct ws_conn *c, struct ws_docker *d,
    const struct ws_workspace_target *t, double start, char *why, size_t whylen)
{
	const struct ws_config *cfg = c->ctx->cfg;
	struct ws_upstream_params up;
	double last_check = start;
	char detail[400];
	ws_err rc;

	memset(&up, 0, sizeof(up));
	up.address = cfg->publish_address;
	up.port = t->port;
	up.user = cfg->workspace_user;
	up.hostkey = t->hostkey;
	up.client_key = c->ctx->client_key;
	up.timeout_s = cfg->docker_timeout;
	for (;;) {
		rc = ws_upstream_connect(&up, &c->up, detail, sizeof(detail));
		if (rc == WS_OK)
			return 0;
		if (rc != WS_ERR_IO) {
			snprintf(why, whylen, "workspace '%s': %s", c->name, detail);
			return -1;
		}
		if (ws_clock_now() - start > cfg->sshd_wait_timeout) {
			snprintf(why, whylen,
			    "workspace '%s' did not answer within %d s: its sshd sent no SSH banner on port %d",
			    c->name, cfg->sshd_wait_timeout, t->port);
			return -1;
		}
		if (ws_clock_now() - last_check > 1.0) {
			last_check = ws_clock_now();
			if (ws_workspace_check_running(d, c->name, why, whylen) != WS_OK)
				return -1;
		}
		ws_clock_sleep_ms(100);
	}
}

/* Who asks for which workspace, for ws_admit(). */
struct ws_admission {
	const struct ws_config *cfg;
	const struct ws_principal *who;
	const char *name;
};

/* The access decision on what the engine holds: the owner and the access
 * list for an existing workspace (one wsgate did not make has no owner),
 * the create list for a missing one. */
static int ws_admit(void *arg, const struct ws_container *ct)
{
	const struct ws_admission *a = arg;

	if (ct == NULL)
		return ws_policy_may_create(a->cfg->create, a->who);
	return ws_policy_may_enter(a->cfg->access, a->who, a->name, ct->managed ? ct->owner : "");
}

/* Runs the account's post-start commands after a start, telling the person
 * about a failure but letting them in: the workspace itself is fine. */
static void ws_post_start(struct ws_conn *c, const struct ws_config *acfg)
{
	struct ws_docker *x = NULL;
	char why[400];

	if (acfg->post_start == NULL || acfg->post_start[0] == NULL)
		return;
	ws_tell(c, "running post-start commands");
	if ((x = ws_docker_new(acfg->docker_socket, acfg->post_start_timeout)) == NULL)
		return;
	if (ws_exec_post_start(x, c->name, acfg->workspace_user, acfg->post_start,
	    ws_post_start_line, c->name, why, sizeof(why)) != WS_OK) {
		ws_warn("workspace %s: %s", c->name, why);
		ws_tell(c, "%s (see the gateway log)", why);
	}
	ws_docker_free(x);
}

enum ws_reach ws_reach_workspace(struct ws_conn *c, char *const *groups)
{
	const struct ws_config *cfg = c->ctx->cfg;
	const struct ws_principal who = { c->account, groups };
	struct ws_admission adm = { cfg, &who, c->name };
	struct ws_workspace_params wp;
	struct ws_workspace_target t;
	struct ws_config *acfg = NULL;
	struct ws_docker *d = NULL;
	char why[600];
	double start = ws_clock_now();
	enum ws_reach ret = WS_REACH_FAILED;
	ws_err rc;

	if (ws_config_for_account(cfg, c->account, &acfg, why, sizeof(why)) != WS_OK) {
		ws_error("account %s: %s", c->account, why);
		snprintf(why, sizeof(why), "the settings of account '%s' are invalid; ask an administrator",
		    c->account);
		goto fail;
	}
	ws_workspace_params_from_config(&wp, acfg, c->ctx->client_pub, c->account);
	wp.progress = ws_reach_progress;
	wp.progress_arg = c;
	if ((d = ws_docker_new(cfg->docker_socket, cfg->docker_timeout)) == NULL) {
		snprintf(why, sizeof(why), "out of memory");
		goto fail;
	}
	/* The decision is made on what ensure finds, before it changes anything,
	 * and again if someone else creates it meanwhile. */
	wp.may_create = 1;
	wp.admit = ws_admit;
	wp.admit_arg = &adm;
	rc = ws_workspace_ensure(d, &wp, c->name, &t, why, sizeof(why));
	if (rc == WS_ERR_DENIED) {
		ret = ws_denied(c);
		goto out;
	}
	if (rc != WS_OK)
		goto unavailable;
	if (t.created || t.started)
		ws_tell(c, "waiting for the workspace's sshd");
	if (ws_connect_upstream(c, d, &t, start, why, sizeof(why)) != 0)
		goto fail;
	if (t.created || t.started) {
		ws_post_start(c, acfg);
		ws_tell(c, "workspace '%s' ready in %.1f s", c->name, ws_clock_now() - start);
	}
	ws_info("workspace %s reached on port %d in %.0f ms%s (kex %s, cipher %s)", c->name, t.port,
	    (ws_clock_now() - start) * 1000, t.created ? " (created)" : t.started ? " (started)" : "",
	    ssh_get_kex_algo(c->up) ? ssh_get_kex_algo(c->up) : "?",
	    ssh_get_cipher_out(c->up) ? ssh_get_cipher_out(c->up) : "?");
	ret = WS_REACH_OK;
	goto out;
unavailable:
	if (rc == WS_ERR_DOCKER_DOWN || rc == WS_ERR_TIMEOUT)
		snprintf(why, sizeof(why),
		    "workspace '%s' could not be started: the Docker engine is not answering at %s",
		    c->name, cfg->docker_socket);
fail:
	ws_warn("workspace %s for %s: %s", c->name, c->peer_ip, why);
	ws_tell(c, "%s", why);
out:
	ws_docker_free(d);
	ws_config_free(acfg);
	return ret;
}
