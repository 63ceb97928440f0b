/* login.c — who is this? Run by the monitor, on what the sandboxed child
 * asks (monproto.h): the SSH authentication methods publickey and password
 * (keyboard-interactive is in kbdint.c) each end in ws_login_accept(): the
 * account stage, then the access decision and the workspace (reach.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "clock.h"
#include "conn.h"
#include "login_int.h"
#include "hostacct.h"
#include "httpauth.h"
#include "keyline.h"
#include "keystore.h"
#include "log.h"
#include "metrics_report.h"
#include "mon_int.h"
#include "strv.h"
#include "pam.h"
#include "recording.h"

/* Reports to the listener (max_startups, penalties), which knows the
 * connection by its monitor (this process, or its login worker's parent). */
void ws_conn_notify(struct ws_conn *c, char kind)
{
	struct ws_notice n;

	ws_notice_make(&n, c->monitor, kind, c->peer_ip);
	(void)!write(c->ctx->notify_fd, &n, sizeof(n));
}

/* One audit line about an authentication attempt. */
void ws_login_audit(struct ws_conn *c, const char *user, const char *account,
    const char *method, const char *fp, const char *result)
{
	const char *kv[] = { "src", c->peer_ip, "port", c->port_str,
		"account", account[0] ? account : "-", "workspace", c->name[0] ? c->name : user,
		"method", method, "key", fp, "result", result, NULL };

	ws_audit("auth", kv);
	ws_msend_auth(method, result);   /* one count per line: they must agree */
}

/* Counts a failed attempt; past the limit the connection is ended. */
void ws_login_failed(struct ws_conn *c)
{
	if (++c->failures >= c->ctx->cfg->max_auth_tries) {
		ws_tell(c, "too many authentication failures");
		c->fatal = 1;
	}
}

/* Takes the login name of the first attempt; later attempts must repeat it,
 * as OpenSSH requires. Returns 0 when the attempt may go on. */
int ws_login_name(struct ws_conn *c, const char *user)
{
	char why[200];

	if (c->login[0] != '\0') {
		if (user != NULL && strcmp(c->login, user) == 0)
			return 0;
		c->fatal = 1;
		return -1;
	}
	if (ws_login_parse(user, c->named, c->name, why, sizeof(why)) != WS_OK) {
		/* Refused before Docker is touched, with the reason. */
		ws_info("invalid login name from %s", c->peer_ip);
		ws_login_audit(c, user ? user : "", "", "-", "-", "invalid-name");
		c->failures++;
		ws_tell(c, "cannot log in as '%.64s': %s", user ? user : "", why);
		c->fatal = 1;
		return -1;
	}
	snprintf(c->login, sizeof(c->login), "%s", user);
	return 0;
}

/* Is account a host account wsgate may treat as one? */
int ws_login_host_account(struct ws_conn *c, const char *account, gid_t *gid)
{
	const struct ws_config *cfg = c->ctx->cfg;
	char home[4096];
	uid_t uid;

	return cfg->host_accounts &&
	    ws_hostacct_lookup(account, cfg->host_uid_min, &uid, gid, home, sizeof(home)) == WS_OK;
}

/* The account stage of a host account logging in without PAM's auth stage
 * (a key, or an endpoint's yes): locked and expired accounts stay out. */
static int ws_account_stage(struct ws_conn *c, const char *account)
{
	const struct ws_config *cfg = c->ctx->cfg;
	enum ws_pam_result res = WS_PAM_ERROR;
	char msg[WS_PAM_TEXT_MAX + 1];

	if (ws_hostacct_locked(account)) {
		ws_tell(c, "account '%s' is locked; ask an administrator", account);
		return -1;
	}
	if (cfg->pam_service[0] == '\0')
		return 0;
	if (ws_pam_run(cfg->pam_service, account, c->peer_ip, WS_PAM_ACCOUNT, NULL,
	    cfg->login_grace_time * 1000, &res, msg, sizeof(msg)) != WS_OK)
		res = WS_PAM_ERROR;
	if (res == WS_PAM_OK)
		return 0;
	ws_tell(c, "account '%s': %s", account, ws_pam_result_str(res));
	return -1;
}

/* An ACCOUNT+ login's groups, kept for its commands' access decisions
 * (mon_cmd.c): packed into c->groups. */
static void ws_keep_groups(struct ws_conn *c, char *const *groups)
{
	size_t i, n;

	free(c->groups);
	c->groups_len = 0;
	if ((c->groups = malloc(WS_CONN_GROUPS_MAX)) == NULL)
		return;
	for (i = 0; groups[i] != NULL; i++) {
		n = strlen(groups[i]) + 1;
		if (c->groups_len + n > WS_CONN_GROUPS_MAX) {
			ws_warn("account %s is in more groups than an owner's commands keep; "
			    "the rest do not count", c->account);
			return;
		}
		memcpy(c->groups + c->groups_len, groups[i], n);
		c->groups_len += n;
	}
}

/* Lets account in: account stage (unless PAM already ran it), groups, the
 * access decision and the workspace; an ACCOUNT+ login (c->name "") reaches
 * no workspace: its commands decide each (owner.h). extra_groups come from
 * auth_url.
 * Returns 1 when the connection is authenticated. */
int ws_login_accept(struct ws_conn *c, const char *account, char *const *extra_groups,
    const char *method, const char *fp, const struct ws_authkey_restrict *restr, int pam_done)
{
	char **host_groups = NULL, **groups = NULL;
	size_t nh = 0, ne = 0, i;
	enum ws_reach r;
	double started;
	gid_t gid;
	int ok = 0;

	if (ws_login_host_account(c, account, &gid)) {
		if (!pam_done && ws_account_stage(c, account) != 0) {
			ws_login_audit(c, c->login, account, method, fp, "account-refused");
			c->fatal = 1;
			goto out;
		}
		if (ws_hostacct_groups(account, gid, &host_groups) != WS_OK)
			goto out;
	}
	while (host_groups != NULL && host_groups[nh] != NULL)
		nh++;
	while (extra_groups != NULL && extra_groups[ne] != NULL)
		ne++;
	if ((groups = calloc(nh + ne + 1, sizeof(*groups))) == NULL)
		goto out;
	for (i = 0; i < nh; i++)
		groups[i] = host_groups[i];
	for (i = 0; i < ne; i++)
		groups[nh + i] = extra_groups[i];
	snprintf(c->account, sizeof(c->account), "%s", account);
	ws_info("%s login of account %s for %s from %s port %d", method, account,
	    c->name[0] ? c->name : "its owner's commands", c->peer_ip, c->peer_port);
	/* The key's restrictions go into the workspace's certificate too. */
	memset(&c->restr, 0, sizeof(c->restr));
	if (restr != NULL)
		c->restr = *restr;
	started = ws_clock_now();
	if (c->name[0] == '\0')
		ws_keep_groups(c, groups);
	r = c->name[0] == '\0' ? WS_REACH_OK : ws_reach_workspace(c, groups);
	if (r != WS_REACH_OK) {
		ws_login_audit(c, c->login, account, method, fp,
		    r == WS_REACH_DENIED ? "denied" : "workspace-unavailable");
		if (r == WS_REACH_FAILED)
			c->fatal = 1;
		else
			ws_login_failed(c);
		/* The grace time covers the client, not the workspace start. */
		ws_mon_grace_extend(c->mon, ws_clock_now() - started);
		goto out;
	}
	ws_login_audit(c, c->login, account, method, fp, "accepted");
	ws_conn_notify(c, 'A');
	snprintf(c->key_fp, sizeof(c->key_fp), "%s", fp);
	c->method = method;
	c->authed = 1;
	/* Decided here, from who got in where: the child is only told. */
	c->record = c->name[0] == '\0' ? WS_RECORD_OFF :
	    ws_recording_for(c->ctx->cfg, account, c->name);
	if (c->record != WS_RECORD_OFF)
		ws_info("pty sessions of %s@%s are recorded (%s)", account, c->name,
		    ws_recording_name(c->record));
	ok = 1;
out:
	free(groups);
	ws_strv_free(host_groups);
	return ok;
}

static void ws_fingerprint(ssh_key key, char *out, size_t outlen)
{
	unsigned char *hash = NULL;
	size_t hlen = 0;
	char *fp;

	snprintf(out, outlen, "?");
	if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &hlen) != 0)
		return;
	fp = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hlen);
	if (fp != NULL)
		snprintf(out, outlen, "%s", fp);
	ssh_string_free_char(fp);
	ssh_clean_pubkey_hash(&hash);
}

/* Asks auth_url about this login. Returns 1 when it allows, with *ans set
 * (clear it); 0 otherwise (nothing to clear). */
static int ws_ask_endpoint(struct ws_conn *c, const char *method, const char *fp,
    const char *key, const char *password, struct ws_httpauth_answer *ans)
{
	const struct ws_config *cfg = c->ctx->cfg;
	struct ws_httpauth_req req = {
		.account = c->named, .workspace = c->name, .method = method, .key_fp = fp,
		.key = key, .password = password, .remote_addr = c->peer_ip,
		.remote_port = c->peer_port,
	};

	if (cfg->auth_url[0] == '\0')
		return 0;
	if (ws_httpauth_ask(cfg->auth_url, cfg->auth_url_timeout, &req, ans) != WS_OK)
		return 0;
	if (ans->message[0] != '\0')
		ws_tell(c, "%s", ans->message);
	if (ans->allow)
		return 1;
	ws_httpauth_answer_clear(ans);
	return 0;
}

/* A key offered without a signature that would be let in: PK_OK, audited
 * once per key; past twice max_auth_tries such queries the connection ends
 * (they are no failures, and each reads key files or asks auth_url). */
static int ws_key_query(struct ws_conn *c, const char *user, const char *account, const char *fp)
{
	if (++c->queries > 2 * c->ctx->cfg->max_auth_tries) {
		ws_tell(c, "too many authentication requests");
		ws_login_audit(c, user, account, "publickey", fp, "too-many-queries");
		c->fatal = 1;
		return WS_MP_OUT_DENIED;
	}
	if (strcmp(c->queried_fp, fp) != 0) {
		ws_login_audit(c, user, account, "publickey", fp, "key-ok");
		snprintf(c->queried_fp, sizeof(c->queried_fp), "%s", fp);
	}
	return WS_MP_OUT_PK_OK; /* prove it next */
}

/* One publickey attempt: returns WS_MP_OUT_SUCCESS when a signed key is
 * accepted, WS_MP_OUT_PK_OK for one offered without a signature that would
 * be, WS_MP_OUT_DENIED otherwise. The signature itself was checked by the
 * child's libssh (0.10 hands no application the signature to check again:
 * docs/privsep.md). */
static int ws_auth_pubkey(struct ws_conn *c, const char *user, ssh_key pubkey, int sig)
{
	struct ws_keystore_params kp = { c->ctx->cfg->keys_dir, c->ctx->cfg->host_accounts,
		c->ctx->cfg->host_uid_min };
	struct ws_httpauth_answer ans;
	struct ws_authkey_restrict r;
	char account[WS_ACCOUNT_MAX + 1], fp[128], *line = NULL;
	int from_endpoint = 0, ret = WS_MP_OUT_DENIED;
	ws_err rc;

	memset(&ans, 0, sizeof(ans));
	memset(&r, 0, sizeof(r));
	if (c->fatal || c->authed || ws_login_name(c, user) != 0)
		return WS_MP_OUT_DENIED;
	ws_fingerprint(pubkey, fp, sizeof(fp));
	if (sig != WS_MP_SIG_NONE && sig != WS_MP_SIG_VALID) {
		ws_login_audit(c, user, c->named, "publickey", fp, "bad-signature");
		goto fail;
	}
	rc = ws_keystore_find(&kp, c->named, pubkey, c->peer_ip, time(NULL), account, &r);
	if (rc == WS_ERR_CONFLICT) {
		ws_tell(c, "this key belongs to several accounts: log in as ACCOUNT+%s@gateway", c->name);
		ws_login_audit(c, user, c->named, "publickey", fp, "ambiguous-key");
		goto fail;
	}
	if (rc != WS_OK) {
		line = ws_keyline_make(pubkey);
		if (line == NULL || !ws_ask_endpoint(c, "publickey", fp, line, NULL, &ans)) {
			ws_info("refused key %s for %s from %s port %d", fp, user, c->peer_ip, c->peer_port);
			ws_login_audit(c, user, c->named, "publickey", fp, "refused");
			goto fail;
		}
		snprintf(account, sizeof(account), "%s", ans.account);
		from_endpoint = 1;
	}
	if (sig == WS_MP_SIG_NONE) {
		ret = ws_key_query(c, user, account, fp);
		goto out;
	}
	if (ws_login_accept(c, account, ans.groups, "publickey", fp,
	    from_endpoint ? NULL : &r, 0))
		ret = WS_MP_OUT_SUCCESS;
	goto out;
fail:
	ws_login_failed(c);
out:
	free(line);
	ws_httpauth_answer_clear(&ans);
	return ret;
}

/* Whether passwords (and keyboard-interactive) are offered at all. */
int ws_login_passwords(const struct ws_config *cfg)
{
	return cfg->pam_service[0] != '\0' || cfg->auth_url[0] != '\0';
}

/* Checks a password for c->named through PAM (host accounts) or auth_url.
 * Returns 1 when the connection got in. */
int ws_login_password(struct ws_conn *c, const char *method, const char *password)
{
	const struct ws_config *cfg = c->ctx->cfg;
	enum ws_pam_result res = WS_PAM_DENIED;
	struct ws_httpauth_answer ans;
	char msg[WS_PAM_TEXT_MAX + 1];
	gid_t gid;
	int in = 0;

	memset(&ans, 0, sizeof(ans));
	if (c->named[0] != '\0' && cfg->pam_service[0] != '\0') {
		if (ws_pam_run(cfg->pam_service, c->named, c->peer_ip, WS_PAM_AUTH, password,
		    cfg->login_grace_time * 1000, &res, msg, sizeof(msg)) != WS_OK)
			res = WS_PAM_ERROR;
		/* PAM ran for any name, so timing does not tell which accounts
		 * exist; only eligible host accounts may pass. */
		if (res != WS_PAM_DENIED && !ws_login_host_account(c, c->named, &gid))
			res = WS_PAM_DENIED;
		if (res == WS_PAM_OK)
			return ws_login_accept(c, c->named, NULL, method, "-", NULL, 1);
		if (res != WS_PAM_DENIED) {
			ws_tell(c, "account '%s': %s", c->named, ws_pam_result_str(res));
			ws_login_audit(c, c->login, c->named, method, "-", "account-refused");
			c->fatal = 1;
			return 0;
		}
	}
	if (ws_ask_endpoint(c, method, NULL, NULL, password, &ans)) {
		in = ws_login_accept(c, ans.account, ans.groups, method, "-", NULL, 0);
		ws_httpauth_answer_clear(&ans);
		return in;
	}
	if (c->named[0] == '\0' && !c->told_denied) {
		ws_tell(c, "passwords need the account name: log in as ACCOUNT+%s@gateway", c->name);
		c->told_denied = 1;
	}
	ws_login_audit(c, c->login, c->named, method, "-", "refused");
	ws_login_failed(c);
	return 0;
}

int ws_login_pubkey(struct ws_conn *c, const char *user, const char *keyline, int sig)
{
	ssh_key key = NULL;
	int ret = WS_MP_OUT_DENIED;

	/* A key libssh cannot read is a failed attempt, as a key it cannot
	 * match would be. */
	if (ws_keyline_parse(keyline, &key) != WS_OK) {
		if (!c->fatal && !c->authed && ws_login_name(c, user) == 0) {
			ws_login_audit(c, user, c->named, "publickey", "-", "bad-key");
			ws_login_failed(c);
		}
		return ret;
	}
	ret = ws_auth_pubkey(c, user, key, sig);
	ssh_key_free(key);
	return ret;
}

int ws_login_passwd(struct ws_conn *c, const char *user, const char *password)
{
	if (!ws_login_passwords(c->ctx->cfg) || c->fatal || c->authed ||
	    ws_login_name(c, user) != 0)
		return WS_MP_OUT_DENIED;
	return ws_login_password(c, "password", password) ? WS_MP_OUT_SUCCESS : WS_MP_OUT_DENIED;
}

void ws_login_cleanup(struct ws_conn *c)
{
	ws_kbdint_end(c);
}
