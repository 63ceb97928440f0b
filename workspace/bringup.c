/* bringup.c — ws_workspace_bring_up(): the one way a workspace comes up, for
 * the gateway and for ws alike, in the order it was designed to:
 *
 *   container  ws_workspace_ensure: made (volumes, owner, credentials) or
 *              started, on checked volumes, with the owner's settings
 *   sshd       answers on its port with the pinned host key and lets the
 *              gateway's certificate in (the caller's connect); a running
 *              one made for another CA is told to trust this one
 *   clone      the repository into ~/repo, awaited, once (a failure is told
 *              and retried at the next start)
 *   post-start the owner's commands, after the clone
 *
 * The last three run only when this bring-up created or started it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "log.h"
#include "names.h"
#include "userca.h"
#include "workspace.h"

static void ws_say(const struct ws_bringup *p, const char *line)
{
	if (p->progress != NULL)
		p->progress(p->progress_arg, line);
}

/* The line for a workspace that stopped while we waited for it. */
static ws_err ws_still_running(struct ws_engine *e, const char *name, char *why, size_t whylen)
{
	struct ws_container c;
	ws_err rc = ws_engine_inspect(e, name, WS_OBJ_CONTAINER, &c, why, whylen);

	if (rc == WS_ERR_NOT_FOUND) {
		snprintf(why, whylen, "workspace '%s' was removed while starting", name);
		return rc;
	}
	if (rc != WS_OK || c.state == WS_CSTATE_RUNNING || c.state == WS_CSTATE_RESTARTING)
		return rc;
	if (c.error[0] != '\0')
		snprintf(why, whylen, "workspace '%s' could not be started: %s", name, c.error);
	else
		snprintf(why, whylen,
		    "workspace '%s' could not be started: it is %s (exit code %d); see docker logs workspace-%s",
		    name, ws_cstate_str(c.state), c.exit_code, name);
	return WS_ERR_DOCKER;
}

static void ws_trust_line(void *arg, int i, const char *line)
{
	(void)i;
	ws_debug("workspace %s, trusting the CA: %s", (const char *)arg, line);
}

/* A running workspace made before the gateway's user CA (or for another
 * CA) refuses its certificates: its sshd is told to trust the CA, for its
 * own principal, and reloaded (sessions in progress go on); its next start
 * makes its container anew (workspace.c). Returns WS_OK when told. */
static ws_err ws_trust_ca(struct ws_engine *e, const struct ws_bringup *p, const char *name)
{
	char cmd[1024], why[300], principal[WS_USERCA_PRINCIPAL_MAX + 1];
	int code = -1;
	ws_err rc;

	ws_userca_principal(name, principal, sizeof(principal));
	/* The CA line is "ssh-ed25519 BASE64" and a name [a-z0-9-]: no quoting
	 * to escape. An Include of sshd_config.d comes first in wsgate's
	 * sshd_config (every image of it), and sshd takes the first value. */
	snprintf(cmd, sizeof(cmd),
	    "set -e; umask 022; printf '%%s\\n' '%s' > /etc/ssh/wsgate_user_ca.pub; "
	    "printf '%%s\\n' '%s' > /etc/ssh/wsgate_principals; mkdir -p /etc/ssh/sshd_config.d; "
	    "printf 'TrustedUserCAKeys /etc/ssh/wsgate_user_ca.pub\\nAuthorizedPrincipalsFile /etc/ssh/wsgate_principals\\n' "
	    "> /etc/ssh/sshd_config.d/00-wsgate-ca.conf; pkill -HUP -o -x sshd",
	    p->user_ca, principal);
	rc = ws_engine_exec(e, name, "root", cmd, 0, ws_trust_line, (void *)name, &code, why,
	    sizeof(why));
	if (rc != WS_OK || code != 0) {
		ws_warn("workspace %s: cannot make its sshd trust the certificate authority (%s)", name,
		    rc != WS_OK ? why : "the command failed");
		return rc != WS_OK ? rc : WS_ERR_DOCKER;
	}
	ws_warn("workspace %s was made for another certificate authority (or before wsgate had one): "
	    "its sshd now trusts this one; its next start makes its container anew", name);
	return WS_OK;
}

/* sshd: logs in until it answers, the workspace stops, or time is up. */
static ws_err ws_wait_sshd(struct ws_engine *e, const struct ws_bringup *p, const char *name,
    const struct ws_brought *t, int timeout_s, double start, char *why, size_t whylen)
{
	double last_check = ws_clock_now();
	char detail[400];
	int trusted = 0;
	ws_err rc;

	for (;;) {
		rc = p->connect(p->connect_arg, t->port, t->hostkey, detail, sizeof(detail));
		if (rc == WS_OK)
			return WS_OK;
		if (rc == WS_ERR_DENIED && !trusted && !t->created && p->ca_id != NULL &&
		    strcmp(t->ca, p->ca_id) != 0) {
			trusted = 1;
			if (ws_trust_ca(e, p, name) == WS_OK) {
				ws_clock_sleep_ms(200); /* sshd re-executes itself */
				continue;
			}
		}
		if (rc != WS_ERR_IO) {
			snprintf(why, whylen, "workspace '%s': %s", name, detail);
			return rc;
		}
		if (ws_clock_now() - start > timeout_s) {
			snprintf(why, whylen,
			    "workspace '%s' did not answer within %d s: its sshd sent no SSH banner on port %d",
			    name, timeout_s, t->port);
			return WS_ERR_TIMEOUT;
		}
		if (ws_clock_now() - last_check > 1.0) {
			last_check = ws_clock_now();
			if ((rc = ws_still_running(e, name, why, whylen)) != WS_OK)
				return rc;
		}
		ws_clock_sleep_ms(100);
	}
}

/* Output of a command: to the caller, and its last line kept (git's error). */
struct ws_out {
	const struct ws_bringup *p;
	char last[300];
};

static void ws_out_line(void *arg, int i, const char *line)
{
	struct ws_out *o = arg;
	char clean[1024];
	size_t k;

	/* The workspace wrote it: no control characters reach a log line, an
	 * administrator's terminal or a banner (which they could forge). */
	for (k = 0; k < sizeof(clean) - 1 && line[k] != '\0'; k++)
		clean[k] = (unsigned char)line[k] < 0x20 || line[k] == 0x7f ? '?' : line[k];
	clean[k] = '\0';
	if (clean[0] != '\0')
		snprintf(o->last, sizeof(o->last), "%.299s", clean);
	if (o->p->output != NULL)
		o->p->output(o->p->output_arg, i, clean);
}

/* Writes s single-quoted for sh into out; 0 when it does not fit. */
static int ws_shell_quote(const char *s, char *out, size_t outlen)
{
	size_t n = 0;

	if (outlen < 3)
		return 0;
	out[n++] = '\'';
	for (; *s != '\0'; s++) {
		const char *piece = *s == '\'' ? "'\\''" : NULL;
		size_t k = piece != NULL ? 4 : 1;

		if (n + k + 2 > outlen)
			return 0;
		if (piece != NULL)
			memcpy(out + n, piece, k);
		else
			out[n] = *s;
		n += k;
	}
	out[n++] = '\'';
	out[n] = '\0';
	return 1;
}

/* Tells the caller a phase ended (p->phase). */
static void ws_phase(const struct ws_bringup *p, enum ws_phase ph, double since, int ok)
{
	if (p->phase != NULL)
		p->phase(p->phase_arg, ph, ws_clock_now() - since, ok);
}

/* clone: the repository into ~/repo when it is not there yet, awaited. A
 * partial clone is redone; a failure is a note, and the next start retries.
 * Returns 1 when it cloned, 0 when a clone failed, -1 when none was tried. */
static int ws_clone(const struct ws_bringup *p, const struct ws_config *acfg, const char *name,
    const char *url, struct ws_brought *t)
{
	struct ws_engine *x = ws_workspace_engine(acfg, acfg->clone_timeout);
	struct ws_out o = { p, "" };
	char q[600], cmd[1400], why[300], line[400];
	int code = 1, tried = -1;
	ws_err rc;

	if (x == NULL)
		return -1;
	rc = ws_engine_exec(x, name, acfg->workspace_user, "test -d ~/repo", 0, ws_out_line, &o, &code,
	    why, sizeof(why));
	if (rc == WS_OK && code == 0)
		goto out;
	tried = 0;
	if (!ws_shell_quote(url, q, sizeof(q))) {
		snprintf(t->note, sizeof(t->note), "the repository URL of workspace '%s' is too long", name);
		t->clone_failed = 1;
		goto out;
	}
	snprintf(line, sizeof(line), "cloning %s into ~/repo", url);
	ws_say(p, line);
	snprintf(cmd, sizeof(cmd),
	    "rm -rf ~/.repo.partial && git clone --quiet -- %s ~/.repo.partial && mv ~/.repo.partial ~/repo", q);
	rc = ws_engine_exec(x, name, acfg->workspace_user, cmd, 0, ws_out_line, &o, &code, why, sizeof(why));
	if (rc == WS_OK && code == 0) {
		ws_info("workspace %s: cloned %s into ~/repo", name, url);
		tried = 1;
		goto out;
	}
	t->clone_failed = 1;
	snprintf(t->note, sizeof(t->note), "the clone of %.180s into ~/repo failed: %.250s; the next start tries again",
	    url, rc != WS_OK ? why : o.last[0] ? o.last : "git gave no reason");
	ws_warn("workspace %s: %s", name, t->note);
out:
	ws_engine_free(x);
	return tried;
}

/* post-start: the owner's commands, in order; a failure is a note.
 * Returns 1 when all succeeded, 0 when one failed, -1 when there are none. */
static int ws_post_start(const struct ws_bringup *p, const struct ws_config *acfg, const char *name,
    struct ws_brought *t)
{
	struct ws_engine *x = NULL;
	struct ws_out o = { p, "" };
	char why[300];
	int i, code = 0, ok = 1;
	ws_err rc;

	if (acfg->post_start == NULL || acfg->post_start[0] == NULL)
		return -1;
	ws_say(p, "running post-start commands");
	if ((x = ws_workspace_engine(acfg, acfg->post_start_timeout)) == NULL)
		return 0;
	for (i = 0; acfg->post_start[i] != NULL; i++) {
		rc = ws_engine_exec(x, name, acfg->workspace_user, acfg->post_start[i], i + 1, ws_out_line,
		    &o, &code, why, sizeof(why));
		if (rc == WS_OK && code == 0)
			continue;
		ok = 0;
		if (t->note[0] != '\0')
			continue;
		if (rc != WS_OK)
			snprintf(t->note, sizeof(t->note), "post-start command %d could not run: %s", i + 1, why);
		else
			snprintf(t->note, sizeof(t->note), "post-start command %d exited with %d", i + 1, code);
		ws_warn("workspace %s: %s", name, t->note);
	}
	ws_engine_free(x);
	return ok;
}

ws_err ws_workspace_bring_up(const struct ws_bringup *p, const char *name,
    struct ws_brought *out, char *why, size_t whylen)
{
	struct ws_engine *e = NULL;
	struct ws_config *acfg = NULL;
	struct ws_brought t;
	char line[200], detail[600];
	double start = ws_clock_now(), since;
	ws_err rc;
	int done;

	memset(&t, 0, sizeof(t));
	if ((e = ws_workspace_engine(p->cfg, p->cfg->docker_timeout)) == NULL) {
		snprintf(why, whylen, "out of memory");
		return WS_ERR_NOMEM;
	}
	if ((rc = ws_workspace_ensure(e, p, name, &t, why, whylen)) != WS_OK) {
		if (rc == WS_ERR_DOCKER_DOWN || rc == WS_ERR_TIMEOUT || rc == WS_ERR_DOCKER_NO_SOCKET) {
			/* a stopped dockerd removes its socket: not answering, too */
			snprintf(why, whylen,
			    "workspace '%s' could not be started: the Docker engine is not answering at %s%s",
			    name, p->cfg->docker_socket, rc == WS_ERR_DOCKER_NO_SOCKET ? " (no socket there)" : "");
		} else if (rc == WS_ERR_DOCKER_DENIED) {
			/* the engine layer's line says which socket and why */
			snprintf(detail, sizeof(detail), "%s", why);
			snprintf(why, whylen, "workspace '%s' could not be started: %s", name, detail);
		}
		goto out;
	}
	/* From here on, the owner's settings: it is the owner's workspace. */
	if (ws_account_check(t.owner, detail, sizeof(detail)) != WS_OK ||
	    ws_config_for_account(p->cfg, t.owner, &acfg, detail, sizeof(detail)) != WS_OK) {
		rc = WS_ERR_CONFIG;
		ws_error("account %s: %s", t.owner, detail);
		snprintf(why, whylen, "the settings of account '%s' are invalid; ask an administrator", t.owner);
		goto out;
	}
	if (t.created || t.started)
		ws_say(p, "waiting for the workspace's sshd");
	since = ws_clock_now();
	rc = ws_wait_sshd(e, p, name, &t, acfg->sshd_wait_timeout, start, why, whylen);
	ws_phase(p, WS_PHASE_SSHD, since, rc == WS_OK);
	if (rc != WS_OK)
		goto out;
	if (t.created || t.started || p->just_made) {
		since = ws_clock_now();
		if (t.clone[0] != '\0' && (done = ws_clone(p, acfg, name, t.clone, &t)) >= 0)
			ws_phase(p, WS_PHASE_CLONE, since, done);
		since = ws_clock_now();
		if ((done = ws_post_start(p, acfg, name, &t)) >= 0)
			ws_phase(p, WS_PHASE_POST_START, since, done);
		snprintf(line, sizeof(line), "workspace '%s' ready in %.1f s", name, ws_clock_now() - start);
		ws_say(p, line);
	}
	*out = t;
out:
	ws_config_free(acfg);
	ws_engine_free(e);
	return rc;
}
