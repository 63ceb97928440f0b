/* httpauth.h — asking a site's HTTP(S) endpoint whether a login may proceed,
 * for people kept outside the host (see docs/auth.md for the exchange). */
#ifndef WSGATE_HTTPAUTH_H
#define WSGATE_HTTPAUTH_H

#include <stddef.h>

#include "names.h"
#include "wserr.h"

/* Largest answer read; a longer one is a refusal. */
#define WS_HTTPAUTH_MAX_REPLY ((size_t)64 * 1024)
/* Most groups taken from one answer. */
#define WS_HTTPAUTH_MAX_GROUPS 64

struct ws_httpauth_req {
	const char *account;     /* "" when the login did not name one */
	const char *workspace;
	const char *method;      /* "publickey", "password", "keyboard-interactive" */
	const char *key_fp;      /* SHA256 fingerprint, or NULL */
	const char *key;         /* "type base64", or NULL */
	const char *password;    /* or NULL; never logged */
	const char *remote_addr;
	int remote_port;
};

struct ws_httpauth_answer {
	int allow;
	char account[WS_ACCOUNT_MAX + 1];
	char **groups;           /* NULL-terminated; owned by the answer */
	char message[256];       /* line for the user, "" if none */
};

/* POSTs req as JSON to url (timeout_s in all) and reads the answer. On WS_OK
 * *ans is filled (allow may be 0); clear it with ws_httpauth_answer_clear().
 * WS_ERR_IO / WS_ERR_TIMEOUT when the endpoint cannot be reached; anything
 * but a well-formed 200 answer counts as a refusal. */
ws_err ws_httpauth_ask(const char *url, int timeout_s, const struct ws_httpauth_req *req,
    struct ws_httpauth_answer *ans);

/* Parses an answer body (len bytes) for a login that named account ("" if
 * none). Returns WS_ERR_INVALID for malformed answers; on WS_OK *ans is set.
 * Exposed for unit tests and the fuzzer. */
ws_err ws_httpauth_parse(const char *body, size_t len, const char *account,
    struct ws_httpauth_answer *ans);

/* Frees what *ans owns and zeroes it; accepts a zeroed answer. */
void ws_httpauth_answer_clear(struct ws_httpauth_answer *ans);

#endif
