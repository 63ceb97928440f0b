/* Jails (jail.h): a parser runs sandboxed, as the sandbox user, and what
 * it can do to its caller is bounded: its output by the caller's cap, its
 * time (5 s; 1 s here), a forbidden call kills only it. Run as root on a machine
 * with the user wsgate (scripts/setup.sh makes it); otherwise the jailed
 * cases are skipped and only the in-process one runs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "jail.h"

static void put_uid(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put, void *ctx)
{
	char s[64];
	int n = snprintf(s, sizeof(s), "%zu:%ld", len, (long)getuid());

	(void)in;
	(void)arg;
	put(ctx, s, (size_t)n);
}

static void put_lots(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put, void *ctx)
{
	char block[4096];
	int i;

	(void)in;
	(void)len;
	(void)arg;
	memset(block, 'x', sizeof(block));
	for (i = 0; i < 1024; i++)   /* 4 MiB */
		put(ctx, block, sizeof(block));
}

static void forbidden(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put, void *ctx)
{
	(void)in;
	(void)len;
	(void)arg;
	put(ctx, "before", 6);
	(void)socket(AF_INET, SOCK_STREAM, 0);  /* killed here */
	put(ctx, "after", 5);
}

static void forever(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put, void *ctx)
{
	volatile int spin = 1;

	(void)in;
	(void)len;
	(void)arg;
	(void)put;
	(void)ctx;
	while (spin)
		;
}

/* A taken-over parser that closes its pipes and goes on. */
static void lingers(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put, void *ctx)
{
	volatile int spin = 1;

	(void)in;
	(void)len;
	(void)arg;
	put(ctx, "1", 1);
	close(*(int *)ctx);
	close(STDERR_FILENO);
	while (spin)
		;
}

/* Says which file its descriptor 2 is. */
static void put_stderr(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put, void *ctx)
{
	struct stat st;
	char s[64];
	int n;

	(void)in;
	(void)len;
	(void)arg;
	if (fstat(STDERR_FILENO, &st) != 0)
		return;
	n = snprintf(s, sizeof(s), "%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
	put(ctx, s, (size_t)n);
}

/* A secret the forking process holds (as the monitor, its host key). */
static char secret[32] = "the-forking-process-secret";

static void drop_secret(void)
{
	explicit_bzero(secret, sizeof(secret));
}

/* Writes what the jail sees of the secret. */
static void put_secret(const unsigned char *in, size_t len, void *arg, ws_jail_put_fn put, void *ctx)
{
	(void)in;
	(void)len;
	(void)arg;
	put(ctx, secret[0] != '\0' ? secret : "gone", strlen(secret[0] != '\0' ? secret : "gone"));
}

/* Jailed cases need root and the sandbox user. */
static long jail_uid(void)
{
	struct passwd *pw = getpwnam("wsgate");

	if (geteuid() != 0 || pw == NULL)
		return -1;
	ws_jail_user("wsgate");
	ws_jail_timeout(1.0);
	return (long)pw->pw_uid;
}

static void in_process_without_a_user(void **state)
{
	struct ws_dynbuf *out = ws_dynbuf_new(64);
	char want[64];

	(void)state;
	ws_jail_user("");
	assert_int_equal(ws_jail_run("a test", put_uid, (const unsigned char *)"abc", 3, NULL, out), WS_OK);
	snprintf(want, sizeof(want), "3:%ld", (long)getuid());
	assert_string_equal(ws_dynbuf_ptr(out), want);
	ws_dynbuf_free(out);
}

/* Runs fn in a jail with an output cap, expecting want; skips the test
 * where no jail can be made. Returns the output (the caller frees it) and
 * the time taken in *took. */
static struct ws_dynbuf *jailed(ws_jail_fn fn, size_t cap, ws_err want, double *took)
{
	struct ws_dynbuf *out;
	double t0;

	if (jail_uid() < 0)
		skip();
	out = ws_dynbuf_new(cap);
	assert_non_null(out);
	t0 = ws_clock_now();
	assert_int_equal(ws_jail_run("a test", fn, (const unsigned char *)"abcd", 4, NULL, out), want);
	if (took != NULL)
		*took = ws_clock_now() - t0;
	return out;
}

static void runs_as_the_sandbox_user(void **state)
{
	struct ws_dynbuf *out = jailed(put_uid, 64, WS_OK, NULL);
	char want[64];

	(void)state;
	snprintf(want, sizeof(want), "4:%ld", jail_uid());
	assert_string_equal(ws_dynbuf_ptr(out), want);
	ws_dynbuf_free(out);
}

/* The scrub hook runs in the jail before its parser: the secret is gone
 * there, and still the caller's. */
static void the_scrub_hook_runs_first(void **state)
{
	struct ws_dynbuf *out;

	(void)state;
	ws_jail_scrub(drop_secret);
	out = jailed(put_secret, 64, WS_OK, NULL);
	ws_jail_scrub(NULL);
	assert_string_equal(ws_dynbuf_ptr(out), "gone");
	assert_string_equal(secret, "the-forking-process-secret");
	ws_dynbuf_free(out);
}

static void output_is_capped(void **state)
{
	struct ws_dynbuf *out = jailed(put_lots, 10000, WS_ERR_TOO_LARGE, NULL);

	(void)state;
	assert_true(ws_dynbuf_len(out) <= 10000);
	ws_dynbuf_free(out);
}

static void a_forbidden_call_kills_the_jail_only(void **state)
{
	struct ws_dynbuf *out = jailed(forbidden, 64, WS_ERR_IO, NULL);

	(void)state;
	assert_null(strstr(ws_dynbuf_ptr(out), "after"));
	ws_dynbuf_free(out);
}

static void a_loop_is_ended(void **state)
{
	double took = 0;
	struct ws_dynbuf *out = jailed(forever, 64, WS_ERR_IO, &took);

	(void)state;
	assert_true(took < 3);
	ws_dynbuf_free(out);
}

static void a_jail_that_lingers_does_not_hold_its_caller(void **state)
{
	double took = 0;
	struct ws_dynbuf *out = jailed(lingers, 64, WS_ERR_IO, &took);

	(void)state;
	assert_true(took < 3);
	ws_dynbuf_free(out);
}

static void its_descriptor_2_is_not_the_callers(void **state)
{
	struct ws_dynbuf *out = jailed(put_stderr, 64, WS_OK, NULL);
	struct stat st;
	char mine[64];

	(void)state;
	assert_int_equal(fstat(STDERR_FILENO, &st), 0);
	snprintf(mine, sizeof(mine), "%lu:%lu", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
	assert_true(ws_dynbuf_len(out) > 0);
	assert_string_not_equal(ws_dynbuf_ptr(out), mine);
	ws_dynbuf_free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_process_without_a_user),
		cmocka_unit_test(runs_as_the_sandbox_user),
		cmocka_unit_test(the_scrub_hook_runs_first),
		cmocka_unit_test(output_is_capped),
		cmocka_unit_test(a_forbidden_call_kills_the_jail_only),
		cmocka_unit_test(a_loop_is_ended),
		cmocka_unit_test(a_jail_that_lingers_does_not_hold_its_caller),
		cmocka_unit_test(its_descriptor_2_is_not_the_callers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
