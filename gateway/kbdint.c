/* kbdint.c — keyboard-interactive logins: PAM's questions relayed to the
 * person (INFO_REQUEST) and their answers back to the PAM helper; without
 * PAM for the account, one "Password:" question for auth_url. */
#include <stdio.h>
#include <string.h>

#include "conn.h"
#include "login_int.h"
#include "pam.h"

#define WS_KBD_MAX_PROMPTS 16
#define WS_KBD_MAX_INSTRUCTION 1024

void ws_kbdint_end(struct ws_conn *c)
{
	ws_pam_free(c->kbd.pam);
	memset(&c->kbd, 0, sizeof(c->kbd));
}

/* Sends one INFO_REQUEST with the prompts collected. */
static int ws_kbd_ask(struct ws_conn *c, ssh_message msg, const char *instruction,
    const char **prompts, char *echo, int n)
{
	if (ssh_message_auth_interactive_request(msg, "", instruction, (unsigned)n, prompts,
	    echo) != SSH_OK)
		return -1;
	c->kbd.prompts = n;
	return 0;
}

/* Runs the PAM helper until it wants answers or is done, and replies to msg
 * accordingly. */
static void ws_kbd_pump(struct ws_conn *c, ssh_message msg)
{
	char texts[WS_KBD_MAX_PROMPTS][WS_PAM_TEXT_MAX + 1], echo[WS_KBD_MAX_PROMPTS];
	char instruction[WS_KBD_MAX_INSTRUCTION] = "";
	const char *prompts[WS_KBD_MAX_PROMPTS];
	struct ws_pam_event ev;
	int n = 0, i;
	size_t used;

	for (;;) {
		if (ws_pam_next(c->kbd.pam, c->ctx->cfg->login_grace_time * 1000, &ev) != WS_OK)
			break;
		switch (ev.kind) {
		case WS_PAM_EV_INFO:
			/* PAM's lines, kept as long as they fit. */
			used = strlen(instruction);
			if (used + strlen(ev.text) + 2 < sizeof(instruction)) {
				if (used > 0)
					instruction[used++] = '\n';
				memcpy(instruction + used, ev.text, strlen(ev.text) + 1);
			}
			continue;
		case WS_PAM_EV_PROMPT:
			if (n == WS_KBD_MAX_PROMPTS)
				goto fail;
			snprintf(texts[n], sizeof(texts[n]), "%s", ev.text);
			echo[n++] = (char)ev.echo;
			continue;
		case WS_PAM_EV_WAIT:
			for (i = 0; i < n; i++)
				prompts[i] = texts[i];
			if (n == 0 || ws_kbd_ask(c, msg, instruction, prompts, echo, n) != 0)
				goto fail;
			return;
		case WS_PAM_EV_RESULT:
			ws_kbdint_end(c);
			if (ev.result == WS_PAM_OK && !ws_login_host_account(c, c->named, &(gid_t){ 0 }))
				ev.result = WS_PAM_DENIED;
			if (ev.result == WS_PAM_OK) {
				if (ws_login_accept(c, c->named, NULL, "keyboard-interactive", "-", NULL, 1))
					ssh_message_auth_reply_success(msg, 0);
				else
					ssh_message_reply_default(msg);
				return;
			}
			if (ev.result != WS_PAM_DENIED) {
				ws_tell(c, "account '%s': %s", c->named, ws_pam_result_str(ev.result));
				ws_login_audit(c, c->login, c->named, "keyboard-interactive", "-",
				    "account-refused");
				c->fatal = 1;
				ssh_message_reply_default(msg);
				return;
			}
			goto fail;
		}
	}
fail:
	ws_kbdint_end(c);
	ws_login_audit(c, c->login, c->named, "keyboard-interactive", "-", "refused");
	ws_login_failed(c);
	ssh_message_reply_default(msg);
}

/* A keyboard-interactive answer arrived. */
static void ws_kbd_response(struct ws_conn *c, ssh_message msg)
{
	int n = ssh_userauth_kbdint_getnanswers(c->down), i, in;

	if (c->kbd.prompts == 0 || n != c->kbd.prompts) {
		ws_kbdint_end(c);
		ws_login_failed(c);
		ssh_message_reply_default(msg);
		return;
	}
	c->kbd.prompts = 0;
	if (c->kbd.pam != NULL) {
		for (i = 0; i < n; i++) {
			const char *a = ssh_userauth_kbdint_getanswer(c->down, (unsigned)i);
			if (ws_pam_answer(c->kbd.pam, a ? a : "") != WS_OK)
				break;
		}
		ws_kbd_pump(c, msg);
		return;
	}
	/* No PAM: the one answer is a password for auth_url. */
	in = ws_login_password(c, "keyboard-interactive", ssh_userauth_kbdint_getanswer(c->down, 0));
	if (in)
		ssh_message_auth_reply_success(msg, 0);
	else
		ssh_message_reply_default(msg);
}

void ws_kbdint_message(struct ws_conn *c, ssh_message msg)
{
	const struct ws_config *cfg = c->ctx->cfg;
	const char *prompt[1] = { "Password: " };
	char echo[1] = { 0 };

	if (c->fatal || c->authed) {
		ssh_message_reply_default(msg);
		return;
	}
	if (ssh_message_auth_kbdint_is_response(msg)) {
		ws_kbd_response(c, msg);
		return;
	}
	if (c->kbd.pam != NULL) {
		/* A new request abandons the conversation in progress: that
		 * was an attempt, or each request would fork a root PAM
		 * helper for free. */
		ws_kbdint_end(c);
		ws_login_audit(c, c->login, c->named, "keyboard-interactive", "-", "abandoned");
		ws_login_failed(c);
		if (c->fatal) {
			ssh_message_reply_default(msg);
			return;
		}
	}
	ws_kbdint_end(c); /* a new request starts over */
	if (ws_login_name(c, ssh_message_auth_user(msg)) != 0) {
		ssh_message_reply_default(msg);
		return;
	}
	/* PAM for host accounts; auth_url, when set, for everyone else. */
	if (c->named[0] != '\0' && cfg->pam_service[0] != '\0' &&
	    (cfg->auth_url[0] == '\0' || ws_login_host_account(c, c->named, &(gid_t){ 0 }))) {
		if (ws_pam_start(cfg->pam_service, c->named, c->peer_ip, WS_PAM_AUTH,
		    &c->kbd.pam) != WS_OK) {
			ws_login_failed(c);
			ssh_message_reply_default(msg);
			return;
		}
		ws_kbd_pump(c, msg);
		return;
	}
	if (cfg->auth_url[0] != '\0' && ws_kbd_ask(c, msg, "", prompt, echo, 1) == 0)
		return;
	if (c->named[0] == '\0' && !c->told_denied) {
		ws_tell(c, "passwords need the account name: log in as ACCOUNT+%s@gateway", c->name);
		c->told_denied = 1;
	}
	ws_login_failed(c);
	ssh_message_reply_default(msg);
}
