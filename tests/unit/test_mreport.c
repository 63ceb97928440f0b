/* Reports (metrics_report.h): what the listener takes and from whom, each
 * connection's gauges kept by process and dropped at its end, the socket
 * with the kernel's credentials, drops counted by senders, and the
 * monitor's figures from its bridge (mon_metrics.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "metrics_recv.h"
#include "metrics_report.h"
#include "mon_int.h"

#define UID 1000

static struct ws_mreport one(uint16_t kind, uint16_t metric, uint16_t combo, uint64_t value)
{
	struct ws_mreport r;

	memset(&r, 0, sizeof(r));
	r.magic = WS_MR_MAGIC;
	r.n = 1;
	r.item[0] = (struct ws_mitem){ kind, metric, combo, 0, value };
	return r;
}

static uint64_t value(struct ws_mregion *reg, enum ws_metric m, size_t combo)
{
	static struct ws_msnap s;

	assert_int_equal(ws_mregion_snapshot(reg, &s), WS_OK);
	return ws_msnap_value(&s, m, combo);
}

static void takes_only_known_senders(void **state)
{
	struct ws_mregion *reg = ws_mregion_new();
	struct ws_mrecv *rv = ws_mrecv_new(reg, UID);
	struct ws_mreport r = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 0, 1);

	(void)state;
	assert_non_null(rv);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 42, UID), WS_ERR_DENIED);
	assert_int_equal(ws_mrecv_child(rv, 42), WS_OK);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 42, 0), WS_ERR_DENIED);   /* not our uid */
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 0, UID), WS_ERR_DENIED);  /* no pid */
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 43, UID), WS_ERR_DENIED);
	assert_int_equal(value(reg, WS_M_SESSIONS_TOTAL, 0), 0);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 42, UID), WS_OK);
	assert_int_equal(value(reg, WS_M_SESSIONS_TOTAL, 0), 1);
	assert_int_equal(value(reg, WS_M_REPORTS_REJECTED, WS_MJ_SENDER), 4);
	assert_int_equal(value(reg, WS_M_REPORTS_REJECTED, WS_MJ_MALFORMED), 0);
	ws_mrecv_free(rv);
	ws_mrecv_free(NULL);
	ws_mregion_free(reg);
}

static void refuses_malformed_reports_whole(void **state)
{
	struct ws_mregion *reg = ws_mregion_new();
	struct ws_mrecv *rv = ws_mrecv_new(reg, UID);
	struct ws_mreport bad[20], r;
	unsigned char big[sizeof(r) + 1];
	int n = 0, i;

	(void)state;
	assert_int_equal(ws_mrecv_child(rv, 7), WS_OK);
	bad[n] = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 0, 1);
	bad[n++].magic ^= 1;
	bad[n] = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 0, 1);
	bad[n++].n = 0;
	bad[n] = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 0, 1);
	bad[n++].n = WS_MR_ITEMS + 1;
	bad[n] = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 0, 1);
	bad[n++].item[0].pad = 1;
	bad[n++] = one(WS_MR_ADD, WS_M__COUNT, 0, 1);                      /* no such family */
	bad[n++] = one(WS_MR_ADD, WS_M_CONNECTIONS_TOTAL, 0, 1);         /* the listener's own */
	bad[n++] = one(WS_MR_ADD, WS_M_PENALTIES_ACTIVE, 0, 1);
	bad[n++] = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 1, 1);               /* no such labels */
	bad[n++] = one(WS_MR_ADD, WS_M_AUTH_ATTEMPTS, 5 * 13, 1);
	bad[n++] = one(WS_MR_ADD, WS_M_CONNECTIONS, 0, 1);                  /* a gauge is set */
	bad[n++] = one(WS_MR_SET, WS_M_SESSIONS_TOTAL, 0, 1);               /* a counter is added */
	bad[n++] = one(WS_MR_OBSERVE, WS_M_SESSIONS_TOTAL, 0, 1);
	bad[n++] = one(WS_MR_ADD, WS_M_BRINGUP_SECONDS, 0, 1);              /* a histogram observed */
	bad[n++] = one(9, WS_M_SESSIONS_TOTAL, 0, 1);
	bad[n++] = one(WS_MR_ADD, WS_M_AUTH_ATTEMPTS, 0, 2);                /* one at a time */
	bad[n++] = one(WS_MR_SET, WS_M_CONNECTIONS, WS_MS_BRIDGING, 0);     /* one of: 1 */
	bad[n++] = one(WS_MR_SET, WS_M_CONNECTIONS, WS_MS_BRIDGING, 2);
	bad[n++] = one(WS_MR_SET, WS_M_CHANNELS_OPEN, 0, 1025);
	/* A good item and a bad one: nothing of it is applied. */
	bad[n] = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 0, 1);
	bad[n].n = 2;
	bad[n++].item[1] = (struct ws_mitem){ WS_MR_ADD, WS_M_BYTES, 0, 0, (1ULL << 40) + 1 };
	for (i = 0; i < n; i++)
		assert_int_equal(ws_mrecv_apply(rv, &bad[i], sizeof(bad[i]), 7, UID), WS_ERR_INVALID);
	r = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 0, 1);
	memcpy(big, &r, sizeof(r));
	big[sizeof(r)] = 0;
	assert_int_equal(ws_mrecv_apply(rv, big, sizeof(big), 7, UID), WS_ERR_INVALID);
	assert_int_equal(ws_mrecv_apply(rv, big, sizeof(r) - 1, 7, UID), WS_ERR_INVALID);
	assert_int_equal(value(reg, WS_M_REPORTS_REJECTED, WS_MJ_MALFORMED), (uint64_t)n + 2);
	assert_int_equal(value(reg, WS_M_SESSIONS_TOTAL, 0), 0);
	assert_int_equal(value(reg, WS_M_BYTES, 0), 0);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING), 1);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_BRIDGING), 0);
	/* The bounds themselves pass. */
	r = one(WS_MR_ADD, WS_M_BYTES, WS_MD_TO_CLIENT, 1ULL << 40);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 7, UID), WS_OK);
	r = one(WS_MR_SET, WS_M_CHANNELS_OPEN, WS_M_CHANNEL_TYPES - 1, 1024);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 7, UID), WS_OK);
	assert_int_equal(value(reg, WS_M_BYTES, WS_MD_TO_CLIENT), 1ULL << 40);
	assert_int_equal(value(reg, WS_M_CHANNELS_OPEN, WS_M_CHANNEL_TYPES - 1), 1024);
	ws_mrecv_free(rv);
	ws_mregion_free(reg);
}

static void keeps_gauges_per_connection(void **state)
{
	struct ws_mregion *reg = ws_mregion_new();
	struct ws_mrecv *rv = ws_mrecv_new(reg, UID);
	struct ws_mreport r;

	(void)state;
	assert_int_equal(ws_mrecv_child(rv, 100), WS_OK);
	assert_int_equal(ws_mrecv_child(rv, 200), WS_OK);
	assert_int_equal(ws_mrecv_child(rv, 200), WS_OK);   /* twice counts once */
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING), 2);
	r = one(WS_MR_SET, WS_M_CONNECTIONS, WS_MS_BRIDGING, 1);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 100, UID), WS_OK);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 100, UID), WS_OK);   /* the same again */
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING), 1);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_BRIDGING), 1);
	r = one(WS_MR_SET, WS_M_CHANNELS_OPEN, 0, 3);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 100, UID), WS_OK);
	r = one(WS_MR_SET, WS_M_CHANNELS_OPEN, 0, 2);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 200, UID), WS_OK);
	assert_int_equal(value(reg, WS_M_CHANNELS_OPEN, 0), 5);
	r = one(WS_MR_SET, WS_M_CHANNELS_OPEN, 0, 1);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 100, UID), WS_OK);
	assert_int_equal(value(reg, WS_M_CHANNELS_OPEN, 0), 3);
	/* Its end takes its gauges with it, however it ended. */
	ws_mrecv_gone(rv, 100);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_BRIDGING), 0);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING), 1);
	assert_int_equal(value(reg, WS_M_CHANNELS_OPEN, 0), 2);
	assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), 100, UID), WS_ERR_DENIED);
	ws_mrecv_gone(rv, 100);
	ws_mrecv_gone(rv, 12345);
	ws_mrecv_gone(rv, 200);
	assert_int_equal(ws_mrecv_known(rv), 0);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING), 0);
	assert_int_equal(value(reg, WS_M_CHANNELS_OPEN, 0), 0);
	ws_mrecv_free(rv);
	ws_mregion_free(reg);
}

/* Many connections, ended in a scrambled order: the totals are always the
 * sum over those left (the table finds every one after others left). */
static void many_connections_come_and_go(void **state)
{
	enum { N = 5000 };
	struct ws_mregion *reg = ws_mregion_new();
	struct ws_mrecv *rv = ws_mrecv_new(reg, UID);
	static pid_t order[N];
	uint64_t states[WS_MS__COUNT] = { 0 }, chans = 0;
	struct ws_mreport r;
	int i, j;

	(void)state;
	for (i = 0; i < N; i++) {
		pid_t p = 1000 + i * 7;

		assert_int_equal(ws_mrecv_child(rv, p), WS_OK);
		r = one(WS_MR_SET, WS_M_CONNECTIONS, (uint16_t)(i % 3), 1);
		assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), p, UID), WS_OK);
		r = one(WS_MR_SET, WS_M_CHANNELS_OPEN, 1, (uint64_t)(i % 5));
		assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), p, UID), WS_OK);
		states[i % 3]++;
		chans += (uint64_t)(i % 5);
		order[i] = p;
	}
	srand(7);
	for (i = N - 1; i > 0; i--) {
		pid_t t;

		j = rand() % (i + 1);
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	for (i = 0; i < N; i++) {
		int k = (order[i] - 1000) / 7;

		ws_mrecv_gone(rv, order[i]);
		states[k % 3]--;
		chans -= (uint64_t)(k % 5);
		if (i % 500 == 0 || i == N - 1) {
			for (j = 0; j < WS_MS__COUNT; j++)
				assert_int_equal(value(reg, WS_M_CONNECTIONS, (size_t)j), states[j]);
			assert_int_equal(value(reg, WS_M_CHANNELS_OPEN, 1), chans);
			assert_int_equal(ws_mrecv_known(rv), (size_t)(N - 1 - i));
			/* Those left are still found. */
			if (i + 1 < N) {
				r = one(WS_MR_SET, WS_M_CHANNELS_OPEN, 1, 1000);
				assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), order[N - 1], UID), WS_OK);
				r = one(WS_MR_SET, WS_M_CHANNELS_OPEN, 1, (uint64_t)(((order[N - 1] - 1000) / 7) % 5));
				assert_int_equal(ws_mrecv_apply(rv, &r, sizeof(r), order[N - 1], UID), WS_OK);
			}
		}
	}
	assert_int_equal(value(reg, WS_M_CHANNELS_OPEN, 1), 0);
	ws_mrecv_free(rv);
	ws_mregion_free(reg);
}

static void the_table_is_bounded(void **state)
{
	struct ws_mregion *reg = ws_mregion_new();
	struct ws_mrecv *rv = ws_mrecv_new(reg, UID);
	pid_t p;

	(void)state;
	for (p = 1; p <= 65536; p++)
		assert_int_equal(ws_mrecv_child(rv, p), WS_OK);
	assert_int_equal(ws_mrecv_child(rv, p), WS_ERR_TOO_LARGE);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING), 65536);
	ws_mrecv_gone(rv, 1);
	assert_int_equal(ws_mrecv_child(rv, p), WS_OK);
	ws_mrecv_free(rv);
	ws_mregion_free(reg);
}

static int open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	while (d != NULL && readdir(d) != NULL)
		n++;
	if (d != NULL)
		closedir(d);
	return n;
}

/* Sends one report carrying a descriptor (no sender of ours does). */
static void send_with_fd(int sock, const struct ws_mreport *r, int fd)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} ctl;
	struct iovec iov = { (void *)r, sizeof(*r) };
	struct msghdr mh;
	struct cmsghdr *c;

	memset(&mh, 0, sizeof(mh));
	memset(&ctl, 0, sizeof(ctl));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl.space;
	mh.msg_controllen = sizeof(ctl.space);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	assert_int_equal(sendmsg(sock, &mh, 0), (ssize_t)sizeof(*r));
}

static void the_kernel_names_the_sender(void **state)
{
	struct ws_mregion *reg = ws_mregion_new();
	struct ws_mrecv *rv = ws_mrecv_new(reg, geteuid());
	struct ws_mreport r = one(WS_MR_ADD, WS_M_SESSIONS_TOTAL, 0, 1);
	int sfd, go[2], fds;
	pid_t kid;
	char c = 0;

	(void)state;
	sfd = ws_mrecv_socket(rv);
	assert_true(sfd >= 0 && ws_mrecv_fd(rv) >= 0);
	ws_msend_init(sfd);
	/* This process is no connection of the receiver's. */
	assert_int_equal(ws_msend(&r.item[0], 1), 1);
	assert_int_equal(ws_mrecv_drain(rv, 10), 1);
	assert_int_equal(value(reg, WS_M_REPORTS_REJECTED, WS_MJ_SENDER), 1);
	/* A child it knows: taken; reports it sent before it ended count. */
	assert_int_equal(pipe(go), 0);
	kid = fork();
	if (kid == 0) {
		if (read(go[0], &c, 1) != 1 || !ws_msend_raw(&r, sizeof(r)))
			_exit(1);
		_exit(0);
	}
	assert_true(kid > 0);
	assert_int_equal(ws_mrecv_child(rv, kid), WS_OK);
	assert_int_equal(write(go[1], "x", 1), 1);
	assert_int_equal(waitpid(kid, NULL, 0), kid);
	ws_mrecv_gone(rv, kid);
	assert_int_equal(value(reg, WS_M_SESSIONS_TOTAL, 0), 1);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING), 0);
	/* A short datagram; one with a descriptor along (refused whole, the
	 * descriptor closed, not kept). */
	assert_int_equal(ws_mrecv_child(rv, getpid()), WS_OK);
	assert_int_equal(send(sfd, &r, sizeof(r) - 8, 0), (ssize_t)sizeof(r) - 8);
	fds = open_fds();
	send_with_fd(sfd, &r, go[0]);
	assert_int_equal(ws_mrecv_drain(rv, 10), 2);
	assert_int_equal(open_fds(), fds);
	assert_int_equal(value(reg, WS_M_REPORTS_REJECTED, WS_MJ_MALFORMED), 2);
	assert_int_equal(value(reg, WS_M_SESSIONS_TOTAL, 0), 1);
	assert_int_equal(ws_msend(&r.item[0], 1), 1);
	assert_int_equal(ws_mrecv_drain(rv, 10), 1);
	assert_int_equal(value(reg, WS_M_SESSIONS_TOTAL, 0), 2);
	assert_int_equal(ws_mrecv_drain(rv, 10), 0);
	ws_mrecv_forget(rv);
	assert_int_equal(ws_mrecv_fd(rv), -1);
	ws_msend_init(-1);
	close(sfd);
	close(go[0]);
	close(go[1]);
	ws_mrecv_free(rv);
	ws_mregion_free(reg);
}

static void drops_are_counted_and_told(void **state)
{
	struct ws_mregion *reg = ws_mregion_new();
	struct ws_mrecv *rv = ws_mrecv_new(reg, geteuid());
	int sfd = ws_mrecv_socket(rv), dead[2];

	(void)state;
	assert_true(sfd >= 0);
	assert_int_equal(ws_mrecv_child(rv, getpid()), WS_OK);
	/* A socket nobody reads: sends fail, and are counted. */
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, dead), 0);
	close(dead[1]);
	ws_msend_init(dead[0]);
	ws_msend_add(WS_M_SESSIONS_TOTAL, 0, 1);
	ws_msend_add(WS_M_SESSIONS_TOTAL, 0, 1);
	ws_msend_init(sfd);
	ws_msend_add(WS_M_SESSIONS_TOTAL, 0, 1);
	ws_msend_add(WS_M_SESSIONS_TOTAL, 0, 1);
	assert_int_equal(ws_mrecv_drain(rv, 10), 2);
	assert_int_equal(value(reg, WS_M_SESSIONS_TOTAL, 0), 2);
	assert_int_equal(value(reg, WS_M_REPORTS_DROPPED, 0), 2);   /* told once */
	/* Off: nothing is sent, nothing counted. */
	ws_msend_init(-1);
	ws_msend_add(WS_M_SESSIONS_TOTAL, 0, 1);
	assert_int_equal(ws_msend_socket(), -1);
	ws_msend_init(sfd);
	ws_msend_auth("-", "invalid-name");
	ws_msend_auth("keyboard-interactive", "a result nobody knows");
	ws_msend_state(WS_MS_BRINGING_UP);
	assert_int_equal(ws_mrecv_drain(rv, 10), 3);
	assert_int_equal(value(reg, WS_M_REPORTS_DROPPED, 0), 2);
	assert_int_equal(value(reg, WS_M_AUTH_ATTEMPTS, 3 * 13 + 10), 1);
	assert_int_equal(value(reg, WS_M_AUTH_ATTEMPTS, 2 * 13 + 12), 1);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_BRINGING_UP), 1);
	assert_int_equal(value(reg, WS_M_CONNECTIONS, WS_MS_AUTHENTICATING), 0);
	ws_msend_init(-1);
	close(dead[0]);
	close(sfd);
	ws_mrecv_free(rv);
	ws_mregion_free(reg);
}

/* The next report on sock, or n = 0 when none waits. */
static struct ws_mreport next_report(int sock)
{
	struct ws_mreport r;

	memset(&r, 0, sizeof(r));
	if (recv(sock, &r, sizeof(r), MSG_DONTWAIT) != (ssize_t)sizeof(r))
		r.n = 0;
	return r;
}

static void the_monitor_passes_figures_on(void **state)
{
	static struct ws_mon m;
	struct ws_session_ctx ctx;
	struct ws_config *cfg = ws_config_new();
	uint32_t kinds[WS_MP_CHANNEL_TYPES] = { 2, 1 };
	struct ws_mreport r;
	int sv[2];

	(void)state;
	assert_non_null(cfg);
	cfg->max_channels = 10;
	memset(&ctx, 0, sizeof(ctx));
	ctx.cfg = cfg;
	m.ctx = &ctx;
	assert_int_equal(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	ws_msend_init(sv[1]);
	assert_int_equal(ws_mon_metrics_figures(&m, 100, 50, kinds), 0);
	r = next_report(sv[0]);
	assert_int_equal(r.n, 4);
	assert_true(r.item[0].kind == WS_MR_SET && r.item[0].metric == WS_M_CHANNELS_OPEN &&
	    r.item[0].combo == 0 && r.item[0].value == 2);
	assert_true(r.item[1].combo == 1 && r.item[1].value == 1);
	assert_true(r.item[2].kind == WS_MR_ADD && r.item[2].metric == WS_M_BYTES &&
	    r.item[2].combo == WS_MD_FROM_CLIENT && r.item[2].value == 100);
	assert_true(r.item[3].combo == WS_MD_TO_CLIENT && r.item[3].value == 50);
	/* Nothing changed: nothing sent. */
	assert_int_equal(ws_mon_metrics_figures(&m, 100, 50, kinds), 0);
	assert_int_equal(next_report(sv[0]).n, 0);
	/* What cannot be true. */
	assert_int_equal(ws_mon_metrics_figures(&m, 99, 50, kinds), -1);
	kinds[6] = 8;
	assert_int_equal(ws_mon_metrics_figures(&m, 100, 50, kinds), -1);
	kinds[6] = 0;
	/* A report that could not go goes again with the next. */
	ws_msend_init(-1);
	assert_int_equal(ws_mon_metrics_figures(&m, 130, 50, NULL), 0);
	ws_msend_init(sv[1]);
	assert_int_equal(ws_mon_metrics_figures(&m, 130 + (1ULL << 41), 50, NULL), 0);
	r = next_report(sv[0]);
	assert_true(r.n == 1 && r.item[0].combo == WS_MD_FROM_CLIENT && r.item[0].value == 1ULL << 40);
	assert_int_equal(ws_mon_metrics_figures(&m, 130 + (1ULL << 41), 50, NULL), 0);
	r = next_report(sv[0]);
	assert_true(r.n == 1 && r.item[0].value == 1ULL << 40);
	assert_int_equal(ws_mon_metrics_figures(&m, 130 + (1ULL << 41), 50, NULL), 0);
	r = next_report(sv[0]);
	assert_true(r.n == 1 && r.item[0].value == 30);
	assert_int_equal(ws_mon_metrics_figures(&m, 130 + (1ULL << 41), 50, NULL), 0);
	assert_int_equal(next_report(sv[0]).n, 0);
	ws_msend_init(-1);
	close(sv[0]);
	close(sv[1]);
	ws_config_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(takes_only_known_senders),
		cmocka_unit_test(refuses_malformed_reports_whole),
		cmocka_unit_test(keeps_gauges_per_connection),
		cmocka_unit_test(many_connections_come_and_go),
		cmocka_unit_test(the_table_is_bounded),
		cmocka_unit_test(the_kernel_names_the_sender),
		cmocka_unit_test(drops_are_counted_and_told),
		cmocka_unit_test(the_monitor_passes_figures_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
