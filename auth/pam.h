/* pam.h — PAM in a helper process. pam_authenticate() and pam_acct_mgmt()
 * run in a child forked per attempt, talking to the network side over a
 * socketpair: prompts go out, answers come back. The network side never
 * links PAM state into its own memory, a slow module stalls nobody else, and
 * the helper is the piece that keeps root once the network side drops it.
 * Passwords travel only over that socketpair and are never logged. */
#ifndef WSGATE_PAM_H
#define WSGATE_PAM_H

#include <stddef.h>

#include "wserr.h"

/* Longest prompt, message or answer carried (PAM's own limit is 512). */
#define WS_PAM_TEXT_MAX 1024

enum ws_pam_mode {
	WS_PAM_AUTH,            /* pam_authenticate, then pam_acct_mgmt */
	WS_PAM_ACCOUNT,         /* pam_acct_mgmt only (after a key login) */
};

enum ws_pam_result {
	WS_PAM_OK,
	WS_PAM_DENIED,          /* wrong password, unknown user, refused */
	WS_PAM_ACCT_EXPIRED,    /* the account has expired */
	WS_PAM_PW_EXPIRED,      /* the password must be changed first */
	WS_PAM_ERROR,           /* PAM itself failed (service file, module) */
	WS_PAM_LOCKED,          /* the password is locked (passwd -l) */
};

enum ws_pam_event_kind {
	WS_PAM_EV_PROMPT,       /* a question; answer it (in order) */
	WS_PAM_EV_INFO,         /* a line to show the user */
	WS_PAM_EV_WAIT,         /* end of a batch: the helper waits for answers */
	WS_PAM_EV_RESULT,       /* final: result is set, the helper is done */
};

struct ws_pam_event {
	enum ws_pam_event_kind kind;
	int echo;               /* prompts: show the answer while typed */
	enum ws_pam_result result;
	char text[WS_PAM_TEXT_MAX + 1];
};

struct ws_pam;

/* Starts a helper running service for user from rhost (for PAM_RHOST) in
 * mode. On WS_OK *out owns the helper; free it with ws_pam_free(). */
ws_err ws_pam_start(const char *service, const char *user, const char *rhost,
    enum ws_pam_mode mode, struct ws_pam **out);

/* Waits up to timeout_ms for the helper's next event into *ev. Returns
 * WS_ERR_TIMEOUT, or WS_ERR_IO when the helper died or sent garbage. */
ws_err ws_pam_next(struct ws_pam *p, int timeout_ms, struct ws_pam_event *ev);

/* Sends the answer to the next unanswered prompt. */
ws_err ws_pam_answer(struct ws_pam *p, const char *answer);

/* Ends the helper (killing it when still running) and frees p; accepts NULL. */
void ws_pam_free(struct ws_pam *p);

/* Runs a whole PAM exchange in mode without a person to ask: every hidden
 * prompt is answered with password (NULL: the exchange fails), a visible
 * prompt fails it. Sets *result; message (size msglen) gets PAM's last info
 * line, if any. WS_ERR_* when the helper failed or timed out. */
ws_err ws_pam_run(const char *service, const char *user, const char *rhost,
    enum ws_pam_mode mode, const char *password, int timeout_ms,
    enum ws_pam_result *result, char *message, size_t msglen);

/* Returns a line for the user about result (e.g. "the password has expired"). */
const char *ws_pam_result_str(enum ws_pam_result result);

#endif
