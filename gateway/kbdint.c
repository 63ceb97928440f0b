/* kbdint.c — keyboard-interactive logins, in the monitor: PAM's questions
 * go to the child as prompts (it sends the person an INFO_REQUEST) and its
 * answers come back to the PAM helper; without PAM for the account, one
 * "Password:" question for auth_url. */
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "login_int.h"
#include "pam.h"

void ws_kbdint_end(struct ws_conn *c)
{
	ws_pam_free(c->kbd.pam);
	memset(&c->kbd, 0, sizeof(c->kbd));
}

/* The prompts are ready in c->kbd: the child asks them. */
static int ws_kbd_ask(struct ws_conn *c, int n)
{
	c->kbd.prompts = n;
	c->kbd.echo[n] = '\0';
	return WS_MP_OUT_PROMPTS;
}

/* Appends one of PAM's lines to the instruction, as long as they fit. */
static void ws_kbd_info(struct ws_conn *c, const char *text)
{
	char *ins = c->kbd.instruction;
	size_t used = strlen(ins);

	if (used + strlen(text) + 2 < sizeof(c->kbd.instruction)) {
		if (used > 0)
			ins[used++] = '\n';
		memcpy(ins + used, text, strlen(text) + 1);
	}
}

/* PAM's verdict on the conversation. */
static int ws_kbd_result(struct ws_conn *c, enum ws_pam_result res)
{
	ws_kbdint_end(c);
	if (res == WS_PAM_OK && !ws_login_host_account(c, c->named, &(gid_t){ 0 }))
		res = WS_PAM_DENIED;
	if (res == WS_PAM_OK)
		return ws_login_accept(c, c->named, NULL, "keyboard-interactive", "-", NULL, 1) ?
		    WS_MP_OUT_SUCCESS : WS_MP_OUT_DENIED;
	if (res != WS_PAM_DENIED) {
		ws_tell(c, "account '%s': %s", c->named, ws_pam_result_str(res));
		ws_login_audit(c, c->login, c->named, "keyboard-interactive", "-", "account-refused");
		c->fatal = 1;
		return WS_MP_OUT_DENIED;
	}
	ws_login_audit(c, c->login, c->named, "keyboard-interactive", "-", "refused");
	ws_login_failed(c);
	return WS_MP_OUT_DENIED;
}

/* Runs the PAM helper until it wants answers or is done. */
static int ws_kbd_pump(struct ws_conn *c)
{
	struct ws_pam_event ev;
	int n = 0;

	c->kbd.instruction[0] = '\0';
	for (;;) {
		if (ws_pam_next(c->kbd.pam, c->ctx->cfg->login_grace_time * 1000, &ev) != WS_OK)
			break;
		switch (ev.kind) {
		case WS_PAM_EV_INFO:
			ws_kbd_info(c, ev.text);
			continue;
		case WS_PAM_EV_PROMPT:
			if (n == WS_KBD_MAX_PROMPTS)
				goto fail;
			snprintf(c->kbd.text[n], sizeof(c->kbd.text[n]), "%s", ev.text);
			c->kbd.echo[n++] = ev.echo ? '1' : '0';
			continue;
		case WS_PAM_EV_WAIT:
			if (n == 0)
				goto fail;
			return ws_kbd_ask(c, n);
		case WS_PAM_EV_RESULT:
			return ws_kbd_result(c, ev.result);
		}
	}
fail:
	ws_kbdint_end(c);
	ws_login_audit(c, c->login, c->named, "keyboard-interactive", "-", "refused");
	ws_login_failed(c);
	return WS_MP_OUT_DENIED;
}

int ws_kbdint_answers(struct ws_conn *c, char (*answers)[WS_PAM_TEXT_MAX + 1], int n)
{
	int i;

	if (c->fatal || c->authed)
		return WS_MP_OUT_DENIED;
	if (c->kbd.prompts == 0 || n != c->kbd.prompts) {
		ws_kbdint_end(c);
		ws_login_failed(c);
		return WS_MP_OUT_DENIED;
	}
	c->kbd.prompts = 0;
	if (c->kbd.pam != NULL) {
		for (i = 0; i < n; i++)
			if (ws_pam_answer(c->kbd.pam, answers[i]) != WS_OK)
				break;
		return ws_kbd_pump(c);
	}
	/* No PAM: the one answer is a password for auth_url. */
	return ws_login_password(c, "keyboard-interactive", answers[0]) ?
	    WS_MP_OUT_SUCCESS : WS_MP_OUT_DENIED;
}

int ws_kbdint_start(struct ws_conn *c, const char *user)
{
	const struct ws_config *cfg = c->ctx->cfg;

	if (!ws_login_passwords(cfg) || c->fatal || c->authed)
		return WS_MP_OUT_DENIED;
	if (c->kbd.pam != NULL) {
		/* A new request abandons the conversation in progress: that
		 * was an attempt, or each request would fork a root PAM
		 * helper for free. */
		ws_kbdint_end(c);
		ws_login_audit(c, c->login, c->named, "keyboard-interactive", "-", "abandoned");
		ws_login_failed(c);
		if (c->fatal)
			return WS_MP_OUT_DENIED;
	}
	ws_kbdint_end(c); /* a new request starts over */
	if (ws_login_name(c, user) != 0)
		return WS_MP_OUT_DENIED;
	/* PAM for host accounts; auth_url, when set, for everyone else. */
	if (c->named[0] != '\0' && cfg->pam_service[0] != '\0' &&
	    (cfg->auth_url[0] == '\0' || ws_login_host_account(c, c->named, &(gid_t){ 0 }))) {
		if (ws_pam_start(cfg->pam_service, c->named, c->peer_ip, WS_PAM_AUTH,
		    &c->kbd.pam) != WS_OK) {
			ws_login_failed(c);
			return WS_MP_OUT_DENIED;
		}
		return ws_kbd_pump(c);
	}
	if (cfg->auth_url[0] != '\0') {
		snprintf(c->kbd.text[0], sizeof(c->kbd.text[0]), "Password: ");
		c->kbd.echo[0] = '0';
		return ws_kbd_ask(c, 1);
	}
	if (c->named[0] == '\0' && !c->told_denied) {
		ws_tell(c, "passwords need the account name: log in as ACCOUNT+%s@gateway", c->name);
		c->told_denied = 1;
	}
	ws_login_failed(c);
	return WS_MP_OUT_DENIED;
}
