/* The monitor's protocol (monproto.h): messages go through a real
 * SOCK_SEQPACKET pair, with a descriptor; every field a peer controls is
 * bounded, and what breaks a bound makes the message bad. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "monproto.h"

static struct ws_mp m, r;

static void pair(int sp[2])
{
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp), 0);
}

static void round_trip_with_descriptor(void **state)
{
	char s[32], s2[8];
	const unsigned char *b;
	size_t n;
	int sp[2], pp[2];

	(void)state;
	pair(sp);
	assert_int_equal(pipe(pp), 0);
	ws_mp_start(&m, WS_MP_TRY);
	ws_mp_put_u32(&m, 2222);
	ws_mp_put_u64(&m, 0x0102030405060708ULL);
	ws_mp_put_str(&m, "ssh-ed25519 AAAA");
	ws_mp_put_bytes(&m, "\0\1\2", 3);
	ws_mp_put_str(&m, "");
	m.fd = pp[1];
	assert_int_equal(ws_mp_send(sp[0], &m, 1), WS_OK);
	assert_int_equal(ws_mp_recv(sp[1], &r), WS_OK);
	assert_int_equal(ws_mp_type(&r), WS_MP_TRY);
	assert_true(ws_mp_valid(&r, "48sbs"));
	assert_false(ws_mp_valid(&r, "48sb"));     /* bytes left over */
	assert_false(ws_mp_valid(&r, "48sbss"));   /* one field too many */
	assert_false(ws_mp_valid(&r, "48ssb"));    /* a NUL in a string */
	assert_int_equal(ws_mp_get_u32(&r), 2222);
	assert_true(ws_mp_get_u64(&r) == 0x0102030405060708ULL);
	ws_mp_get_str(&r, s, sizeof(s));
	assert_string_equal(s, "ssh-ed25519 AAAA");
	b = ws_mp_get_bytes(&r, 3, &n);
	assert_non_null(b);
	assert_int_equal(n, 3);
	assert_memory_equal(b, "\0\1\2", 3);
	ws_mp_get_str(&r, s2, sizeof(s2));
	assert_string_equal(s2, "");
	assert_true(ws_mp_done(&r));
	/* The descriptor came, close-on-exec: the pipe's write end. */
	assert_true(r.fd >= 0);
	assert_int_equal(fcntl(r.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	assert_int_equal(write(r.fd, "x", 1), 1);
	assert_int_equal(read(pp[0], s, 1), 1);
	ws_mp_close_fd(&r);
	assert_int_equal(r.fd, -1);
	close(pp[0]);
	close(pp[1]);
	close(sp[0]);
	close(sp[1]);
}

static void reads_out_of_bounds_are_bad(void **state)
{
	static const unsigned char msg[] = { 3, 0, 0, 0, 5, 'a', 'b', 'c', 'd', 'e', 0, 0 };
	static const unsigned char nul[] = { 3, 0, 0, 0, 3, 'a', 0, 'c' };
	static const unsigned char huge[] = { 3, 0xff, 0xff, 0xff, 0xff, 'a' };
	char s[5], big[64];
	size_t n;

	(void)state;
	/* A string one byte too long for its buffer. */
	assert_int_equal(ws_mp_load(&r, msg, sizeof(msg)), WS_OK);
	ws_mp_get_str(&r, s, sizeof(s));
	assert_true(r.bad);
	assert_string_equal(s, "");
	assert_false(ws_mp_done(&r));
	/* Fits a bigger one; then a u32 past the end. */
	assert_int_equal(ws_mp_load(&r, msg, sizeof(msg)), WS_OK);
	ws_mp_get_str(&r, big, sizeof(big));
	assert_string_equal(big, "abcde");
	assert_false(ws_mp_done(&r));              /* two bytes left */
	assert_int_equal(ws_mp_get_u32(&r), 0);
	assert_true(r.bad);
	/* A NUL inside a string. */
	assert_int_equal(ws_mp_load(&r, nul, sizeof(nul)), WS_OK);
	ws_mp_get_str(&r, big, sizeof(big));
	assert_true(r.bad);
	assert_false(ws_mp_valid(&r, "s"));
	assert_true(ws_mp_valid(&r, "b"));
	/* A length past the message, and past the caller's maximum. */
	assert_int_equal(ws_mp_load(&r, huge, sizeof(huge)), WS_OK);
	assert_null(ws_mp_get_bytes(&r, WS_MP_MAX, &n));
	assert_int_equal(n, 0);
	assert_true(r.bad);
	assert_int_equal(ws_mp_load(&r, msg, sizeof(msg)), WS_OK);
	assert_null(ws_mp_get_bytes(&r, 4, &n));
	assert_true(r.bad);
	/* Once bad, every later read fails too. */
	assert_int_equal(ws_mp_get_u32(&r), 0);
	/* Nothing, and too much. */
	assert_int_equal(ws_mp_load(&r, msg, 0), WS_ERR_INVALID);
	assert_int_equal(ws_mp_load(&r, msg, WS_MP_MAX + 1), WS_ERR_TOO_LARGE);
}

static void lists_are_bounded(void **state)
{
	int i;

	(void)state;
	ws_mp_start(&m, WS_MP_KBD_ANSWERS);
	ws_mp_put_u32(&m, WS_MP_MAX_LIST);
	for (i = 0; i < WS_MP_MAX_LIST; i++)
		ws_mp_put_str(&m, "answer");
	assert_true(ws_mp_valid(&m, "n"));
	ws_mp_start(&m, WS_MP_KBD_ANSWERS);
	ws_mp_put_u32(&m, WS_MP_MAX_LIST + 1);
	for (i = 0; i < WS_MP_MAX_LIST + 1; i++)
		ws_mp_put_str(&m, "answer");
	assert_false(ws_mp_valid(&m, "n"));
	/* A count larger than what follows. */
	ws_mp_start(&m, WS_MP_KBD_ANSWERS);
	ws_mp_put_u32(&m, 3);
	ws_mp_put_str(&m, "one");
	assert_false(ws_mp_valid(&m, "n"));
	/* An unknown shape letter is never valid. */
	assert_false(ws_mp_valid(&m, "x"));
}

static void writes_past_the_cap_are_refused(void **state)
{
	static char big[WS_MP_MAX];
	int sp[2];

	(void)state;
	pair(sp);
	memset(big, 'a', sizeof(big) - 1);
	ws_mp_start(&m, WS_MP_TELL);
	ws_mp_put_str(&m, big);   /* 4 + 32767 bytes after the type: too many */
	assert_true(m.bad);
	assert_int_equal(ws_mp_send(sp[0], &m, 1), WS_ERR_INVALID);
	ws_mp_start(&m, WS_MP_TELL);
	ws_mp_put_bytes(&m, big, WS_MP_MAX - 5);  /* exactly WS_MP_MAX in all */
	assert_false(m.bad);
	assert_int_equal(m.len, WS_MP_MAX);
	assert_int_equal(ws_mp_send(sp[0], &m, 1), WS_OK);
	assert_int_equal(ws_mp_recv(sp[1], &r), WS_OK);
	assert_int_equal(r.len, WS_MP_MAX);
	close(sp[0]);
	close(sp[1]);
}

static void hostile_records_are_refused(void **state)
{
	static char big[WS_MP_MAX + 1];
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)"\001", 1 };
	struct msghdr mh;
	struct cmsghdr *c;
	int sp[2], pp[2], fds[2];

	(void)state;
	pair(sp);
	/* One byte more than a message may have: cut, and refused. */
	memset(big, 1, sizeof(big));
	assert_int_equal(send(sp[0], big, sizeof(big), 0), (ssize_t)sizeof(big));
	assert_int_equal(ws_mp_recv(sp[1], &r), WS_ERR_TOO_LARGE);
	/* An empty record is the end, as the peer's close is. */
	assert_int_equal(send(sp[0], "", 0, 0), 0);
	assert_int_equal(ws_mp_recv(sp[1], &r), WS_ERR_IO);
	/* Two descriptors: refused, and both closed (none leaks). */
	assert_int_equal(pipe(pp), 0);
	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.space;
	mh.msg_controllen = sizeof(ctl.space);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(2 * sizeof(int));
	fds[0] = pp[0];
	fds[1] = pp[1];
	memcpy(CMSG_DATA(c), fds, sizeof(fds));
	assert_int_equal(sendmsg(sp[0], &mh, 0), 1);
	close(pp[0]);
	close(pp[1]);
	assert_int_equal(ws_mp_recv(sp[1], &r), WS_ERR_TOO_LARGE);
	assert_int_equal(r.fd, -1);
	/* Both ends of the pipe are gone from this process: a new pipe gets
	 * the lowest numbers again. */
	assert_int_equal(pipe(fds), 0);
	assert_true(fds[0] == pp[0] || fds[0] == pp[1]);
	close(fds[0]);
	close(fds[1]);
	/* The peer's close is the end. */
	close(sp[0]);
	assert_int_equal(ws_mp_recv(sp[1], &r), WS_ERR_IO);
	close(sp[1]);
}

/* The bridge's figures: two counts and a count per channel type, exactly. */
static void stats_have_their_shape(void **state)
{
	int sp[2], i;

	(void)state;
	pair(sp);
	ws_mp_start(&m, WS_MP_STATS);
	ws_mp_put_u64(&m, 1ULL << 40);
	ws_mp_put_u64(&m, 7);
	for (i = 0; i < WS_MP_CHANNEL_TYPES; i++)
		ws_mp_put_u32(&m, (uint32_t)i);
	assert_int_equal(ws_mp_send(sp[0], &m, 1), WS_OK);
	assert_int_equal(ws_mp_recv(sp[1], &r), WS_OK);
	assert_int_equal(ws_mp_type(&r), WS_MP_STATS);
	assert_true(ws_mp_valid(&r, WS_MP_STATS_SHAPE));
	assert_int_equal(ws_mp_get_u64(&r), 1ULL << 40);
	assert_int_equal(ws_mp_get_u64(&r), 7);
	for (i = 0; i < WS_MP_CHANNEL_TYPES; i++)
		assert_int_equal(ws_mp_get_u32(&r), (uint32_t)i);
	assert_true(ws_mp_done(&r));
	/* A count short, or one too many: not a STATS. */
	ws_mp_start(&m, WS_MP_STATS);
	ws_mp_put_u64(&m, 1);
	ws_mp_put_u64(&m, 2);
	for (i = 0; i < WS_MP_CHANNEL_TYPES - 1; i++)
		ws_mp_put_u32(&m, 0);
	assert_int_equal(ws_mp_load(&r, m.buf, m.len), WS_OK);
	assert_false(ws_mp_valid(&r, WS_MP_STATS_SHAPE));
	ws_mp_put_u32(&m, 0);
	ws_mp_put_u32(&m, 0);
	assert_int_equal(ws_mp_load(&r, m.buf, m.len), WS_OK);
	assert_false(ws_mp_valid(&r, WS_MP_STATS_SHAPE));
	close(sp[0]);
	close(sp[1]);
}


/* Puts a CMD of id with words (n of them). */
static void put_cmd(struct ws_mp *x, uint32_t id, uint32_t n, char *const *words)
{
	uint32_t i;

	ws_mp_start(x, WS_MP_CMD);
	ws_mp_put_u32(x, id);
	ws_mp_put_u32(x, n);
	for (i = 0; i < n; i++)
		ws_mp_put_str(x, words[i]);
}

/* An owner's command: its words come through bounded and checked again
 * (ws_mp_get_cmd), whatever a taken-over child sends. */
static void commands_are_checked(void **state)
{
	static struct ws_cli_words w, keep;
	char *good[] = { "stop", "proj-1", "--json" }, *empty[] = { "stop", "" },
		*quote[] = { "stop", "it's" }, *blank[] = { "stop proj" },
		*ctl[] = { "stop\x1b" }, *many[17];
	char big[1100];
	uint32_t id = 0;
	int sp[2], i;

	(void)state;
	pair(sp);
	put_cmd(&m, 7, 3, good);
	assert_int_equal(ws_mp_send(sp[0], &m, 1), WS_OK);
	assert_int_equal(ws_mp_recv(sp[1], &r), WS_OK);
	assert_int_equal(ws_mp_type(&r), WS_MP_CMD);
	assert_true(ws_mp_valid(&r, WS_MP_CMD_SHAPE));
	assert_int_equal(ws_mp_get_cmd(&r, &id, &w), WS_OK);
	assert_int_equal(id, 7);
	assert_int_equal(w.argc, 3);
	assert_string_equal(w.argv[0], "stop");
	assert_string_equal(w.argv[1], "proj-1");
	assert_string_equal(w.argv[2], "--json");
	assert_null(w.argv[3]);
	/* Pointers into w's own buffer (a copy would leave them dangling). */
	assert_true(w.argv[2] > w.buf && w.argv[2] < w.buf + sizeof(w.buf));
	/* Each of these is refused, and leaves id and w as they were. */
	for (i = 0; i < 17; i++)
		many[i] = "w";
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	{
		char *toolong[] = { big };
		struct { uint32_t n; char *const *words; } bad[] = {
			{ 0, good }, { 2, empty }, { 2, quote }, { 1, blank }, { 1, ctl },
			{ 17, many }, { 1, toolong },
		};
		for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
			put_cmd(&m, 9, bad[i].n, bad[i].words);
			assert_int_equal(ws_mp_load(&r, m.buf, m.len), WS_OK);
			keep = w;
			id = 1;
			assert_int_equal(ws_mp_get_cmd(&r, &id, &w), WS_ERR_INVALID);
			assert_int_equal(id, 1);
			assert_memory_equal(&w, &keep, sizeof(w));
			assert_true(r.bad);
		}
	}
	/* 16 words pass. */
	put_cmd(&m, 3, 16, many);
	assert_int_equal(ws_mp_load(&r, m.buf, m.len), WS_OK);
	assert_int_equal(ws_mp_get_cmd(&r, &id, &w), WS_OK);
	assert_int_equal(w.argc, 16);
	/* A count that says more words than follow, or bytes left over. */
	put_cmd(&m, 3, 2, good);
	m.buf[5 + 4 - 1] = 3;
	assert_int_equal(ws_mp_load(&r, m.buf, m.len), WS_OK);
	assert_int_equal(ws_mp_get_cmd(&r, &id, &w), WS_ERR_INVALID);
	put_cmd(&m, 3, 1, good);
	ws_mp_put_u32(&m, 0);
	assert_int_equal(ws_mp_load(&r, m.buf, m.len), WS_OK);
	assert_false(ws_mp_valid(&r, WS_MP_CMD_SHAPE));
	assert_int_equal(ws_mp_get_cmd(&r, &id, &w), WS_ERR_INVALID);
	/* The monitor's answers: a socket each (CMD_FD), then the status. */
	{
		int pp[2];
		assert_int_equal(pipe(pp), 0);
		ws_mp_start(&m, WS_MP_CMD_FD);
		ws_mp_put_u32(&m, 7);
		ws_mp_put_u32(&m, WS_MP_CMD_ERR);
		m.fd = pp[1];
		assert_int_equal(ws_mp_send(sp[0], &m, 1), WS_OK);
		m.fd = -1;
		close(pp[1]);
		assert_int_equal(ws_mp_recv(sp[1], &r), WS_OK);
		assert_int_equal(ws_mp_type(&r), WS_MP_CMD_FD);
		assert_true(ws_mp_valid(&r, "44"));
		assert_true(r.fd >= 0);
		assert_int_equal(write(r.fd, "e", 1), 1);
		ws_mp_close_fd(&r);
		assert_int_equal(read(pp[0], big, 2), 1);
		close(pp[0]);
	}
	close(sp[0]);
	close(sp[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip_with_descriptor),
		cmocka_unit_test(reads_out_of_bounds_are_bad),
		cmocka_unit_test(lists_are_bounded),
		cmocka_unit_test(writes_past_the_cap_are_refused),
		cmocka_unit_test(hostile_records_are_refused),
		cmocka_unit_test(stats_have_their_shape),
		cmocka_unit_test(commands_are_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
