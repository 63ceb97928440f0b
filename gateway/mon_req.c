/* mon_req.c — the monitor's side of monproto.h: each request the child may
 * make, in the state it may make it, with its shape and its handler (a
 * table, as OpenSSH's monitor.c has mon_dispatch), and the answers; a line
 * for the person (TELL). The workspace login it asks of the child is in
 * mon_try.c. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "clock.h"
#include "config.h"
#include "keyline.h"
#include "log.h"
#include "login_int.h"
#include "metrics_report.h"
#include "mon_int.h"
#include "recording.h"
#include "userblob.h"

struct ws_mon_req {
	enum ws_mp_type type;
	unsigned states;             /* the states it may come in (WS_IN) */
	const char *shape;           /* monproto.h */
	void (*handle)(struct ws_mon *m);
};

#define WS_IN(st) (1u << (st))

/* Most key exchanges signed for a child not logged in. */
#define WS_MON_PREAUTH_SIGNS 3
/* Most STATS taken in one second: the bridge sends one a second at most. */
#define WS_MON_STATS_PER_SECOND 4

void ws_mon_grace_extend(struct ws_mon *m, double seconds)
{
	if (m->grace_end > 0 && seconds > 0)
		m->grace_end += seconds;
}

void ws_mon_tell(struct ws_mon *m, const char *line)
{
	static struct ws_mp t;

	if (m->state == WS_MON_CLOSED)
		return;
	ws_mp_start(&t, WS_MP_TELL);
	ws_mp_put_str(&t, line);
	(void)ws_mp_send(m->req_sock, &t, 1);
}

/* Answers an authentication request with outcome (WS_MP_OUT_*). */
static void ws_mon_result(struct ws_mon *m, int outcome)
{
	struct ws_conn *c = &m->c;
	struct ws_mp *r = &m->mp;
	/* Whole seconds, rounded up: the child's alarm ends it at grace_end
	 * or just after, never before (ws_mon_end tells the two apart). */
	double left = m->grace_end > 0 ? m->grace_end - ws_clock_now() + 0.999 : 0;
	uint32_t restr = 0;
	int i;

	ws_mp_start(r, WS_MP_RESULT);
	ws_mp_put_u32(r, (uint32_t)outcome);
	ws_mp_put_u32(r, (uint32_t)c->fatal);
	ws_mp_put_u32(r, c->authed ? 0 : left < 1 ? 1 : (uint32_t)left);
	if (outcome == WS_MP_OUT_PROMPTS) {
		ws_mp_put_str(r, c->kbd.instruction);
		ws_mp_put_u32(r, (uint32_t)c->kbd.prompts);
		for (i = 0; i < c->kbd.prompts; i++)
			ws_mp_put_str(r, c->kbd.text[i]);
		ws_mp_put_str(r, c->kbd.echo);
	} else if (outcome == WS_MP_OUT_SUCCESS) {
		restr |= c->restr.no_pty ? WS_MP_NO_PTY : 0;
		restr |= c->restr.no_port_forwarding ? WS_MP_NO_PORT_FORWARDING : 0;
		restr |= c->restr.no_agent_forwarding ? WS_MP_NO_AGENT_FORWARDING : 0;
		restr |= c->restr.no_x11_forwarding ? WS_MP_NO_X11_FORWARDING : 0;
		restr |= c->record == WS_RECORD_INPUT ? WS_MP_RECORD_INPUT :
		    c->record == WS_RECORD_OUTPUT ? WS_MP_RECORD_OUTPUT : 0;
		ws_mp_put_str(r, c->account);
		ws_mp_put_str(r, c->name);
		ws_mp_put_u32(r, restr);
	}
	if (ws_mp_send(m->req_sock, r, 1) != WS_OK)
		ws_mon_violation(m, "it does not take the monitor's answers");
}

/* After an authentication request: the session begins, or the answer. */
static void ws_mon_answer(struct ws_mon *m, int outcome)
{
	struct ws_conn *c = &m->c;

	if (c->authed) {
		const char *kv[] = { "src", c->peer_ip, "port", c->port_str, "account", c->account,
			"workspace", c->name, "method", c->method, "key", c->key_fp, NULL };
		ws_audit("session-start", kv);
		ws_msend_add(WS_M_SESSIONS_TOTAL, 0, 1);
		m->since = ws_clock_now();
		ws_mon_set_state(m, WS_MON_SESSION);
	}
	if (m->state != WS_MON_CLOSED)
		ws_mon_result(m, outcome);
}

static void ws_req_hello(struct ws_mon *m)
{
	ssh_key k = NULL;

	ws_mp_get_str(&m->mp, m->key, sizeof(m->key));
	if (!ws_mp_done(&m->mp) ||
	    ssh_pki_import_pubkey_base64(m->key, SSH_KEYTYPE_ED25519, &k) != SSH_OK) {
		ws_mon_violation(m, "a session key that is no ed25519 public key");
		return;
	}
	ssh_key_free(k);
	ws_mon_set_state(m, WS_MON_PREAUTH);
}

/* A signature the child says is valid, verified again here: over this
 * connection's session, for user and key (userblob.h). Returns WS_OK;
 * WS_ERR_SSH for an algorithm we refuse (SHA-1: the client's choice, a
 * failed attempt); anything else means the child lied. *why says why. */
static ws_err ws_req_pubkey_sig(struct ws_mon *m, const char *user, const char *key,
    const unsigned char *sig, size_t siglen, const unsigned char *data, size_t len,
    const char **why)
{
	ssh_key k = NULL;
	unsigned char *kblob = NULL, *hblob = NULL;
	struct ws_userblob_want w;
	ws_err rc = WS_ERR_INVALID;
	const char *said = NULL;

	*why = "a key or host key that cannot be read";
	memset(&w, 0, sizeof(w));
	if (ws_keyline_parse(key, &k) != WS_OK || ws_keyline_blob(k, &kblob, &w.key_len) != WS_OK ||
	    ws_keyline_blob(m->hostkey, &hblob, &w.hostkey_len) != WS_OK)
		goto out;
	w.session_id = m->sid;
	w.session_id_len = m->sid_len;
	w.user = user;
	w.key = kblob;
	w.hostkey = hblob;
	/* Decided by what it returns, never by its reason alone. */
	rc = ws_userblob_verify(k, sig, siglen, data, len, &w, &said);
	*why = rc == WS_OK ? NULL : said != NULL ? said : "a signature that was not verified";
out:
	free(kblob);
	free(hblob);
	ssh_key_free(k);
	return rc;
}

static void ws_req_pubkey(struct ws_mon *m)
{
	static char key[WS_MP_MAX];
	char user[WS_MP_USER_MAX + 1], what[160];
	const unsigned char *sig, *data;
	size_t siglen = 0, len = 0;
	const char *why = NULL;
	uint32_t state;
	ws_err rc;

	ws_mp_get_str(&m->mp, user, sizeof(user));
	ws_mp_get_str(&m->mp, key, sizeof(key));
	state = ws_mp_get_u32(&m->mp);
	sig = ws_mp_get_bytes(&m->mp, WS_MP_MAX, &siglen);
	data = ws_mp_get_bytes(&m->mp, WS_MP_MAX, &len);
	if (!ws_mp_done(&m->mp) || state > WS_MP_SIG_WRONG ||
	    (state != WS_MP_SIG_VALID && (siglen > 0 || len > 0))) {
		ws_mon_violation(m, "a malformed publickey request");
		return;
	}
	/* libssh checked it in the child; a child that lies is taken over. */
	if (state == WS_MP_SIG_VALID &&
	    (rc = ws_req_pubkey_sig(m, user, key, sig, siglen, data, len, &why)) != WS_OK) {
		if (rc != WS_ERR_SSH) {
			snprintf(what, sizeof(what), "a publickey signature the monitor refuses: %s", why);
			ws_mon_violation(m, what);
			return;
		}
		ws_info("refusing a publickey signature for %s: %s", user, why);
		state = WS_MP_SIG_WRONG;
	}
	ws_mon_answer(m, ws_login_pubkey(&m->c, user, key, (int)state));
}

/* SIGN: the key exchange's signature, made with the host key the child
 * does not hold. Only an exchange hash is signed (32, 48 or 64 bytes, with
 * an algorithm of our key's type); the first is the session identifier the
 * signatures of publickey logins must cover (OpenSSH's mm_answer_sign). */
static void ws_req_sign(struct ws_mon *m)
{
	char alg[WS_MP_ALG_MAX + 1];
	unsigned char hash[WS_MP_HASH_MAX];
	const unsigned char *p;
	ssh_string sig = NULL;
	size_t n = 0;

	ws_mp_get_str(&m->mp, alg, sizeof(alg));
	p = ws_mp_get_bytes(&m->mp, WS_MP_HASH_MAX, &n);
	if (!ws_mp_done(&m->mp) || p == NULL || (n != 32 && n != 48 && n != 64)) {
		ws_mon_violation(m, "a signing request for something that is no exchange hash");
		return;
	}
	/* A login needs one key exchange, a rekey or two more at most: more
	 * from a child not logged in is an oracle being worked. */
	if (m->state == WS_MON_PREAUTH && ++m->signs > WS_MON_PREAUTH_SIGNS) {
		ws_mon_violation(m, "more key exchanges before login than a login needs");
		return;
	}
	memcpy(hash, p, n);
	/* After login the monitor reads the key only when a rekey needs it. */
	if (m->hostkey == NULL && ws_mon_hostkey(m) != WS_OK) {
		kill(m->child, SIGKILL);
		m->killed = WS_MON_KILLED_SLOW;
		ws_mon_set_state(m, WS_MON_CLOSED);
		return;
	}
	if (ssh_pki_signature_sign_blob(m->hostkey, alg, hash, n, &sig) != SSH_OK) {
		ws_mon_violation(m, "a signing request with an algorithm our host key has not");
		return;
	}
	if (m->sid_len == 0) {
		memcpy(m->sid, hash, n);
		m->sid_len = n;
	}
	ws_mp_start(&m->mp, WS_MP_SIGNATURE);
	ws_mp_put_bytes(&m->mp, ssh_string_data(sig), ssh_string_len(sig));
	ssh_string_free(sig);
	if (ws_mp_send(m->req_sock, &m->mp, 1) != WS_OK)
		ws_mon_violation(m, "it does not take the monitor's answers");
}

/* Reads one of the person's secrets into out (WS_PAM_TEXT_MAX + 1 bytes):
 * 1 when it fits, 0 for one longer than PAM takes (the child sends such a
 * one cut to a byte more). */
static int ws_req_secret(struct ws_mp *mp, char *out)
{
	size_t n = 0;
	const unsigned char *p = ws_mp_get_bytes(mp, WS_PAM_TEXT_MAX + 1, &n);

	out[0] = '\0';
	if (p == NULL || n > WS_PAM_TEXT_MAX)
		return 0;
	memcpy(out, p, n);
	out[n] = '\0';
	return 1;
}

/* A secret longer than PAM takes: a failed attempt, checked by nobody. */
static int ws_req_overlong(struct ws_mon *m, const char *user, const char *method)
{
	struct ws_conn *c = &m->c;

	if (c->fatal || c->authed || ws_login_name(c, user) != 0)
		return WS_MP_OUT_DENIED;
	ws_tell(c, "that answer is longer than the %d bytes a password may have", WS_PAM_TEXT_MAX);
	ws_login_audit(c, c->login, c->named, method, "-", "refused");
	ws_login_failed(c);
	return WS_MP_OUT_DENIED;
}

static void ws_req_password(struct ws_mon *m)
{
	char user[WS_MP_USER_MAX + 1], pw[WS_PAM_TEXT_MAX + 1];
	int outcome, fits;

	ws_mp_get_str(&m->mp, user, sizeof(user));
	fits = ws_req_secret(&m->mp, pw);
	if (!ws_mp_done(&m->mp)) {
		explicit_bzero(pw, sizeof(pw));
		ws_mon_violation(m, "a malformed password request");
		return;
	}
	outcome = fits ? ws_login_passwd(&m->c, user, pw) : ws_req_overlong(m, user, "password");
	explicit_bzero(pw, sizeof(pw));
	/* All of it: a TRY since may have left a shorter length. */
	explicit_bzero(m->mp.buf, sizeof(m->mp.buf));
	ws_mon_answer(m, outcome);
}

static void ws_req_kbd_start(struct ws_mon *m)
{
	char user[WS_MP_USER_MAX + 1];

	ws_mp_get_str(&m->mp, user, sizeof(user));
	if (!ws_mp_done(&m->mp)) {
		ws_mon_violation(m, "a malformed keyboard-interactive request");
		return;
	}
	ws_mon_answer(m, ws_kbdint_start(&m->c, user));
}

static void ws_req_kbd_answers(struct ws_mon *m)
{
	static char answers[WS_MP_MAX_LIST][WS_PAM_TEXT_MAX + 1];
	uint32_t n = ws_mp_get_u32(&m->mp), i;
	int outcome, fits = 1;

	for (i = 0; i < n && i < WS_MP_MAX_LIST; i++)
		fits &= ws_req_secret(&m->mp, answers[i]);
	if (n > WS_MP_MAX_LIST || !ws_mp_done(&m->mp)) {
		explicit_bzero(answers, sizeof(answers));
		ws_mon_violation(m, "malformed keyboard-interactive answers");
		return;
	}
	if (fits) {
		outcome = ws_kbdint_answers(&m->c, answers, (int)n);
	} else {
		ws_kbdint_end(&m->c);
		outcome = ws_req_overlong(m, m->c.login, "keyboard-interactive");
	}
	explicit_bzero(answers, sizeof(answers));
	explicit_bzero(m->mp.buf, sizeof(m->mp.buf));
	ws_mon_answer(m, outcome);
}

static void ws_req_end(struct ws_mon *m)
{
	uint64_t in = ws_mp_get_u64(&m->mp), out = ws_mp_get_u64(&m->mp);

	snprintf(m->in, sizeof(m->in), "%llu", (unsigned long long)in);
	snprintf(m->out, sizeof(m->out), "%llu", (unsigned long long)out);
	/* The bytes since its last STATS (counts below those: nothing). */
	(void)ws_mon_metrics_figures(m, in, out, NULL);
	ws_mon_set_state(m, WS_MON_CLOSED);
}

/* STATS: the bridge's figures for the metrics, checked and passed on. */
static void ws_req_stats(struct ws_mon *m)
{
	uint32_t kinds[WS_MP_CHANNEL_TYPES];
	uint64_t in = ws_mp_get_u64(&m->mp), out = ws_mp_get_u64(&m->mp);
	int i;

	for (i = 0; i < WS_MP_CHANNEL_TYPES; i++)
		kinds[i] = ws_mp_get_u32(&m->mp);
	if (!ws_mp_done(&m->mp)) {
		ws_mon_violation(m, "malformed figures");
		return;
	}
	if (!ws_rate_take(&m->fig.rate, ws_clock_now(), WS_MON_STATS_PER_SECOND)) {
		ws_mon_violation(m, "figures more often than once a second");
		return;
	}
	if (ws_mon_metrics_figures(m, in, out, kinds) != 0)
		ws_mon_violation(m, "figures that cannot be true (bytes going back, more channels than max_channels)");
}

static const struct ws_mon_req ws_mon_reqs[] = {
	{ WS_MP_HELLO, WS_IN(WS_MON_HELLO), "s", ws_req_hello },
	{ WS_MP_SIGN, WS_IN(WS_MON_PREAUTH) | WS_IN(WS_MON_SESSION), "sb", ws_req_sign },
	{ WS_MP_PUBKEY, WS_IN(WS_MON_PREAUTH), "ss4bb", ws_req_pubkey },
	{ WS_MP_PASSWORD, WS_IN(WS_MON_PREAUTH), "ss", ws_req_password },
	{ WS_MP_KBD_START, WS_IN(WS_MON_PREAUTH), "s", ws_req_kbd_start },
	{ WS_MP_KBD_ANSWERS, WS_IN(WS_MON_PREAUTH), "n", ws_req_kbd_answers },
	{ WS_MP_END, WS_IN(WS_MON_SESSION), "88", ws_req_end },
	{ WS_MP_REC_OPEN, WS_IN(WS_MON_SESSION), "444s", ws_req_rec_open },
	{ WS_MP_REC_DATA, WS_IN(WS_MON_SESSION), "44b", ws_req_rec_data },
	{ WS_MP_REC_RESIZE, WS_IN(WS_MON_SESSION), "444", ws_req_rec_resize },
	{ WS_MP_REC_LOST, WS_IN(WS_MON_SESSION), "48", ws_req_rec_lost },
	{ WS_MP_REC_CLOSE, WS_IN(WS_MON_SESSION), "4", ws_req_rec_close },
	{ WS_MP_STATS, WS_IN(WS_MON_SESSION), WS_MP_STATS_SHAPE, ws_req_stats },
	{ WS_MP_CMD, WS_IN(WS_MON_SESSION), WS_MP_CMD_SHAPE, ws_req_cmd },
};

void ws_mon_request(struct ws_mon *m)
{
	char what[120];
	size_t i;
	ws_err rc = ws_mp_recv(m->req_sock, &m->mp);
	int type;

	if (rc == WS_ERR_IO) {
		/* Its end (or an empty message: the same to us). */
		ws_mon_set_state(m, WS_MON_CLOSED);
		return;
	}
	/* No request carries a descriptor. */
	if (rc != WS_OK || m->mp.fd >= 0) {
		ws_mp_close_fd(&m->mp);
		ws_mon_violation(m, "a message too long, or with descriptors");
		return;
	}
	type = ws_mp_type(&m->mp);
	for (i = 0; i < sizeof(ws_mon_reqs) / sizeof(ws_mon_reqs[0]); i++) {
		if (ws_mon_reqs[i].type != (enum ws_mp_type)type)
			continue;
		if (!(ws_mon_reqs[i].states & WS_IN(m->state))) {
			snprintf(what, sizeof(what), "request %d out of turn", type);
			ws_mon_violation(m, what);
		} else if (!ws_mp_valid(&m->mp, ws_mon_reqs[i].shape)) {
			snprintf(what, sizeof(what), "request %d malformed", type);
			ws_mon_violation(m, what);
		} else {
			ws_mon_reqs[i].handle(m);
		}
		return;
	}
	snprintf(what, sizeof(what), "unknown request %d", type);
	ws_mon_violation(m, what);
}
