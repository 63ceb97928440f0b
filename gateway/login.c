/* login.c — who is this? The SSH authentication methods publickey and
 * password (keyboard-interactive is in kbdint.c) each end in
 * ws_login_accept(): the account stage, then the access decision and the
 * workspace (reach.c). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "conn.h"
#include "login_int.h"
#include "hostacct.h"
#include "httpauth.h"
#include "keystore.h"
#include "log.h"
#include "strv.h"
#include "pam.h"

/* One audit line about an authentication attempt. */
void ws_login_audit(struct ws_conn *c, const char *user, const char *account,
    const char *method, const char *fp, const char *result)
{
	const char *kv[] = { "src", c->peer_ip, "port", c->port_str,
		"account", account[0] ? account : "-", "workspace", c->name[0] ? c->name : user,
		"method", method, "key", fp, "result", result, NULL };

	ws_audit("auth", kv);
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

/* Lets account in: account stage (unless PAM already ran it), groups, the
 * access decision and the workspace. extra_groups come from auth_url.
 * Returns 1 when the connection is authenticated. */
int ws_login_accept(struct ws_conn *c, const char *account, char *const *extra_groups,
    const char *method, const char *fp, const struct ws_authkey_restrict *restr, int pam_done)
{
	char **host_groups = NULL, **groups = NULL;
	size_t nh = 0, ne = 0, i;
	enum ws_reach r;
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
	ws_info("%s login of account %s for %s from %s port %d", method, account, c->name,
	    c->peer_ip, c->peer_port);
	/* The grace timer covers the client, not the workspace start. */
	alarm(0);
	r = ws_reach_workspace(c, groups);
	if (r != WS_REACH_OK) {
		ws_login_audit(c, c->login, account, method, fp,
		    r == WS_REACH_DENIED ? "denied" : "workspace-unavailable");
		if (r == WS_REACH_FAILED)
			c->fatal = 1;
		else
			ws_login_failed(c);
		alarm((unsigned)c->ctx->cfg->login_grace_time);
		goto out;
	}
	ws_login_audit(c, c->login, account, method, fp, "accepted");
	ws_conn_notify(c, 'A');
	snprintf(c->key_fp, sizeof(c->key_fp), "%s", fp);
	c->method = method;
	if (restr != NULL)
		c->restr = *restr;
	c->authed = 1;
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

/* "type base64" of key for auth_url, or NULL. Free with free(). */
static char *ws_key_line(ssh_key key)
{
	char *b64 = NULL, *line = NULL;
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	size_t len;

	if (type == NULL || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return NULL;
	len = strlen(type) + strlen(b64) + 2;
	if ((line = malloc(len)) != NULL)
		snprintf(line, len, "%s %s", type, b64);
	ssh_string_free_char(b64);
	return line;
}

/* One publickey attempt: returns SSH_AUTH_SUCCESS when the key is accepted
 * (a key offered without a signature then gets PK_OK), SSH_AUTH_DENIED
 * otherwise. */
static int ws_auth_pubkey(struct ws_conn *c, const char *user, ssh_key pubkey,
    enum ssh_publickey_state_e signature_state)
{
	struct ws_keystore_params kp = { c->ctx->cfg->keys_dir, c->ctx->cfg->host_accounts,
		c->ctx->cfg->host_uid_min };
	struct ws_httpauth_answer ans;
	struct ws_authkey_restrict r;
	char account[WS_ACCOUNT_MAX + 1], fp[128], *line = NULL;
	int from_endpoint = 0, ret = SSH_AUTH_DENIED;
	ws_err rc;

	memset(&ans, 0, sizeof(ans));
	memset(&r, 0, sizeof(r));
	if (c->fatal || c->authed || ws_login_name(c, user) != 0)
		return SSH_AUTH_DENIED;
	ws_fingerprint(pubkey, fp, sizeof(fp));
	if (signature_state != SSH_PUBLICKEY_STATE_NONE &&
	    signature_state != SSH_PUBLICKEY_STATE_VALID) {
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
		line = ws_key_line(pubkey);
		if (line == NULL || !ws_ask_endpoint(c, "publickey", fp, line, NULL, &ans)) {
			ws_info("refused key %s for %s from %s port %d", fp, user, c->peer_ip, c->peer_port);
			ws_login_audit(c, user, c->named, "publickey", fp, "refused");
			goto fail;
		}
		snprintf(account, sizeof(account), "%s", ans.account);
		from_endpoint = 1;
	}
	if (signature_state == SSH_PUBLICKEY_STATE_NONE) {
		ws_login_audit(c, user, account, "publickey", fp, "key-ok");
		ret = SSH_AUTH_SUCCESS; /* answered PK_OK: prove it next */
		goto out;
	}
	if (ws_login_accept(c, account, ans.groups, "publickey", fp,
	    from_endpoint ? NULL : &r, 0))
		ret = SSH_AUTH_SUCCESS;
	goto out;
fail:
	ws_login_failed(c);
out:
	free(line);
	ws_httpauth_answer_clear(&ans);
	return ret;
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

static int ws_auth_password(struct ws_conn *c, const char *user, const char *password)
{
	if (c->fatal || c->authed || ws_login_name(c, user) != 0)
		return SSH_AUTH_DENIED;
	return ws_login_password(c, "password", password) ? SSH_AUTH_SUCCESS : SSH_AUTH_DENIED;
}

/* Whether passwords (and keyboard-interactive) are offered at all. */
static int ws_login_passwords(const struct ws_config *cfg)
{
	return cfg->pam_service[0] != '\0' || cfg->auth_url[0] != '\0';
}

/* The message getters are deprecated in libssh 0.10 in favour of server
 * callbacks; those would make libssh answer every later request itself,
 * before the workspace could (see session.c). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* Answers a publickey attempt: PK_OK for a key offered without a signature,
 * success for a signed one, the method list otherwise. */
static void ws_login_publickey(struct ws_conn *c, ssh_message msg)
{
	enum ssh_publickey_state_e st = ssh_message_auth_publickey_state(msg);
	ssh_key key = ssh_message_auth_pubkey(msg);

	if (key == NULL || ws_auth_pubkey(c, ssh_message_auth_user(msg), key, st) != SSH_AUTH_SUCCESS)
		ssh_message_reply_default(msg);
	else if (st == SSH_PUBLICKEY_STATE_NONE)
		ssh_message_auth_reply_pk_ok_simple(msg);
	else
		ssh_message_auth_reply_success(msg, 0);
}

void ws_login_message(struct ws_conn *c, ssh_message msg)
{
	int passwords = ws_login_passwords(c->ctx->cfg);

	if (ssh_message_type(msg) != SSH_REQUEST_AUTH) {
		ssh_message_reply_default(msg);  /* before login: refused */
		return;
	}
	switch (ssh_message_subtype(msg)) {
	case SSH_AUTH_METHOD_PUBLICKEY:
		ws_login_publickey(c, msg);
		break;
	case SSH_AUTH_METHOD_PASSWORD:
		if (passwords && ws_auth_password(c, ssh_message_auth_user(msg),
		    ssh_message_auth_password(msg)) == SSH_AUTH_SUCCESS)
			ssh_message_auth_reply_success(msg, 0);
		else
			ssh_message_reply_default(msg);
		break;
	case SSH_AUTH_METHOD_INTERACTIVE:
		if (passwords)
			ws_kbdint_message(c, msg);
		else
			ssh_message_reply_default(msg);
		break;
	default:
		ssh_message_reply_default(msg);
		break;
	}
}

#pragma GCC diagnostic pop

void ws_login_install(struct ws_conn *c)
{
	int methods = SSH_AUTH_METHOD_PUBLICKEY;

	if (ws_login_passwords(c->ctx->cfg))
		methods |= SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE;
	ssh_set_auth_methods(c->down, methods);
}

void ws_login_cleanup(struct ws_conn *c)
{
	ws_kbdint_end(c);
}
