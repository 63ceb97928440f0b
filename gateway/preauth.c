/* preauth.c — the sandboxed child's side of logging in (preauth.h). */
#include "preauth.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "keyline.h"
#include "log.h"
#include "owner.h"
#include "pam.h"
#include "recording.h"
#include "upstream.h"

/* Longest certificate the monitor sends (an ed25519 one with a key id and
 * one principal is under 1 KiB in base64). */
#define WS_PREAUTH_CERT_MAX 4096

ws_err ws_preauth_init(struct ws_sess *s)
{
	ssh_key key = NULL;
	ws_err rc = WS_ERR_SSH;

	/* Not cleared: pages of it no message reaches stay untouched. */
	if ((s->mp = malloc(sizeof(*s->mp))) == NULL)
		return WS_ERR_NOMEM;
	if (ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &s->key64) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(key, &s->key_pub) != SSH_OK)
		goto out;
	rc = WS_OK;
out:
	ssh_key_free(key);
	return rc;
}

void ws_preauth_free(struct ws_sess *s)
{
	if (s->key64 != NULL) {
		explicit_bzero(s->key64, strlen(s->key64));
		ssh_string_free_char(s->key64);
	}
	ssh_string_free_char(s->key_pub);
	free(s->mp);
	s->key64 = NULL;
	s->key_pub = NULL;
	s->mp = NULL;
}

ws_err ws_preauth_hello(struct ws_sess *s)
{
	ws_mp_start(s->mp, WS_MP_HELLO);
	ws_mp_put_str(s->mp, s->key_pub);
	return ws_mp_send(s->mon, s->mp, 0);
}

void ws_preauth_stats(struct ws_sess *s, uint64_t bytes_in, uint64_t bytes_out,
    const unsigned kinds[WS_BRIDGE_KINDS])
{
	int i;

	if (bytes_in == s->told_in && bytes_out == s->told_out &&
	    memcmp(kinds, s->told_kinds, sizeof(s->told_kinds)) == 0)
		return;
	ws_mp_start(s->mp, WS_MP_STATS);
	ws_mp_put_u64(s->mp, bytes_in);
	ws_mp_put_u64(s->mp, bytes_out);
	for (i = 0; i < WS_BRIDGE_KINDS; i++)
		ws_mp_put_u32(s->mp, kinds[i]);
	if (ws_mp_send(s->mon, s->mp, 1) != WS_OK)
		return;
	s->told_in = bytes_in;
	s->told_out = bytes_out;
	memcpy(s->told_kinds, kinds, sizeof(s->told_kinds));
}

void ws_preauth_end(struct ws_sess *s, uint64_t bytes_in, uint64_t bytes_out)
{
	/* The monitor reads nothing after END: a key exchange the last flush
	 * takes in must fail, not wait for a signature forever. */
	(void)ssh_server_set_hostkey_sign_callback(s->down, NULL, NULL);
	ws_mp_start(s->mp, WS_MP_END);
	ws_mp_put_u64(s->mp, bytes_in);
	ws_mp_put_u64(s->mp, bytes_out);
	(void)ws_mp_send(s->mon, s->mp, 0);
}

/* Puts a secret of the person's: one longer than PAM takes is sent cut to
 * one byte more than that, which the monitor counts as a failed attempt
 * (never a prefix that might match). */
static void ws_put_secret(struct ws_mp *m, const char *secret)
{
	size_t n = secret != NULL ? strlen(secret) : 0;

	ws_mp_put_bytes(m, secret != NULL ? secret : "", n > WS_PAM_TEXT_MAX ? WS_PAM_TEXT_MAX + 1 : n);
}

/* Puts a login name, cut to what the monitor reads (it is refused then). */
static void ws_put_user(struct ws_mp *m, const char *user)
{
	size_t n = user != NULL ? strlen(user) : 0;

	ws_mp_put_bytes(m, user != NULL ? user : "", n > WS_MP_USER_MAX ? WS_MP_USER_MAX : n);
}

/* The session key with the monitor's certificate (cert, base64). */
static ssh_key ws_cert_key(struct ws_sess *s, const char *cert)
{
	ssh_key key = NULL, c = NULL;

	if (ssh_pki_import_privkey_base64(s->key64, NULL, NULL, NULL, &key) != SSH_OK ||
	    ssh_pki_import_cert_base64(cert, SSH_KEYTYPE_ED25519_CERT01, &c) != SSH_OK ||
	    ssh_pki_copy_cert_to_privkey(c, key) != SSH_OK) {
		ssh_key_free(key);
		key = NULL;
	}
	ssh_key_free(c);
	return key;
}

/* TRY: logs in to the workspace over the socket that came with it. */
static ws_err ws_preauth_try(struct ws_sess *s)
{
	static char cert[WS_PREAUTH_CERT_MAX];
	char hostkey[600], user[64], why[400] = "";
	struct ws_upstream_params up;
	struct ws_mp *m = s->mp;
	ssh_session sess = NULL;
	ssh_key key = NULL;
	ws_err rc = WS_ERR_SSH;
	int fd = m->fd;

	memset(&up, 0, sizeof(up));
	up.port = (int)ws_mp_get_u32(m);
	ws_mp_get_str(m, hostkey, sizeof(hostkey));
	ws_mp_get_str(m, cert, sizeof(cert));
	ws_mp_get_str(m, user, sizeof(user));
	up.timeout_s = (int)ws_mp_get_u32(m);
	m->fd = -1;
	if (!ws_mp_done(m) || fd < 0) {
		snprintf(why, sizeof(why), "internal error: a malformed request from the monitor");
		if (fd >= 0)
			close(fd);
	} else if ((key = ws_cert_key(s, cert)) == NULL) {
		snprintf(why, sizeof(why), "internal error: the gateway's certificate does not load");
		close(fd);
	} else {
		up.address = s->ctx->cfg->publish_address;
		up.use_fd = 1;
		up.fd = fd;  /* the session takes it */
		up.user = user;
		up.hostkey = hostkey;
		up.key = key;
		rc = ws_upstream_connect(&up, &sess, why, sizeof(why));
	}
	ssh_key_free(key);
	ws_mp_start(m, WS_MP_TRIED);
	ws_mp_put_u32(m, (uint32_t)rc);
	ws_mp_put_str(m, why);
	ws_mp_put_str(m, sess != NULL && ssh_get_kex_algo(sess) ? ssh_get_kex_algo(sess) : "");
	ws_mp_put_str(m, sess != NULL && ssh_get_cipher_out(sess) ? ssh_get_cipher_out(sess) : "");
	if (rc == WS_OK) {
		if (s->up != NULL) {
			ssh_disconnect(s->up);
			ssh_free(s->up);
		}
		s->up = sess;
	}
	return ws_mp_send(s->mon, m, 0);
}

/* TELL: a line for the person, as an SSH banner. */
static void ws_preauth_tell(struct ws_sess *s)
{
	static char line[WS_MP_TELL_MAX];
	ssh_string str;

	ws_mp_get_str(s->mp, line, sizeof(line));
	if (ws_mp_done(s->mp) && (str = ssh_string_from_char(line)) != NULL) {
		ssh_send_issue_banner(s->down, str);
		ssh_string_free(str);
	}
}

/* libssh's host key signing callback (our patch): the monitor signs the
 * exchange hash with the host key this process never holds. Any TELL that
 * came before the answer is passed on, and an owner's command messages are
 * taken (owner.h). */
static int ws_preauth_sign(ssh_session session, ssh_key hostkey, const char *algorithm,
    const unsigned char *data, size_t len, ssh_string *signature, void *userdata)
{
	struct ws_sess *s = userdata;
	struct ws_mp *m = s->mp;
	const unsigned char *sig;
	size_t n = 0;

	(void)session;
	(void)hostkey;
	ws_mp_start(m, WS_MP_SIGN);
	ws_mp_put_str(m, algorithm);
	ws_mp_put_bytes(m, data, len);
	if (ws_mp_send(s->mon, m, 0) != WS_OK)
		return SSH_ERROR;
	for (;;) {
		if (ws_mp_recv(s->mon, m) != WS_OK)
			return SSH_ERROR;
		/* An owner's command may end, or start, meanwhile. */
		if (ws_owner_mon_message(s))
			continue;
		ws_mp_close_fd(m);
		if (ws_mp_type(m) == WS_MP_TELL) {
			ws_preauth_tell(s);
			continue;
		}
		if (ws_mp_type(m) != WS_MP_SIGNATURE)
			return SSH_ERROR;
		sig = ws_mp_get_bytes(m, WS_MP_MAX, &n);
		if (!ws_mp_done(m) || n == 0 || (*signature = ssh_string_new(n)) == NULL)
			return SSH_ERROR;
		return ssh_string_fill(*signature, sig, n) == 0 ? SSH_OK : SSH_ERROR;
	}
}

ws_err ws_preauth_hostkey(struct ws_sess *s)
{
	return ssh_server_set_hostkey_sign_callback(s->down, ws_preauth_sign, s) == SSH_OK ?
	    WS_OK : WS_ERR_SSH;
}

/* Sends the request in s->mp, doing what the monitor asks meanwhile,
 * until its RESULT is in s->mp (read past outcome, fatal and grace). Returns
 * the outcome, or -1 when the monitor is gone or makes no sense. */
static int ws_preauth_ask(struct ws_sess *s)
{
	struct ws_mp *m = s->mp;
	uint32_t outcome;

	/* The grace time is the monitor's while it works (a workspace's start
	 * is not the client's time). */
	alarm(0);
	if (ws_mp_send(s->mon, m, 0) != WS_OK)
		return -1;
	for (;;) {
		if (ws_mp_recv(s->mon, m) != WS_OK)
			return -1;
		switch (ws_mp_type(m)) {
		case WS_MP_TELL:
			ws_preauth_tell(s);
			ws_mp_close_fd(m);
			continue;
		case WS_MP_TRY:
			if (ws_preauth_try(s) != WS_OK)
				return -1;
			continue;
		case WS_MP_RESULT:
			ws_mp_close_fd(m);
			outcome = ws_mp_get_u32(m);
			s->fatal |= ws_mp_get_u32(m) != 0;
			s->grace_left = ws_mp_get_u32(m);
			if (m->bad || outcome > WS_MP_OUT_PROMPTS)
				return -1;
			if (s->grace_left > 0)
				alarm(s->grace_left);
			return (int)outcome;
		default:
			ws_mp_close_fd(m);
			return -1;
		}
	}
}

/* The message getters are deprecated in libssh 0.10 in favour of server
 * callbacks; those would make libssh answer every later request itself,
 * before the workspace could (see session.c). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

/* Sends the person the monitor's prompts (read from s->mp). */
static int ws_preauth_prompts(struct ws_sess *s, ssh_message msg)
{
	static char instruction[1025], texts[WS_MP_MAX_LIST][WS_PAM_TEXT_MAX + 1];
	char echo[WS_MP_MAX_LIST + 1];
	const char *prompts[WS_MP_MAX_LIST];
	uint32_t n, i;

	ws_mp_get_str(s->mp, instruction, sizeof(instruction));
	n = ws_mp_get_u32(s->mp);
	if (n == 0 || n > WS_MP_MAX_LIST)
		return -1;
	for (i = 0; i < n; i++) {
		ws_mp_get_str(s->mp, texts[i], sizeof(texts[i]));
		prompts[i] = texts[i];
	}
	ws_mp_get_str(s->mp, echo, sizeof(echo));
	if (!ws_mp_done(s->mp) || strlen(echo) != n)
		return -1;
	for (i = 0; i < n; i++)
		echo[i] = echo[i] == '1';
	return ssh_message_auth_interactive_request(msg, "", instruction, n, prompts, echo) ==
	    SSH_OK ? 0 : -1;
}

/* Logged in: whose session, what the accepted key may not do, and what is
 * recorded. */
static int ws_preauth_success(struct ws_sess *s)
{
	uint32_t r;

	ws_mp_get_str(s->mp, s->account, sizeof(s->account));
	ws_mp_get_str(s->mp, s->name, sizeof(s->name));
	r = ws_mp_get_u32(s->mp);
	/* A workspace's login comes with its connection; an ACCOUNT+ login
	 * (no workspace: owner.h) with none. */
	if (!ws_mp_done(s->mp) || (s->up == NULL) != (s->name[0] == '\0'))
		return -1;
	s->restr.no_pty = (r & WS_MP_NO_PTY) != 0;
	s->restr.no_port_forwarding = (r & WS_MP_NO_PORT_FORWARDING) != 0;
	s->restr.no_agent_forwarding = (r & WS_MP_NO_AGENT_FORWARDING) != 0;
	s->restr.no_x11_forwarding = (r & WS_MP_NO_X11_FORWARDING) != 0;
	s->record = (r & WS_MP_RECORD_INPUT) != 0 ? WS_RECORD_INPUT :
	    (r & WS_MP_RECORD_OUTPUT) != 0 ? WS_RECORD_OUTPUT : WS_RECORD_OFF;
	s->authed = 1;
	return 0;
}

/* Asks the monitor (the request is in s->mp) and replies to msg. */
static void ws_preauth_reply(struct ws_sess *s, ssh_message msg)
{
	int outcome = ws_preauth_ask(s), ok = 0;

	switch (outcome) {
	case WS_MP_OUT_PK_OK:
		ok = ssh_message_auth_reply_pk_ok_simple(msg) == SSH_OK;
		break;
	case WS_MP_OUT_SUCCESS:
		ok = ws_preauth_success(s) == 0 && ssh_message_auth_reply_success(msg, 0) == SSH_OK;
		break;
	case WS_MP_OUT_PROMPTS:
		ok = ws_preauth_prompts(s, msg) == 0;
		break;
	case WS_MP_OUT_DENIED:
		ssh_message_reply_default(msg);
		return;
	default:
		break;
	}
	if (!ok) {
		ws_error("the monitor's answer makes no sense, or it is gone; ending the connection");
		s->fatal = 1;
		s->authed = 0;
		ssh_message_reply_default(msg);
	}
}

/* A publickey request, with what the monitor needs to verify its
 * signature again: the blob and the bytes it signs (our patch's getter). A
 * name cut to fit (which cannot log in) goes without them. */
static void ws_preauth_publickey(struct ws_sess *s, ssh_message msg)
{
	enum ssh_publickey_state_e st = ssh_message_auth_publickey_state(msg);
	ssh_key key = ssh_message_auth_pubkey(msg);
	const char *user = ssh_message_auth_user(msg);
	char *line = key != NULL ? ws_keyline_make(key) : NULL;
	const unsigned char *sig = NULL, *data = NULL;
	size_t siglen = 0, len = 0;
	uint32_t state = st == SSH_PUBLICKEY_STATE_NONE ? WS_MP_SIG_NONE : WS_MP_SIG_WRONG;

	if (line == NULL) {
		ssh_message_reply_default(msg);
		return;
	}
	if (st == SSH_PUBLICKEY_STATE_VALID && user != NULL && strlen(user) <= WS_MP_USER_MAX &&
	    ssh_message_auth_signature(msg, &sig, &siglen, &data, &len) == SSH_OK)
		state = WS_MP_SIG_VALID;
	else
		siglen = len = 0;
	ws_mp_start(s->mp, WS_MP_PUBKEY);
	ws_put_user(s->mp, user);
	ws_mp_put_str(s->mp, line);
	ws_mp_put_u32(s->mp, state);
	ws_mp_put_bytes(s->mp, sig != NULL ? sig : (const unsigned char *)"", siglen);
	ws_mp_put_bytes(s->mp, data != NULL ? data : (const unsigned char *)"", len);
	free(line);
	ws_preauth_reply(s, msg);
}

static void ws_preauth_kbdint(struct ws_sess *s, ssh_message msg)
{
	int n, i;

	if (!ssh_message_auth_kbdint_is_response(msg)) {
		ws_mp_start(s->mp, WS_MP_KBD_START);
		ws_put_user(s->mp, ssh_message_auth_user(msg));
		ws_preauth_reply(s, msg);
		return;
	}
	/* More answers than the monitor ever asks for: none, which it
	 * counts as a failed attempt. */
	n = ssh_userauth_kbdint_getnanswers(s->down);
	if (n < 0 || n > WS_MP_MAX_LIST)
		n = 0;
	ws_mp_start(s->mp, WS_MP_KBD_ANSWERS);
	ws_mp_put_u32(s->mp, (uint32_t)n);
	for (i = 0; i < n; i++)
		ws_put_secret(s->mp, ssh_userauth_kbdint_getanswer(s->down, (unsigned)i));
	ws_preauth_reply(s, msg);
	explicit_bzero(s->mp->buf, sizeof(s->mp->buf));
}

void ws_preauth_message(struct ws_sess *s, ssh_message msg)
{
	int passwords = ws_login_passwords(s->ctx->cfg);

	if (ssh_message_type(msg) != SSH_REQUEST_AUTH) {
		ssh_message_reply_default(msg);  /* before login: refused */
		return;
	}
	switch (ssh_message_subtype(msg)) {
	case SSH_AUTH_METHOD_PUBLICKEY:
		ws_preauth_publickey(s, msg);
		break;
	case SSH_AUTH_METHOD_PASSWORD:
		if (!passwords) {
			ssh_message_reply_default(msg);
			break;
		}
		ws_mp_start(s->mp, WS_MP_PASSWORD);
		ws_put_user(s->mp, ssh_message_auth_user(msg));
		ws_put_secret(s->mp, ssh_message_auth_password(msg));
		ws_preauth_reply(s, msg);
		explicit_bzero(s->mp->buf, sizeof(s->mp->buf));
		break;
	case SSH_AUTH_METHOD_INTERACTIVE:
		if (passwords)
			ws_preauth_kbdint(s, msg);
		else
			ssh_message_reply_default(msg);
		break;
	default:
		ssh_message_reply_default(msg);
		break;
	}
}

#pragma GCC diagnostic pop

void ws_preauth_methods(struct ws_sess *s)
{
	int methods = SSH_AUTH_METHOD_PUBLICKEY;

	if (ws_login_passwords(s->ctx->cfg))
		methods |= SSH_AUTH_METHOD_PASSWORD | SSH_AUTH_METHOD_INTERACTIVE;
	ssh_set_auth_methods(s->down, methods);
}
