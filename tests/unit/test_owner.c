/* The owner's commands over SSH: the command line's split and its bounds
 * (cliargs.h), the access decision with two accounts, groups and the access
 * and create lists (ws_cli_allowed, ws_cli_may), and the owner's set of the
 * dispatcher (ws_cli_run with an account): what it lists, runs and
 * refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cliargs.h"
#include "config.h"

static void split_words(void **state)
{
	struct ws_cli_words w;
	char why[200];
	const char *line = "  stop\tproj-1   --json ";

	(void)state;
	assert_int_equal(ws_cli_split(line, strlen(line), &w, why, sizeof(why)), WS_OK);
	assert_int_equal(w.argc, 3);
	assert_string_equal(w.argv[0], "stop");
	assert_string_equal(w.argv[1], "proj-1");
	assert_string_equal(w.argv[2], "--json");
	assert_null(w.argv[3]);
	assert_true(ws_cli_words_ok(w.argv, (size_t)w.argc));
	/* Empty and blank lines: no words (the caller runs help). */
	assert_int_equal(ws_cli_split("", 0, &w, why, sizeof(why)), WS_OK);
	assert_int_equal(w.argc, 0);
	assert_int_equal(ws_cli_split(" \t ", 3, &w, why, sizeof(why)), WS_OK);
	assert_int_equal(w.argc, 0);
	assert_int_equal(ws_cli_split(NULL, 5, &w, why, sizeof(why)), WS_OK);
	assert_int_equal(w.argc, 0);
	/* Only len bytes count: what follows is not read. */
	assert_int_equal(ws_cli_split("list;rm", 4, &w, why, sizeof(why)), WS_OK);
	assert_int_equal(w.argc, 1);
	assert_string_equal(w.argv[0], "list");
}

static void split_bounds(void **state)
{
	static const char *const bad[] = { "stop 'x'", "stop \"x\"", "stop `x`", "stop x\\y",
		"stop\nx", "stop\rx", "stop\x1bx", "stop \x7f", "stop \xc3\xa9", NULL };
	struct ws_cli_words w, keep;
	char line[2100], why[200];
	size_t i;

	(void)state;
	for (i = 0; bad[i] != NULL; i++) {
		why[0] = '\0';
		memset(&keep, 0x5a, sizeof(keep));
		w = keep;
		assert_int_equal(ws_cli_split(bad[i], strlen(bad[i]), &w, why, sizeof(why)), WS_ERR_INVALID);
		assert_true(strlen(why) > 20);
		assert_memory_equal(&w, &keep, sizeof(w)); /* untouched */
	}
	/* A NUL inside the bytes given is a control character too. */
	assert_int_equal(ws_cli_split("list\0x", 6, &w, why, sizeof(why)), WS_ERR_INVALID);
	/* 1024 bytes pass, 1025 do not. */
	memset(line, 'x', sizeof(line));
	assert_int_equal(ws_cli_split(line, 1024, &w, why, sizeof(why)), WS_OK);
	assert_int_equal(w.argc, 1);
	assert_int_equal(strlen(w.argv[0]), 1024);
	assert_int_equal(ws_cli_split(line, 1025, &w, why, sizeof(why)), WS_ERR_TOO_LARGE);
	assert_non_null(strstr(why, "longer than 1024 bytes"));
	assert_int_equal(ws_cli_split(line, 2048, &w, why, sizeof(why)), WS_ERR_TOO_LARGE);
	/* 16 words pass, 17 do not. */
	snprintf(line, sizeof(line), "a b c d e f g h i j k l m n o p");
	assert_int_equal(ws_cli_split(line, strlen(line), &w, why, sizeof(why)), WS_OK);
	assert_int_equal(w.argc, 16);
	assert_true(ws_cli_words_ok(w.argv, 16));
	snprintf(line, sizeof(line), "a b c d e f g h i j k l m n o p q");
	assert_int_equal(ws_cli_split(line, strlen(line), &w, why, sizeof(why)), WS_ERR_TOO_LARGE);
	assert_non_null(strstr(why, "more than 16 words"));
}

static void words_checked_again(void **state)
{
	char big[1100];
	char *good[] = { "stop", "proj", NULL }, *empty[] = { "stop", "", NULL },
		*space[] = { "stop proj", NULL }, *quote[] = { "it's", NULL },
		*ctl[] = { "a\tb", NULL }, *many[18], *two_long[] = { big, big + 600, NULL };
	int i;

	(void)state;
	assert_true(ws_cli_words_ok(good, 2));
	assert_false(ws_cli_words_ok(good, 0));
	assert_false(ws_cli_words_ok(NULL, 1));
	assert_false(ws_cli_words_ok(empty, 2));
	assert_false(ws_cli_words_ok(space, 1));
	assert_false(ws_cli_words_ok(quote, 1));
	assert_false(ws_cli_words_ok(ctl, 1));
	for (i = 0; i < 17; i++)
		many[i] = "w";
	many[17] = NULL;
	assert_true(ws_cli_words_ok(many, 16));
	assert_false(ws_cli_words_ok(many, 17));
	/* Two words of 499 and 499 bytes (with the space: 999) pass; the
	 * same words longer than 1024 together do not. */
	memset(big, 'x', sizeof(big));
	big[499] = '\0';
	big[600 + 499] = '\0';
	assert_true(ws_cli_words_ok(two_long, 2));
	big[499] = 'x';
	big[1099] = '\0';
	two_long[1] = big + 600;
	assert_false(ws_cli_words_ok(two_long, 2));
}

/* Two accounts, alice (group devs) and bob (no group); the access list
 * lets bob into "shared" and the devs into "team"; only devs may create. */
static char *access_list[] = { "shared: bob", "team: @devs", NULL };
static char *create_list[] = { "@devs", NULL };
static char *devs[] = { "devs", NULL };

static void access_decision(void **state)
{
	struct ws_config cfg;
	struct ws_cli_as alice, bob;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.access = access_list;
	cfg.create = create_list;
	alice = (struct ws_cli_as){ { "alice", devs }, &cfg };
	bob = (struct ws_cli_as){ { "bob", NULL }, &cfg };
	/* The administrator may anything. */
	assert_true(ws_cli_allowed(NULL, "x", NULL, WS_MAY_OWN));
	/* Her own: read and own; not bob's. */
	assert_true(ws_cli_allowed(&alice, "mine", "alice", WS_MAY_READ));
	assert_true(ws_cli_allowed(&alice, "mine", "alice", WS_MAY_OWN));
	assert_false(ws_cli_allowed(&bob, "mine", "alice", WS_MAY_READ));
	assert_false(ws_cli_allowed(&bob, "mine", "alice", WS_MAY_OWN));
	assert_false(ws_cli_allowed(&bob, "mine", "alice", WS_MAY_OWN | WS_MAY_CREATE));
	/* The access list lets in (read), never makes an owner. */
	assert_true(ws_cli_allowed(&bob, "shared", "alice", WS_MAY_READ));
	assert_false(ws_cli_allowed(&bob, "shared", "alice", WS_MAY_OWN));
	assert_false(ws_cli_allowed(&bob, "shared", "alice", WS_MAY_READ | WS_MAY_OWN));
	assert_false(ws_cli_allowed(&alice, "shared", "bob", WS_MAY_READ));
	/* Groups: alice is in devs, bob is not. */
	assert_true(ws_cli_allowed(&alice, "team", "bob", WS_MAY_READ));
	assert_false(ws_cli_allowed(&alice, "team", "bob", WS_MAY_OWN));
	assert_false(ws_cli_allowed(&bob, "team", "carol", WS_MAY_READ));
	/* An orphan of wsgate 0.1 (no owner label): nobody owns it. */
	assert_false(ws_cli_allowed(&alice, "old", "", WS_MAY_OWN));
	assert_false(ws_cli_allowed(&alice, "old", "", WS_MAY_READ));
	/* Not there: read or own is refused (as "not yours"), create asks the
	 * create list. */
	assert_false(ws_cli_allowed(&alice, "new", NULL, WS_MAY_READ));
	assert_false(ws_cli_allowed(&alice, "new", NULL, WS_MAY_OWN));
	assert_true(ws_cli_allowed(&alice, "new", NULL, WS_MAY_CREATE));
	assert_true(ws_cli_allowed(&alice, "new", NULL, WS_MAY_OWN | WS_MAY_CREATE));
	assert_false(ws_cli_allowed(&bob, "new", NULL, WS_MAY_CREATE));
	assert_false(ws_cli_allowed(&bob, "new", NULL, WS_MAY_OWN | WS_MAY_CREATE));
	/* Create alone on one that exists: refused (it would replace it). */
	assert_false(ws_cli_allowed(&alice, "mine", "alice", WS_MAY_CREATE));
	/* No account is nobody. */
	{
		struct ws_cli_as none = { { "", devs }, &cfg };
		assert_false(ws_cli_allowed(&none, "x", "", WS_MAY_READ));
	}
}

static void admin_needs_no_engine(void **state)
{
	struct ws_cli w;

	(void)state;
	memset(&w, 0, sizeof(w));
	/* No engine (w.e NULL): the administrator's check asks it nothing. */
	assert_int_equal(ws_cli_may(&w, "anything", WS_MAY_OWN), WS_EXIT_OK);
}

/* Runs ws_cli_run on words as as; its stdout and stderr into out, err. */
static int run_as(const struct ws_cli_as *as, char *out, size_t outlen, char *err, size_t errlen,
    int argc, char **argv)
{
	char po[] = "/tmp/test_owner_outXXXXXX", pe[] = "/tmp/test_owner_errXXXXXX";
	int fo = mkstemp(po), fe = mkstemp(pe), so = dup(1), se = dup(2), rc;
	ssize_t n;

	assert_true(fo >= 0 && fe >= 0 && so >= 0 && se >= 0);
	fflush(stdout);
	fflush(stderr);
	dup2(fo, 1);
	dup2(fe, 2);
	rc = ws_cli_run(argc, argv, as);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	n = pread(fo, out, outlen - 1, 0);
	out[n > 0 ? n : 0] = '\0';
	n = pread(fe, err, errlen - 1, 0);
	err[n > 0 ? n : 0] = '\0';
	close(fo);
	close(fe);
	close(so);
	close(se);
	unlink(po);
	unlink(pe);
	return rc;
}

#define RUN(as, ...) run_as(as, out, sizeof(out), err, sizeof(err), \
	(int)(sizeof((char *[]){ __VA_ARGS__ }) / sizeof(char *)), (char *[]){ __VA_ARGS__, NULL })

static void owner_set(void **state)
{
	static char out[16384], err[4096];
	struct ws_config cfg;
	struct ws_cli_as alice;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	cfg.access = access_list;
	cfg.create = create_list;
	alice = (struct ws_cli_as){ { "alice", devs }, &cfg };
	/* help: the owner's commands and options, nothing of the rest. */
	assert_int_equal(RUN(&alice, "ws", "help"), WS_EXIT_OK);
	assert_non_null(strstr(out, "alice+@GATEWAY"));
	assert_non_null(strstr(out, "  list "));
	assert_non_null(strstr(out, "  start NAME"));
	assert_non_null(strstr(out, "  stop NAME"));
	assert_non_null(strstr(out, "--json"));
	assert_null(strstr(out, "create"));
	assert_null(strstr(out, "delete"));
	assert_null(strstr(out, "adopt"));
	assert_null(strstr(out, "key add"));
	assert_null(strstr(out, "--owner"));
	assert_null(strstr(out, "--image"));
	assert_null(strstr(out, "-f, --config"));
	/* The administrator's help has them. */
	assert_int_equal(RUN(NULL, "ws", "help"), WS_EXIT_OK);
	assert_non_null(strstr(out, "create NAME"));
	assert_non_null(strstr(out, "key add"));
	/* The administrator's commands do not exist for an account. */
	assert_int_equal(RUN(&alice, "ws", "create", "x"), WS_EXIT_USAGE);
	assert_non_null(strstr(err, "unknown command 'create'"));
	assert_int_equal(RUN(&alice, "ws", "delete", "x", "--yes"), WS_EXIT_USAGE);
	assert_int_equal(RUN(&alice, "ws", "status", "x"), WS_EXIT_USAGE);
	assert_int_equal(RUN(&alice, "ws", "key", "list"), WS_EXIT_USAGE);
	assert_non_null(strstr(err, "unknown command 'key'"));
	assert_int_equal(RUN(&alice, "ws", "help", "delete"), WS_EXIT_USAGE);
	/* No suggestion names one of them either ("creat" is near "create"). */
	assert_int_equal(RUN(&alice, "ws", "creat", "x"), WS_EXIT_USAGE);
	assert_null(strstr(err, "create"));
	/* Options: never -f, --owner, --image; before the engine is asked. */
	assert_int_equal(RUN(&alice, "ws", "-f", "/etc/passwd", "list"), WS_EXIT_USAGE);
	assert_non_null(strstr(err, "-f"));
	assert_int_equal(RUN(&alice, "ws", "list", "--owner", "bob"), WS_EXIT_USAGE);
	assert_non_null(strstr(err, "list does not take --owner"));
	assert_int_equal(RUN(&alice, "ws", "start", "x", "--image", "evil"), WS_EXIT_USAGE);
	assert_int_equal(RUN(&alice, "ws", "stop", "x", "--clone", "u"), WS_EXIT_USAGE);
	assert_int_equal(RUN(&alice, "ws", "stop", "x", "--yes"), WS_EXIT_USAGE);
	/* An invalid name is a usage error, as for ws. */
	assert_int_equal(RUN(&alice, "ws", "stop", "../x"), WS_EXIT_USAGE);
	/* help for one of the owner's commands, without the options it may not give. */
	assert_int_equal(RUN(&alice, "ws", "help", "list"), WS_EXIT_OK);
	assert_non_null(strstr(out, "usage: ssh ACCOUNT+@GATEWAY list"));
	assert_int_equal(RUN(&alice, "ws", "stop", "--help"), WS_EXIT_OK);
	assert_non_null(strstr(out, "stop NAME"));
	/* The administrator's ws is as it was. */
	assert_int_equal(RUN(NULL, "ws", "list", "--owner", "bob"), WS_EXIT_USAGE);
	assert_non_null(strstr(err, "list does not take --owner"));
	assert_int_equal(RUN(NULL, "ws", "help", "create"), WS_EXIT_OK);
	assert_non_null(strstr(out, "usage: ws [-f CONF] create NAME"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(split_words),
		cmocka_unit_test(split_bounds),
		cmocka_unit_test(words_checked_again),
		cmocka_unit_test(access_decision),
		cmocka_unit_test(admin_needs_no_engine),
		cmocka_unit_test(owner_set),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
