/* The libssh patch (packaging/libssh/wsgate.patch), hunk by hunk, against
 * the library wsgate links: a libssh server in a thread and a libssh client
 * here, over a socketpair. The server only notes what it sees (cmocka's
 * checks must run in this thread); a test reads its notes once it ended. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libssh/libssh.h>
#include <libssh/server.h>

#include "keyline.h"
#include "userblob.h"

#define USER "alice"
#define DEADLINE 20      /* seconds a server may run after its client ended */
#define GUARD 90         /* seconds a test may take: the last resort */

/* What the host key callback does. */
enum sign {
	SIGN_NOCB,       /* no callback */
	SIGN_OK,         /* signs with the private key */
	SIGN_FAIL,       /* signs, then says it failed */
	SIGN_OTHER,      /* signs other bytes */
	SIGN_EMPTY,      /* says it signed, without a signature */
};

struct srv {
	/* set by the test */
	ssh_key key;        /* the host key (private) */
	int public_only;    /* the server holds only its public half */
	enum sign sign;
	int pubkey_only;    /* "none" is refused: a publickey login */
	long timeout;       /* the server's, in seconds; 0: DEADLINE */
	/* the connection */
	int cfd;            /* the client's end */
	ssh_bind bind;
	ssh_session session;
	pthread_t thread;
	/* what the server saw */
	int kex_rc;
	int signs;          /* callback calls */
	int cb_private;     /* the callback's key had a private half */
	int cb_same;        /* and was the host key */
	char alg[32];
	unsigned char sid[64];
	size_t sid_len;
	int stray;          /* a getter answered for a message not its own */
	unsigned char sig[1024], data[4096];
	size_t siglen, datalen;
	char log[4096];
	char end[128];      /* libssh's last error when the server ended */
};

static ssh_key hostkey, userkey, rsakey;

static int keys(void **state)
{
	ssh_pki_ctx ctx = ssh_pki_ctx_new();
	int bits = 2048, rc;

	(void)state;
	/* A peer gone during a write must not kill the test. */
	signal(SIGPIPE, SIG_IGN);
	rc = ctx != NULL && ssh_pki_ctx_options_set(ctx, SSH_PKI_OPTION_RSA_KEY_SIZE, &bits) == SSH_OK &&
	    ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &hostkey) == SSH_OK &&
	    ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &userkey) == SSH_OK &&
	    ssh_pki_generate_key(SSH_KEYTYPE_RSA, ctx, &rsakey) == SSH_OK ? 0 : -1;
	ssh_pki_ctx_free(ctx);
	return rc;
}

static int keys_free(void **state)
{
	(void)state;
	ssh_key_free(hostkey);
	ssh_key_free(userkey);
	ssh_key_free(rsakey);
	return 0;
}

/* A test that hangs in spite of every timeout ends the run. */
static int arm(void **state)
{
	(void)state;
	alarm(GUARD);
	return 0;
}

static int disarm(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

__attribute__((format(printf, 2, 3)))
static void note(struct srv *s, const char *fmt, ...)
{
	size_t n = strlen(s->log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->log + n, sizeof(s->log) - n, fmt, ap);
	va_end(ap);
}

static void hex(char *out, size_t outlen, const unsigned char *p, size_t n)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < n && 2 * i + 2 < outlen; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

/* The message getters are deprecated in favour of server callbacks, which
 * wsgate does not use (gateway/preauth.c): the test serves as it does. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"

static int sign_cb(ssh_session session, ssh_key key, const char *alg,
    const unsigned char *data, size_t len, ssh_string *sig, void *userdata)
{
	struct srv *s = userdata;
	unsigned char other[128];

	(void)session;
	/* The first exchange hash is the session identifier. */
	if (s->signs++ == 0 && len <= sizeof(s->sid)) {
		memcpy(s->sid, data, len);
		s->sid_len = len;
	}
	snprintf(s->alg, sizeof(s->alg), "%s", alg);
	s->cb_private = ssh_key_is_private(key);
	s->cb_same = ssh_key_cmp(key, s->key, SSH_KEY_CMP_PUBLIC) == 0;
	switch (s->sign) {
	case SIGN_EMPTY:
		return SSH_OK;
	case SIGN_OTHER:
		if (len > sizeof(other))
			return SSH_ERROR;
		memcpy(other, data, len);
		other[0] ^= 1;
		return ssh_pki_signature_sign_blob(s->key, alg, other, len, sig);
	case SIGN_FAIL:
		/* What it made is libssh's to free (LeakSanitizer checks). */
		(void)ssh_pki_signature_sign_blob(s->key, alg, data, len, sig);
		return SSH_ERROR;
	default:
		return ssh_pki_signature_sign_blob(s->key, alg, data, len, sig);
	}
}

static void serve_auth(struct srv *s, ssh_message msg)
{
	const unsigned char *sig = NULL, *data = NULL;
	size_t siglen = 0, len = 0;
	int rc = ssh_message_auth_signature(msg, &sig, &siglen, &data, &len);
	enum ssh_publickey_state_e st;

	switch (ssh_message_subtype(msg)) {
	case SSH_AUTH_METHOD_NONE:
		note(s, "auth none sig=%d\n", rc);
		if (!s->pubkey_only) {
			ssh_message_auth_reply_success(msg, 0);
			return;
		}
		break;
	case SSH_AUTH_METHOD_PASSWORD:
		note(s, "auth password sig=%d\n", rc);
		break;
	case SSH_AUTH_METHOD_PUBLICKEY:
		st = ssh_message_auth_publickey_state(msg);
		if (st == SSH_PUBLICKEY_STATE_NONE) {
			note(s, "auth probe sig=%d\n", rc);
			ssh_message_auth_reply_pk_ok_simple(msg);
			return;
		}
		note(s, "auth publickey %s sig=%d null=%d\n", st == SSH_PUBLICKEY_STATE_VALID ? "valid" : "invalid", rc,
		    ssh_message_auth_signature(msg, NULL, &siglen, &data, &len));
		if (rc == SSH_OK && siglen <= sizeof(s->sig) && len <= sizeof(s->data)) {
			memcpy(s->sig, sig, siglen);
			s->siglen = siglen;
			memcpy(s->data, data, len);
			s->datalen = len;
			ssh_message_auth_reply_success(msg, 0);
			return;
		}
		break;
	default:
		note(s, "auth method %d\n", ssh_message_subtype(msg));
	}
	ssh_message_auth_set_methods(msg, SSH_AUTH_METHOD_PUBLICKEY | SSH_AUTH_METHOD_PASSWORD);
	ssh_message_reply_default(msg);
}

static const char *open_name(int t)
{
	switch (t) {
	case SSH_CHANNEL_SESSION: return "session";
	case SSH_CHANNEL_DIRECT_TCPIP: return "direct-tcpip";
	case SSH_CHANNEL_FORWARDED_TCPIP: return "forwarded-tcpip";
	case SSH_CHANNEL_X11: return "x11";
	case SSH_CHANNEL_AUTH_AGENT: return "auth-agent";
	case SSH_CHANNEL_DIRECT_STREAMLOCAL: return "direct-streamlocal";
	case SSH_CHANNEL_FORWARDED_STREAMLOCAL: return "forwarded-streamlocal";
	default: return "unknown";
	}
}

static const char *global_name(int t)
{
	switch (t) {
	case SSH_GLOBAL_REQUEST_TCPIP_FORWARD: return "tcpip-forward";
	case SSH_GLOBAL_REQUEST_CANCEL_TCPIP_FORWARD: return "cancel-tcpip-forward";
	case SSH_GLOBAL_REQUEST_STREAMLOCAL_FORWARD: return "streamlocal-forward";
	case SSH_GLOBAL_REQUEST_CANCEL_STREAMLOCAL_FORWARD: return "cancel-streamlocal-forward";
	default: return "unknown";
	}
}

/* Paths with "denied" are refused. */
static int denied(const char *path)
{
	return path != NULL && strstr(path, "denied") != NULL;
}

static void serve_open(struct srv *s, ssh_message msg)
{
	const char *dest = ssh_message_channel_request_open_destination(msg);

	note(s, "open %s %s\n", open_name(ssh_message_subtype(msg)), dest != NULL ? dest : "-");
	if (denied(dest) || ssh_message_channel_request_open_reply_accept(msg) == NULL)
		ssh_message_reply_default(msg);
}

static void serve_request(struct srv *s, ssh_message msg)
{
	const unsigned char *modes;
	size_t n = 0;
	char h[256];

	switch (ssh_message_subtype(msg)) {
	case SSH_CHANNEL_REQUEST_PTY:
		modes = ssh_message_channel_request_pty_modes(msg, &n);
		hex(h, sizeof(h), modes, n);
		note(s, "pty %s %dx%d modes=%s%s nolen=%s break=%u\n",
		    ssh_message_channel_request_pty_term(msg),
		    ssh_message_channel_request_pty_width(msg),
		    ssh_message_channel_request_pty_height(msg), modes != NULL ? "" : "null", h,
		    ssh_message_channel_request_pty_modes(msg, NULL) != NULL ? "set" : "null",
		    ssh_message_channel_request_break_length(msg));
		break;
	case SSH_CHANNEL_REQUEST_BREAK:
		note(s, "break %u\n", ssh_message_channel_request_break_length(msg));
		break;
	case SSH_CHANNEL_REQUEST_ENV:
		note(s, "env %s\n", ssh_message_channel_request_env_name(msg));
		break;
	default:
		note(s, "request %d\n", ssh_message_subtype(msg));
	}
	ssh_message_channel_request_reply_success(msg);
}

/* A forwarded-streamlocal connection back to the client, for path. */
static void call_back(struct srv *s, const char *path)
{
	ssh_channel ch;
	int rc;

	/* A client refuses a forwarding asked of it. */
	note(s, "asked the client: %d\n", ssh_channel_listen_forward_unix(s->session, path));
	/* Refused before anything is sent; the channel can still open. */
	ch = ssh_channel_new(s->session);
	note(s, "bad arguments: %d %d\n", ssh_channel_open_reverse_forward_unix(NULL, path),
	    ssh_channel_open_reverse_forward_unix(ch, NULL));
	rc = ssh_channel_open_reverse_forward_unix(ch, path);
	note(s, "forwarded-streamlocal %d\n", rc);
	if (rc == SSH_OK) {
		ssh_channel_write(ch, "hello", 5);
		ssh_channel_send_eof(ch);
	}
}

static void serve_global(struct srv *s, ssh_message msg)
{
	const char *addr = ssh_message_global_request_address(msg);
	int type = ssh_message_subtype(msg);

	note(s, "global %s %s\n", global_name(type), addr != NULL ? addr : "-");
	if (denied(addr)) {
		ssh_message_reply_default(msg);
		return;
	}
	ssh_message_global_request_reply_success(msg, 0);
	if (type == SSH_GLOBAL_REQUEST_STREAMLOCAL_FORWARD && strstr(addr, "back") != NULL)
		call_back(s, addr);
}

static void *serve(void *arg)
{
	struct srv *s = arg;
	ssh_message msg;
	size_t n;
	int type, sub;

	s->kex_rc = ssh_handle_key_exchange(s->session);
	while (s->kex_rc == SSH_OK && (msg = ssh_message_get(s->session)) != NULL) {
		type = ssh_message_type(msg);
		sub = ssh_message_subtype(msg);
		/* The new getters answer only for their own messages. */
		if (!(type == SSH_REQUEST_CHANNEL && sub == SSH_CHANNEL_REQUEST_PTY) &&
		    ssh_message_channel_request_pty_modes(msg, &n) != NULL)
			s->stray++;
		if (!(type == SSH_REQUEST_CHANNEL && sub == SSH_CHANNEL_REQUEST_BREAK) &&
		    ssh_message_channel_request_break_length(msg) != 0)
			s->stray++;
		if (type == SSH_REQUEST_AUTH)
			serve_auth(s, msg);
		else if (type == SSH_REQUEST_CHANNEL_OPEN)
			serve_open(s, msg);
		else if (type == SSH_REQUEST_CHANNEL)
			serve_request(s, msg);
		else if (type == SSH_REQUEST_GLOBAL)
			serve_global(s, msg);
		else
			ssh_message_reply_default(msg);
		ssh_message_free(msg);
	}
	snprintf(s->end, sizeof(s->end), "%s", ssh_get_error(s->session));
	ssh_disconnect(s->session);
	ssh_free(s->session);
	return NULL;
}

#pragma GCC diagnostic pop

/* Starts a server on one end of a socketpair, as s says. */
static void start(struct srv *s)
{
	long timeout = s->timeout > 0 ? s->timeout : DEADLINE;
	ssh_key k = NULL;
	int sp[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
	s->cfd = sp[0];
	s->bind = ssh_bind_new();
	assert_non_null(s->bind);
	if (s->public_only)
		assert_int_equal(ssh_pki_export_privkey_to_pubkey(s->key, &k), SSH_OK);
	else
		k = ssh_key_dup(s->key);
	assert_non_null(k);
	assert_int_equal(ssh_bind_options_set(s->bind, SSH_BIND_OPTIONS_IMPORT_KEY, k), 0);
	/* The client opens direct-streamlocal only to OpenSSH. */
	assert_int_equal(ssh_bind_options_set(s->bind, SSH_BIND_OPTIONS_BANNER, "OpenSSH_9.2"), 0);
	s->session = ssh_new();
	assert_non_null(s->session);
	assert_int_equal(ssh_options_set(s->session, SSH_OPTIONS_TIMEOUT, &timeout), 0);
	assert_int_equal(ssh_bind_accept_fd(s->bind, s->session, sp[1]), SSH_OK);
	if (s->sign != SIGN_NOCB)
		assert_int_equal(ssh_server_set_hostkey_sign_callback(s->session, sign_cb, s), SSH_OK);
	assert_int_equal(pthread_create(&s->thread, NULL, serve, s), 0);
}

/* A client on the other end (not connected), with a timeout on every wait. */
static ssh_session client(struct srv *s, long timeout)
{
	ssh_session c = ssh_new();
	bool no = false;

	assert_non_null(c);
	assert_int_equal(ssh_options_set(c, SSH_OPTIONS_FD, &s->cfd), 0);
	assert_int_equal(ssh_options_set(c, SSH_OPTIONS_HOST, "test"), 0);
	assert_int_equal(ssh_options_set(c, SSH_OPTIONS_USER, USER), 0);
	assert_int_equal(ssh_options_set(c, SSH_OPTIONS_PROCESS_CONFIG, &no), 0);
	assert_int_equal(ssh_options_set(c, SSH_OPTIONS_TIMEOUT, &timeout), 0);
	return c;
}

/* A client connected and logged in with "none". */
static ssh_session login(struct srv *s)
{
	ssh_session c = client(s, DEADLINE);

	assert_int_equal(ssh_connect(c), SSH_OK);
	assert_int_equal(ssh_userauth_none(c, NULL), SSH_AUTH_SUCCESS);
	return c;
}

/* Ends the client (libssh closes its descriptor: the server reads the end)
 * and waits for the server, within a deadline. */
static void finish(struct srv *s, ssh_session c)
{
	struct timespec t;

	ssh_free(c);
	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += DEADLINE;
	/* The thread would go on using s, gone with this test: stop here. */
	if (pthread_timedjoin_np(s->thread, NULL, &t) != 0) {
		fprintf(stderr, "the server did not end within %d s of its client\n", DEADLINE);
		abort();
	}
	ssh_bind_free(s->bind);
	/* Both ends were closed by libssh, once: no descriptor leaks. */
	assert_int_equal(fcntl(s->cfd, F_GETFD), -1);
}

static ssh_channel session_channel(ssh_session c)
{
	ssh_channel ch = ssh_channel_new(c);

	assert_non_null(ch);
	assert_int_equal(ssh_channel_open_session(ch), SSH_OK);
	return ch;
}

static struct srv *plain(struct srv *s)
{
	memset(s, 0, sizeof(*s));
	s->key = hostkey;
	return s;
}

/* server.c, ssh_message_channel_request_pty_modes: the modes of a pty-req
 * are the client's bytes, exactly; no other message has any. */
static void pty_modes_arrive_as_sent(void **state)
{
	/* VERASE 8, IUTF8 0, TTY_OP_ISPEED 38400, TTY_OP_END */
	static const unsigned char modes[] = { 3, 0, 0, 0, 8, 42, 0, 0, 0, 0, 128, 0, 0, 0x96, 0, 0 };
	struct srv s;
	ssh_session c;
	ssh_channel ch;

	(void)state;
	start(plain(&s));
	c = login(&s);
	ch = session_channel(c);
	assert_int_equal(ssh_channel_request_pty_size_modes(ch, "xterm", 80, 24, modes, sizeof(modes)), SSH_OK);
	assert_int_equal(ssh_channel_request_pty_size_modes(ch, "vt100", 10, 5, modes, 0), SSH_OK);
	assert_int_equal(ssh_channel_request_env(ch, "LANG", "C"), SSH_OK);
	finish(&s, c);
	assert_string_equal(s.log,
	    "auth none sig=-1\n"
	    "open session -\n"
	    "pty xterm 80x24 modes=03000000082a00000000800000960000 nolen=null break=0\n"
	    "pty vt100 10x5 modes= nolen=null break=0\n"
	    "env LANG\n");
	assert_int_equal(s.stray, 0);
}

/* messages.c, "break" (RFC 4335): its length, all 32 bits of it. */
static void break_length_arrives(void **state)
{
	struct srv s;
	ssh_session c;
	ssh_channel ch;

	(void)state;
	start(plain(&s));
	c = login(&s);
	ch = session_channel(c);
	assert_int_equal(ssh_channel_request_send_break(ch, 1234), SSH_OK);
	assert_int_equal(ssh_channel_request_send_break(ch, UINT32_MAX), SSH_OK);
	/* A break wants no reply: one that does tells they were read. */
	assert_int_equal(ssh_channel_request_env(ch, "LANG", "C"), SSH_OK);
	finish(&s, c);
	assert_string_equal(s.log,
	    "auth none sig=-1\n"
	    "open session -\n"
	    "break 1234\n"
	    "break 4294967295\n"
	    "env LANG\n");
	assert_int_equal(s.stray, 0);
}

/* messages.c, direct-streamlocal@openssh.com: its subtype and path; the
 * answer reaches the client; direct-tcpip is still itself. */
static void direct_streamlocal_open_names_its_path(void **state)
{
	struct srv s;
	ssh_session c;
	ssh_channel ch;

	(void)state;
	start(plain(&s));
	c = login(&s);
	ch = ssh_channel_new(c);
	assert_int_equal(ssh_channel_open_forward_unix(ch, "/run/docker.sock", "127.0.0.1", 0), SSH_OK);
	assert_int_equal(ssh_channel_is_open(ch), 1);
	ch = ssh_channel_new(c);
	assert_int_equal(ssh_channel_open_forward_unix(ch, "/run/denied.sock", "127.0.0.1", 0), SSH_ERROR);
	ch = ssh_channel_new(c);
	assert_int_equal(ssh_channel_open_forward(ch, "example", 80, "127.0.0.1", 1234), SSH_OK);
	finish(&s, c);
	assert_string_equal(s.log,
	    "auth none sig=-1\n"
	    "open direct-streamlocal /run/docker.sock\n"
	    "open direct-streamlocal /run/denied.sock\n"
	    "open direct-tcpip example\n");
	assert_int_equal(s.stray, 0);
}

/* channels.c, ssh_channel_listen_forward_unix and _cancel_forward_unix;
 * messages.c, their global requests: the server sees each with its path,
 * the client gets each answer, a refusal included. */
static void streamlocal_forward_and_cancel(void **state)
{
	struct srv s;
	ssh_session c;
	int port = -1;

	(void)state;
	start(plain(&s));
	c = login(&s);
	assert_int_equal(ssh_channel_listen_forward_unix(c, "/tmp/a.sock"), SSH_OK);
	assert_int_equal(ssh_channel_cancel_forward_unix(c, "/tmp/a.sock"), SSH_OK);
	assert_int_equal(ssh_channel_listen_forward_unix(c, "/tmp/denied.sock"), SSH_ERROR);
	assert_int_equal(ssh_channel_cancel_forward_unix(c, "/tmp/denied.sock"), SSH_ERROR);
	/* Refused before anything is sent. */
	assert_int_equal(ssh_channel_listen_forward_unix(c, NULL), SSH_ERROR);
	assert_int_equal(ssh_channel_cancel_forward_unix(c, NULL), SSH_ERROR);
	/* A refusal leaves no request pending: the next one works. */
	assert_int_equal(ssh_channel_listen_forward_unix(c, "/tmp/b.sock"), SSH_OK);
	assert_int_equal(ssh_channel_listen_forward(c, "127.0.0.1", 8080, &port), SSH_OK);
	finish(&s, c);
	assert_string_equal(s.log,
	    "auth none sig=-1\n"
	    "global streamlocal-forward /tmp/a.sock\n"
	    "global cancel-streamlocal-forward /tmp/a.sock\n"
	    "global streamlocal-forward /tmp/denied.sock\n"
	    "global cancel-streamlocal-forward /tmp/denied.sock\n"
	    "global streamlocal-forward /tmp/b.sock\n"
	    "global tcpip-forward 127.0.0.1\n");
	assert_int_equal(s.stray, 0);
}

/* channels.c, ssh_channel_open_reverse_forward_unix: the client gets a
 * forwarded-streamlocal@openssh.com open for the path it asked for, and
 * the channel carries data. A client refuses streamlocal-forward. */
static void forwarded_streamlocal_reaches_the_client(void **state)
{
	struct srv s;
	ssh_session c;
	ssh_message msg;
	ssh_channel ch;
	char buf[16];
	int n;

	(void)state;
	start(plain(&s));
	c = login(&s);
	assert_int_equal(ssh_channel_listen_forward_unix(c, "/run/back.sock"), SSH_OK);
	msg = ssh_message_get(c);
	assert_non_null(msg);
	assert_int_equal(ssh_message_type(msg), SSH_REQUEST_CHANNEL_OPEN);
	assert_int_equal(ssh_message_subtype(msg), SSH_CHANNEL_FORWARDED_STREAMLOCAL);
	assert_string_equal(ssh_message_channel_request_open_destination(msg), "/run/back.sock");
	ch = ssh_message_channel_request_open_reply_accept(msg);
	ssh_message_free(msg);
	assert_non_null(ch);
	n = ssh_channel_read_timeout(ch, buf, sizeof(buf), 0, DEADLINE * 1000);
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "hello", 5);
	finish(&s, c);
	assert_string_equal(s.log,
	    "auth none sig=-1\n"
	    "global streamlocal-forward /run/back.sock\n"
	    "asked the client: -1\n"
	    "bad arguments: -1 -1\n"
	    "forwarded-streamlocal 0\n");
}

/* libssh keeps to its peer's window, as it should. To play a peer that
 * does not, the window the channel believes it has (which only
 * ssh_channel_window_size() shows) is found in the opaque channel and
 * set; the getter confirms the field before it is kept. */
static void fake_window(ssh_channel ch, uint32_t w)
{
	unsigned char *p = (unsigned char *)ch;
	uint32_t was, v;
	size_t off;

	for (off = sizeof(void *); off + sizeof(v) <= 64; off += sizeof(v)) {
		memcpy(&was, p + off, sizeof(was));
		if (was != ssh_channel_window_size(ch))
			continue;
		v = was + 1;
		memcpy(p + off, &v, sizeof(v));
		if (ssh_channel_window_size(ch) == v) {
			memcpy(p + off, &w, sizeof(w));
			return;
		}
		memcpy(p + off, &was, sizeof(was));
	}
	fail_msg("no window found in the channel");
}

/* channels.c, channel_rcv_data: data past the window the server gave ends
 * the session (as OpenSSH does), where libssh dropped it and went on. All
 * of the window is still the client's to use. */
static void window_exceeded_ends_the_session(void **state)
{
	struct srv s;
	ssh_session c;
	ssh_channel ch;
	unsigned char *big;
	uint32_t w;

	(void)state;
	start(plain(&s));
	c = login(&s);
	ch = session_channel(c);
	w = ssh_channel_window_size(ch);
	assert_true(w > 0);
	big = calloc(1, w);
	assert_non_null(big);
	/* The server reads nothing: its window closes, exactly. */
	assert_int_equal(ssh_channel_write(ch, big, w), (int)w);
	assert_int_equal(ssh_channel_window_size(ch), 0);
	assert_int_equal(ssh_channel_request_env(ch, "LANG", "C"), SSH_OK);
	/* One byte more. */
	fake_window(ch, 1);
	assert_int_equal(ssh_channel_write(ch, big, 1), 1);
	assert_int_equal(ssh_channel_request_env(ch, "LC_ALL", "C"), SSH_ERROR);
	free(big);
	finish(&s, c);
	assert_string_equal(s.log,
	    "auth none sig=-1\n"
	    "open session -\n"
	    "env LANG\n");
	assert_string_equal(s.end, "Window exceeded");
}

/* Connects to a server that holds only the public half of key, whose
 * callback signs; returns the client, logged in. */
static ssh_session signed_by_callback(struct srv *s, ssh_key key, const char *hostkeys)
{
	ssh_session c;
	ssh_key seen = NULL;

	memset(s, 0, sizeof(*s));
	s->key = key;
	s->public_only = 1;
	s->sign = SIGN_OK;
	start(s);
	c = client(s, DEADLINE);
	if (hostkeys != NULL)
		assert_int_equal(ssh_options_set(c, SSH_OPTIONS_HOSTKEYS, hostkeys), 0);
	assert_int_equal(ssh_connect(c), SSH_OK);
	assert_int_equal(ssh_get_server_publickey(c, &seen), SSH_OK);
	assert_int_equal(ssh_key_cmp(seen, key, SSH_KEY_CMP_PUBLIC), 0);
	ssh_key_free(seen);
	assert_int_equal(ssh_userauth_none(c, NULL), SSH_AUTH_SUCCESS);
	assert_int_equal(s->signs, 1);
	assert_false(s->cb_private);
	assert_true(s->cb_same);
	return c;
}

/* pki.c and server.c, ssh_server_set_hostkey_sign_callback: a server
 * without the private host key completes the key exchange, signed by the
 * callback with the algorithm the client negotiated. */
static void hostkey_signed_by_callback(void **state)
{
	struct srv s;
	ssh_session c;

	(void)state;
	c = signed_by_callback(&s, hostkey, NULL);
	/* The default exchanges hash with SHA-256. */
	assert_non_null(strstr(ssh_get_kex_algo(c), "sha256"));
	finish(&s, c);
	assert_string_equal(s.alg, "ssh-ed25519");
	assert_int_equal(s.sid_len, 32);
	c = signed_by_callback(&s, rsakey, "rsa-sha2-256");
	finish(&s, c);
	assert_string_equal(s.alg, "rsa-sha2-256");
	c = signed_by_callback(&s, rsakey, "rsa-sha2-512");
	finish(&s, c);
	assert_string_equal(s.alg, "rsa-sha2-512");
}

/* A callback that fails, signs other bytes or returns no signature, and a
 * public host key without a callback: the exchange fails on both sides,
 * promptly (the client waits far longer than it takes). */
static void hostkey_sign_failures_end_the_exchange(void **state)
{
	/* A bad signature is the client's to find: the server may have
	 * finished its part by then (ANY), or see the client leave first.
	 * libssh's server can miss that leaving (server.c: NEWKEYS from a
	 * client already gone sets AUTHENTICATING over the error of the
	 * write that found it gone) and then wait out its timeout: short. */
	enum { ANY = 1 };
	static const struct { enum sign sign; int signs, server_kex; } cases[] = {
		{ SIGN_FAIL, 1, SSH_ERROR }, { SIGN_OTHER, 1, ANY }, { SIGN_EMPTY, 1, SSH_ERROR },
		{ SIGN_NOCB, 0, SSH_ERROR },
	};
	const long patience = 60;
	struct timespec t0, t1;
	struct srv s;
	ssh_session c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		plain(&s);
		s.public_only = 1;
		s.sign = cases[i].sign;
		s.timeout = cases[i].server_kex == ANY ? 2 : 0;
		start(&s);
		c = client(&s, patience);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		assert_int_not_equal(ssh_connect(c), SSH_OK);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_true(t1.tv_sec - t0.tv_sec < patience / 2);
		finish(&s, c);
		if (cases[i].server_kex != ANY)
			assert_int_equal(s.kex_rc, cases[i].server_kex);
		assert_int_equal(s.signs, cases[i].signs);
		assert_string_equal(s.log, "");
	}
}

/* messages.c and server.c, ssh_message_auth_signature: a publickey login
 * hands over the client's signature and the bytes it signed, session
 * identifier first, which verify with the client's key and nothing else;
 * the monitor's own check (userblob.h) takes them. Other requests have
 * none. */
static void auth_signature_is_the_clients(void **state)
{
	struct srv s;
	ssh_session c, rules;
	ssh_key pub = NULL;
	unsigned char *kblob = NULL, *hblob = NULL;
	struct ws_userblob_want w;
	const char *why = NULL;
	static const char hb[] = "publickey-hostbound-v00@openssh.com";

	(void)state;
	plain(&s);
	s.public_only = 1;
	s.sign = SIGN_OK;
	s.pubkey_only = 1;
	start(&s);
	c = client(&s, DEADLINE);
	assert_int_equal(ssh_connect(c), SSH_OK);
	assert_int_equal(ssh_userauth_none(c, NULL), SSH_AUTH_DENIED);
	assert_int_equal(ssh_userauth_password(c, NULL, "secret"), SSH_AUTH_DENIED);
	assert_int_equal(ssh_pki_export_privkey_to_pubkey(userkey, &pub), SSH_OK);
	assert_int_equal(ssh_userauth_try_publickey(c, NULL, pub), SSH_AUTH_SUCCESS);
	assert_int_equal(ssh_userauth_publickey(c, NULL, userkey), SSH_AUTH_SUCCESS);
	finish(&s, c);
	assert_string_equal(s.log,
	    "auth none sig=-1\n"
	    "auth password sig=-1\n"
	    "auth probe sig=-1\n"
	    "auth publickey valid sig=0 null=-1\n");
	assert_int_equal(s.stray, 0);

	/* Session identifier first: a string of 32 bytes, the first exchange
	 * hash the callback signed. */
	assert_int_equal(s.sid_len, 32);
	assert_true(s.datalen > 4 + 32);
	assert_memory_equal(s.data, "\0\0\0\x20", 4);
	assert_memory_equal(s.data + 4, s.sid, 32);
	/* libssh's client binds its login to our host key. */
	assert_non_null(memmem(s.data, s.datalen, hb, sizeof(hb) - 1));

	rules = ssh_new();
	assert_non_null(rules);
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, s.sig, s.siglen, s.data, s.datalen), SSH_OK);
	assert_int_equal(ssh_pki_signature_verify_blob(rules, hostkey, s.sig, s.siglen, s.data, s.datalen), SSH_ERROR);
	s.data[10] ^= 1;
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, s.sig, s.siglen, s.data, s.datalen), SSH_ERROR);
	s.data[10] ^= 1;
	s.data[s.datalen - 1] ^= 0x80;
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, s.sig, s.siglen, s.data, s.datalen), SSH_ERROR);
	s.data[s.datalen - 1] ^= 0x80;
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, s.sig, s.siglen, s.data, s.datalen - 1), SSH_ERROR);
	s.sig[s.siglen - 1] ^= 1;
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, s.sig, s.siglen, s.data, s.datalen), SSH_ERROR);
	s.sig[s.siglen - 1] ^= 1;
	s.sig[6] ^= 1; /* in the algorithm's name */
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, s.sig, s.siglen, s.data, s.datalen), SSH_ERROR);
	s.sig[6] ^= 1;
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, s.sig, s.siglen, s.data, s.datalen), SSH_OK);
	ssh_free(rules);

	/* What the monitor checks, with what it knows on its own. */
	memset(&w, 0, sizeof(w));
	assert_int_equal(ws_keyline_blob(userkey, &kblob, &w.key_len), WS_OK);
	assert_int_equal(ws_keyline_blob(hostkey, &hblob, &w.hostkey_len), WS_OK);
	w.session_id = s.sid;
	w.session_id_len = s.sid_len;
	w.user = USER;
	w.key = kblob;
	w.hostkey = hblob;
	assert_int_equal(ws_userblob_verify(pub, s.sig, s.siglen, s.data, s.datalen, &w, &why), WS_OK);
	assert_null(why);
	free(kblob);
	free(hblob);
	ssh_key_free(pub);
}

/* Returns the algorithm named in a signature blob (static). */
static const char *blob_alg(ssh_string blob)
{
	static char name[64];
	const unsigned char *p = ssh_string_data(blob);
	size_t n;

	name[0] = '\0';
	if (ssh_string_len(blob) < 4)
		return name;
	n = (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
	if (n < sizeof(name) && n + 4 <= ssh_string_len(blob)) {
		memcpy(name, p + 4, n);
		name[n] = '\0';
	}
	return name;
}

/* pki.c, ssh_pki_signature_sign_blob and _verify_blob: a signature only
 * with a private key and an algorithm of its type; verified under the
 * session's rules. */
static void sign_blob_refuses_what_it_should(void **state)
{
	static const unsigned char data[] = "the exchange hash";
	ssh_string sig = NULL;
	ssh_session rules = ssh_new(), strict = ssh_new();
	ssh_key pub = NULL, rsapub = NULL;
	int big = 3072;

	(void)state;
	assert_non_null(rules);
	assert_non_null(strict);
	assert_int_equal(ssh_pki_export_privkey_to_pubkey(hostkey, &pub), SSH_OK);
	assert_int_equal(ssh_pki_export_privkey_to_pubkey(rsakey, &rsapub), SSH_OK);
	assert_int_equal(ssh_pki_signature_sign_blob(pub, "ssh-ed25519", data, sizeof(data), &sig), SSH_ERROR);
	assert_null(sig);
	assert_int_equal(ssh_pki_signature_sign_blob(hostkey, "rsa-sha2-256", data, sizeof(data), &sig), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_sign_blob(hostkey, "ssh-rsa", data, sizeof(data), &sig), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_sign_blob(hostkey, "ecdsa-sha2-nistp256", data, sizeof(data), &sig), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_sign_blob(hostkey, "bogus", data, sizeof(data), &sig), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_sign_blob(hostkey, NULL, data, sizeof(data), &sig), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_sign_blob(NULL, "ssh-ed25519", data, sizeof(data), &sig), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_sign_blob(hostkey, "ssh-ed25519", NULL, 0, &sig), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_sign_blob(hostkey, "ssh-ed25519", data, sizeof(data), NULL), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_sign_blob(rsakey, "ssh-ed25519", data, sizeof(data), &sig), SSH_ERROR);
	assert_null(sig);

	assert_int_equal(ssh_pki_signature_sign_blob(hostkey, "ssh-ed25519", data, sizeof(data), &sig), SSH_OK);
	assert_string_equal(blob_alg(sig), "ssh-ed25519");
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, ssh_string_data(sig), ssh_string_len(sig),
	    data, sizeof(data)), SSH_OK);
	/* As libssh's own verification: with a public key only. */
	assert_int_equal(ssh_pki_signature_verify_blob(rules, hostkey, ssh_string_data(sig), ssh_string_len(sig),
	    data, sizeof(data)), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, ssh_string_data(sig), ssh_string_len(sig),
	    data, sizeof(data) - 1), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_verify_blob(rules, rsapub, ssh_string_data(sig), ssh_string_len(sig),
	    data, sizeof(data)), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_verify_blob(NULL, pub, ssh_string_data(sig), ssh_string_len(sig),
	    data, sizeof(data)), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, ssh_string_data(sig), 0, data, sizeof(data)), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, NULL, 10, data, sizeof(data)), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, ssh_string_data(sig), ssh_string_len(sig),
	    NULL, 0), SSH_ERROR);
	assert_int_equal(ssh_pki_signature_verify_blob(rules, pub, ssh_string_data(sig), ssh_string_len(sig) - 1,
	    data, sizeof(data)), SSH_ERROR);
	SSH_STRING_FREE(sig);

	/* RSA: the hash is the algorithm's; the session's minimum size holds. */
	assert_int_equal(ssh_pki_signature_sign_blob(rsakey, "rsa-sha2-256", data, sizeof(data), &sig), SSH_OK);
	assert_string_equal(blob_alg(sig), "rsa-sha2-256");
	assert_int_equal(ssh_pki_signature_verify_blob(rules, rsapub, ssh_string_data(sig), ssh_string_len(sig),
	    data, sizeof(data)), SSH_OK);
	assert_int_equal(ssh_options_set(strict, SSH_OPTIONS_RSA_MIN_SIZE, &big), 0);
	assert_int_equal(ssh_pki_signature_verify_blob(strict, rsapub, ssh_string_data(sig), ssh_string_len(sig),
	    data, sizeof(data)), SSH_ERROR);
	SSH_STRING_FREE(sig);
	assert_int_equal(ssh_pki_signature_sign_blob(rsakey, "rsa-sha2-512", data, sizeof(data), &sig), SSH_OK);
	assert_string_equal(blob_alg(sig), "rsa-sha2-512");
	assert_int_equal(ssh_pki_signature_verify_blob(rules, rsapub, ssh_string_data(sig), ssh_string_len(sig),
	    data, sizeof(data)), SSH_OK);
	SSH_STRING_FREE(sig);

	ssh_key_free(pub);
	ssh_key_free(rsapub);
	ssh_free(rules);
	ssh_free(strict);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pty_modes_arrive_as_sent, arm, disarm),
		cmocka_unit_test_setup_teardown(break_length_arrives, arm, disarm),
		cmocka_unit_test_setup_teardown(direct_streamlocal_open_names_its_path, arm, disarm),
		cmocka_unit_test_setup_teardown(streamlocal_forward_and_cancel, arm, disarm),
		cmocka_unit_test_setup_teardown(forwarded_streamlocal_reaches_the_client, arm, disarm),
		cmocka_unit_test_setup_teardown(window_exceeded_ends_the_session, arm, disarm),
		cmocka_unit_test_setup_teardown(hostkey_signed_by_callback, arm, disarm),
		cmocka_unit_test_setup_teardown(hostkey_sign_failures_end_the_exchange, arm, disarm),
		cmocka_unit_test_setup_teardown(auth_signature_is_the_clients, arm, disarm),
		cmocka_unit_test_setup_teardown(sign_blob_refuses_what_it_should, arm, disarm),
	};

	return cmocka_run_group_tests(tests, keys, keys_free);
}
