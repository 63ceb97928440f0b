#include "pam.h"

#include <crypt.h>
#include <errno.h>
#include <poll.h>
#include <security/pam_appl.h>
#include <shadow.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"

/* Messages are one datagram each: a type byte and text. Helper to network:
 * 'P' hidden prompt, 'E' visible prompt, 'I' info, 'X' error text, 'W' wait
 * for answers, 'R' result (byte 1 = result). Network to helper: 'A'. */
#define WS_PAM_MSG_MAX (WS_PAM_TEXT_MAX + 2)

struct ws_pam {
	pid_t pid;
	int fd;
	int finished;   /* the helper sent its result and is ending by itself */
};

/* How long a helper that sent its result gets to end on its own (pam_end,
 * and LeakSanitizer in test builds) before it is killed. */
#define WS_PAM_EXIT_WAIT_MS 3000

/* In the helper only: the first hidden answer, kept to tell a locked or
 * expired account (see ws_shadow_refusal). */
static char ws_helper_secret[WS_PAM_TEXT_MAX + 1];

static int ws_send(int fd, char type, const char *text, size_t len)
{
	char buf[WS_PAM_MSG_MAX];

	if (len > WS_PAM_TEXT_MAX)
		len = WS_PAM_TEXT_MAX;
	buf[0] = type;
	memcpy(buf + 1, text, len);
	return send(fd, buf, len + 1, MSG_NOSIGNAL) == (ssize_t)(len + 1) ? 0 : -1;
}

/* The helper's side of the conversation: every message goes out, then the
 * answers to its prompts come back in order. */
static int ws_conv(int n, const struct pam_message **msg, struct pam_response **resp,
    void *data)
{
	int fd = *(int *)data, i, prompts = 0;
	struct pam_response *r;
	char buf[WS_PAM_MSG_MAX + 1];
	ssize_t len;

	if (n <= 0 || n > PAM_MAX_NUM_MSG || (r = calloc((size_t)n, sizeof(*r))) == NULL)
		return PAM_CONV_ERR;
	for (i = 0; i < n; i++) {
		const char *t = msg[i]->msg ? msg[i]->msg : "";
		char type = msg[i]->msg_style == PAM_PROMPT_ECHO_OFF ? 'P' :
		    msg[i]->msg_style == PAM_PROMPT_ECHO_ON ? 'E' :
		    msg[i]->msg_style == PAM_ERROR_MSG ? 'X' : 'I';
		prompts += type == 'P' || type == 'E';
		if (ws_send(fd, type, t, strlen(t)) != 0)
			goto fail;
	}
	if (prompts > 0 && ws_send(fd, 'W', "", 0) != 0)
		goto fail;
	for (i = 0; i < n; i++) {
		if (msg[i]->msg_style != PAM_PROMPT_ECHO_OFF && msg[i]->msg_style != PAM_PROMPT_ECHO_ON)
			continue;
		len = recv(fd, buf, WS_PAM_MSG_MAX, 0);
		if (len < 1 || buf[0] != 'A')
			goto fail;
		buf[len] = '\0';
		if ((r[i].resp = strdup(buf + 1)) == NULL)
			goto fail;
		if (msg[i]->msg_style == PAM_PROMPT_ECHO_OFF && ws_helper_secret[0] == '\0')
			memcpy(ws_helper_secret, buf + 1, (size_t)len);
		explicit_bzero(buf, sizeof(buf));
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	explicit_bzero(buf, sizeof(buf));
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

static enum ws_pam_result ws_pam_map(int rc)
{
	switch (rc) {
	case PAM_SUCCESS:
		return WS_PAM_OK;
	case PAM_ACCT_EXPIRED:
		return WS_PAM_ACCT_EXPIRED;
	case PAM_NEW_AUTHTOK_REQD:
	case PAM_AUTHTOK_EXPIRED:
		return WS_PAM_PW_EXPIRED;
	case PAM_AUTH_ERR:
	case PAM_USER_UNKNOWN:
	case PAM_PERM_DENIED:
	case PAM_MAXTRIES:
	case PAM_CRED_INSUFFICIENT:
		return WS_PAM_DENIED;
	default:
		return WS_PAM_ERROR;
	}
}

/* Debian's stacks end in pam_deny, so a refused account stage comes back as
 * a bare PAM_AUTH_ERR. Read why from the shadow entry: WS_PAM_LOCKED,
 * WS_PAM_ACCT_EXPIRED, WS_PAM_PW_EXPIRED, or WS_PAM_DENIED when none. */
static enum ws_pam_result ws_shadow_state(const struct spwd *sp)
{
	long today = (long)(time(NULL) / 86400);

	if (sp->sp_pwdp != NULL && sp->sp_pwdp[0] == '!')
		return WS_PAM_LOCKED;
	if (sp->sp_expire >= 0 && today >= sp->sp_expire)
		return WS_PAM_ACCT_EXPIRED;
	if (sp->sp_lstchg == 0)
		return WS_PAM_PW_EXPIRED;
	return WS_PAM_DENIED;
}

/* pam_unix also refuses locked and expired accounts at the auth stage, with
 * the same answer as a wrong password. So that someone who knows the
 * password learns why, check it against the shadow entry; this never lets
 * anyone in. Returns as ws_shadow_state() when password matches. */
static enum ws_pam_result ws_shadow_refusal(const char *user, const char *password,
    int password_ok)
{
	struct crypt_data *cd = NULL;
	enum ws_pam_result res = WS_PAM_DENIED;
	struct spwd *sp = getspnam(user);
	const char *hash, *out;

	if (sp == NULL || (res = ws_shadow_state(sp)) == WS_PAM_DENIED || password_ok)
		return res;
	res = WS_PAM_DENIED;
	hash = sp->sp_pwdp + strspn(sp->sp_pwdp, "!");
	if (password[0] == '\0' || hash[0] == '\0' || (cd = calloc(1, sizeof(*cd))) == NULL)
		return WS_PAM_DENIED;
	out = crypt_r(password, hash, cd);
	if (out != NULL && out[0] != '*' && strcmp(out, hash) == 0)
		res = ws_shadow_state(sp);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return res;
}

/* The helper process: runs the PAM stages and reports. Never returns. */
static void ws_pam_helper(int fd, const char *service, const char *user, const char *rhost,
    enum ws_pam_mode mode)
{
	struct pam_conv conv = { ws_conv, &fd };
	pam_handle_t *ph = NULL;
	enum ws_pam_result result;
	char res[2];
	int rc, auth_failed;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	alarm(0);
	signal(SIGALRM, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	rc = pam_start(service, user, &conv, &ph);
	if (rc == PAM_SUCCESS)
		rc = pam_set_item(ph, PAM_RHOST, rhost);
	if (rc == PAM_SUCCESS && mode == WS_PAM_AUTH)
		rc = pam_authenticate(ph, PAM_DISALLOW_NULL_AUTHTOK);
	auth_failed = rc != PAM_SUCCESS;
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(ph, PAM_DISALLOW_NULL_AUTHTOK);
	result = ws_pam_map(rc);
	if (result == WS_PAM_DENIED)
		result = ws_shadow_refusal(user, ws_helper_secret, !auth_failed);
	explicit_bzero(ws_helper_secret, sizeof(ws_helper_secret));
	res[0] = 'R';
	res[1] = (char)('0' + result);
	(void)send(fd, res, 2, MSG_NOSIGNAL);
	if (ph != NULL)
		pam_end(ph, rc);
	ws_proc_exit(0);
}

ws_err ws_pam_start(const char *service, const char *user, const char *rhost,
    enum ws_pam_mode mode, struct ws_pam **out)
{
	struct ws_pam *p = NULL;
	int sv[2] = { -1, -1 };
	ws_err rc = WS_ERR_IO;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return WS_ERR_NOMEM;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		goto out;
	p->pid = fork();
	if (p->pid < 0)
		goto out;
	if (p->pid == 0) {
		close(sv[0]);
		ws_pam_helper(sv[1], service, user, rhost, mode);
	}
	close(sv[1]);
	sv[1] = -1;
	p->fd = sv[0];
	sv[0] = -1;
	*out = p;
	p = NULL;
	rc = WS_OK;
out:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	free(p);
	return rc;
}

ws_err ws_pam_next(struct ws_pam *p, int timeout_ms, struct ws_pam_event *ev)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	char buf[WS_PAM_MSG_MAX + 1];
	ssize_t len;
	int n;

	while ((n = poll(&pfd, 1, timeout_ms)) < 0 && errno == EINTR)
		;
	if (n == 0)
		return WS_ERR_TIMEOUT;
	if (n < 0 || (len = recv(p->fd, buf, WS_PAM_MSG_MAX, 0)) < 1)
		return WS_ERR_IO;
	buf[len] = '\0';
	memset(ev, 0, sizeof(*ev));
	switch (buf[0]) {
	case 'P':
	case 'E':
		ev->kind = WS_PAM_EV_PROMPT;
		ev->echo = buf[0] == 'E';
		break;
	case 'I':
	case 'X':
		ev->kind = WS_PAM_EV_INFO;
		break;
	case 'W':
		ev->kind = WS_PAM_EV_WAIT;
		return WS_OK;
	case 'R':
		if (len != 2 || buf[1] < '0' || buf[1] > '0' + WS_PAM_LOCKED)
			return WS_ERR_IO;
		ev->kind = WS_PAM_EV_RESULT;
		ev->result = (enum ws_pam_result)(buf[1] - '0');
		p->finished = 1;
		return WS_OK;
	default:
		return WS_ERR_IO;
	}
	memcpy(ev->text, buf + 1, (size_t)len); /* len - 1 bytes and the NUL */
	return WS_OK;
}

ws_err ws_pam_answer(struct ws_pam *p, const char *answer)
{
	return ws_send(p->fd, 'A', answer, strlen(answer)) == 0 ? WS_OK : WS_ERR_IO;
}

void ws_pam_free(struct ws_pam *p)
{
	if (p == NULL)
		return;
	close(p->fd);
	if (p->pid > 0) {
		int waited = 0;

		/* A helper that is done ends by itself at once; one still in the
		 * middle of a conversation (the client went away) is killed. */
		while (p->finished && waited < WS_PAM_EXIT_WAIT_MS &&
		    waitpid(p->pid, NULL, WNOHANG) == 0) {
			ws_clock_sleep_ms(10);
			waited += 10;
		}
		if (waitpid(p->pid, NULL, WNOHANG) == 0) {
			kill(p->pid, SIGKILL);
			while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	free(p);
}

ws_err ws_pam_run(const char *service, const char *user, const char *rhost,
    enum ws_pam_mode mode, const char *password, int timeout_ms,
    enum ws_pam_result *result, char *message, size_t msglen)
{
	struct ws_pam *p = NULL;
	struct ws_pam_event ev;
	int failed = 0;
	ws_err rc;

	message[0] = '\0';
	if ((rc = ws_pam_start(service, user, rhost, mode, &p)) != WS_OK)
		return rc;
	for (;;) {
		if ((rc = ws_pam_next(p, timeout_ms, &ev)) != WS_OK)
			break;
		if (ev.kind == WS_PAM_EV_RESULT) {
			*result = failed ? WS_PAM_DENIED : ev.result;
			break;
		}
		if (ev.kind == WS_PAM_EV_INFO)
			snprintf(message, msglen, "%s", ev.text);
		if (ev.kind == WS_PAM_EV_PROMPT) {
			/* A visible prompt wants something other than the password. */
			failed |= ev.echo || password == NULL;
			if ((rc = ws_pam_answer(p, failed ? "" : password)) != WS_OK)
				break;
		}
	}
	ws_pam_free(p);
	return rc;
}

const char *ws_pam_result_str(enum ws_pam_result result)
{
	switch (result) {
	case WS_PAM_OK:
		return "accepted";
	case WS_PAM_DENIED:
		return "permission denied";
	case WS_PAM_ACCT_EXPIRED:
		return "the account has expired; ask an administrator";
	case WS_PAM_LOCKED:
		return "the account is locked; ask an administrator";
	case WS_PAM_PW_EXPIRED:
		return "the password has expired; change it on the host (passwd) or ask an administrator";
	case WS_PAM_ERROR:
	default:
		return "the PAM stack failed; ask an administrator to check the wsgate PAM service";
	}
}
