/* The asciicast v2 writer (cast.h): the file's name, mode and exclusive
 * creation (never over a file nor through a link), names that could make
 * a path refused, a header and events every line of which is JSON, UTF-8
 * held over between chunks, the cap (never passed, one marker at the end),
 * and Debian's `asciinema cat` playing a file back. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cast.h"

/* A string literal and its length. */
#define S(x) x, sizeof(x) - 1

static char dir[64];
static int dirfd_ = -1;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/test_cast.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	dirfd_ = open(dir, O_RDONLY | O_DIRECTORY);
	return dirfd_ < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	close(dirfd_);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static struct ws_cast_info info_of(const char *account, const char *workspace, unsigned seq)
{
	struct ws_cast_info i;

	memset(&i, 0, sizeof(i));
	i.account = account;
	i.workspace = workspace;
	i.pid = 4242;
	i.seq = seq;
	i.started = 1796029923; /* 2026-11-30T09:12:03Z */
	i.width = 100;
	i.height = 30;
	i.term = "xterm-256color";
	i.max_bytes = 1 << 20;
	return i;
}

/* Reads the file name in dir into a new string. */
static char *slurp(const char *name, size_t *len)
{
	char path[256];
	char *buf;
	FILE *f;
	long n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

/* Each line of text is a JSON value (the header an object, events arrays
 * of 3); returns how many lines; *joined gets the "o" data strung
 * together, *last the last line's type ("m", "o", ...). */
static int lines_json(char *text, char *joined, size_t joinlen, char *last, size_t lastlen)
{
	char *save = NULL, *line;
	int n = 0;

	joined[0] = last[0] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		json_object *o = json_tokener_parse(line);
		assert_non_null(o);
		if (n == 0) {
			assert_true(json_object_is_type(o, json_type_object));
		} else {
			const char *type;
			assert_true(json_object_is_type(o, json_type_array));
			assert_int_equal(json_object_array_length(o), 3);
			assert_true(json_object_is_type(json_object_array_get_idx(o, 0), json_type_double));
			type = json_object_get_string(json_object_array_get_idx(o, 1));
			snprintf(last, lastlen, "%s", type);
			if (strcmp(type, "o") == 0)
				strncat(joined, json_object_get_string(json_object_array_get_idx(o, 2)),
				    joinlen - strlen(joined) - 1);
		}
		json_object_put(o);
		n++;
	}
	return n;
}

static void name_mode_and_header(void **state)
{
	struct ws_cast_info i = info_of("alice", "myproject", 1);
	struct ws_cast *c = NULL;
	char name[WS_CAST_NAME_MAX], path[256];
	struct stat st;
	json_object *h, *v;
	char *text, *nl;
	size_t len;

	(void)state;
	assert_int_equal(ws_cast_open(dirfd_, &i, &c, name, sizeof(name)), WS_OK);
	assert_string_equal(name, "2026-11-30T09-12-03Z_alice_myproject_4242-1.cast");
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(ws_cast_close(c, 1.0), WS_OK);
	assert_non_null(text = slurp(name, &len));
	assert_non_null(nl = strchr(text, '\n'));
	assert_int_equal(nl[1], '\0');
	assert_non_null(h = json_tokener_parse(text));
	assert_true(json_object_object_get_ex(h, "version", &v));
	assert_int_equal(json_object_get_int(v), 2);
	assert_true(json_object_object_get_ex(h, "width", &v));
	assert_int_equal(json_object_get_int(v), 100);
	assert_true(json_object_object_get_ex(h, "height", &v));
	assert_int_equal(json_object_get_int(v), 30);
	assert_true(json_object_object_get_ex(h, "timestamp", &v));
	assert_int_equal(json_object_get_int64(v), 1796029923);
	assert_true(json_object_object_get_ex(h, "title", &v));
	assert_string_equal(json_object_get_string(v), "alice@myproject");
	assert_true(json_object_object_get_ex(h, "env", &v));
	assert_true(json_object_object_get_ex(v, "TERM", &v));
	assert_string_equal(json_object_get_string(v), "xterm-256color");
	json_object_put(h);
	free(text);
}

static void exclusive_and_no_links(void **state)
{
	struct ws_cast_info i = info_of("bob", "proj", 7);
	struct ws_cast *c = NULL;
	char name[WS_CAST_NAME_MAX], path[256], target[256];
	struct stat st;

	(void)state;
	assert_int_equal(ws_cast_open(dirfd_, &i, &c, name, sizeof(name)), WS_OK);
	assert_int_equal(ws_cast_close(c, 0), WS_OK);
	c = NULL;
	/* Never over an existing file. */
	assert_int_equal(ws_cast_open(dirfd_, &i, &c, name, sizeof(name)), WS_ERR_CONFLICT);
	assert_null(c);
	/* Nor through a link someone left under the next name. */
	i.seq = 8;
	snprintf(target, sizeof(target), "%s/target", dir);
	snprintf(path, sizeof(path), "%s/2026-11-30T09-12-03Z_bob_proj_4242-8.cast", dir);
	assert_int_equal(symlink(target, path), 0);
	assert_int_equal(ws_cast_open(dirfd_, &i, &c, name, sizeof(name)), WS_ERR_CONFLICT);
	assert_null(c);
	assert_int_not_equal(stat(target, &st), 0);
}

static void names_that_make_paths_refused(void **state)
{
	static const char *const bad[] = { "", "..", ".hidden", "a/b", "../etc", "x y", "a\nb",
		"0123456789012345678901234567890123456789012345678901234567890123456789" };
	struct ws_cast *c = NULL;
	char name[WS_CAST_NAME_MAX];
	size_t k, before = 0, after = 0;
	DIR *d;

	(void)state;
	assert_non_null(d = opendir(dir));
	while (readdir(d) != NULL)
		before++;
	closedir(d);
	for (k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		struct ws_cast_info a = info_of(bad[k], "ok", 1), w = info_of("ok", bad[k], 1);
		assert_int_equal(ws_cast_open(dirfd_, &a, &c, name, sizeof(name)), WS_ERR_INVALID);
		assert_int_equal(ws_cast_open(dirfd_, &w, &c, name, sizeof(name)), WS_ERR_INVALID);
		assert_null(c);
	}
	assert_non_null(d = opendir(dir));
	while (readdir(d) != NULL)
		after++;
	closedir(d);
	assert_int_equal(before, after);
}

static void events_and_utf8_across_chunks(void **state)
{
	struct ws_cast_info i = info_of("carol", "utf", 1);
	struct ws_cast *c = NULL;
	char name[WS_CAST_NAME_MAX], joined[256], last[8];
	char *text;
	size_t len;

	(void)state;
	i.term = "bad\xff\"term";
	assert_int_equal(ws_cast_open(dirfd_, &i, &c, name, sizeof(name)), WS_OK);
	/* "€" cut over two chunks, then one invalid byte, then a quote. */
	assert_int_equal(ws_cast_data(c, 0.5, 'o', S("price \xe2\x82")), WS_OK);
	assert_int_equal(ws_cast_data(c, 0.6, 'o', S("\xac 5\r\n")), WS_OK);
	assert_int_equal(ws_cast_data(c, 0.7, 'i', S("ls\r")), WS_OK);
	assert_int_equal(ws_cast_resize(c, 0.8, 132, 41), WS_OK);
	assert_int_equal(ws_cast_data(c, 0.9, 'o', S("\xff\"\x1b[0m")), WS_OK);
	/* Time never goes back. */
	assert_int_equal(ws_cast_data(c, 0.1, 'o', "!", 1), WS_OK);
	assert_int_equal(ws_cast_data(c, 1.0, 'x', "?", 1), WS_ERR_INVALID);
	/* A character left unfinished at the end becomes U+FFFD. */
	assert_int_equal(ws_cast_data(c, 1.0, 'o', S("\xf0\x9d")), WS_OK);
	assert_int_equal(ws_cast_close(c, 1.1), WS_OK);
	assert_non_null(text = slurp(name, &len));
	assert_non_null(strstr(text, "\"TERM\": \"bad\xef\xbf\xbd\\\"term\""));
	assert_non_null(strstr(text, "[0.700000, \"i\", \"ls\\r\"]\n"));
	assert_non_null(strstr(text, "[0.800000, \"r\", \"132x41\"]\n"));
	assert_non_null(strstr(text, "[0.900000, \"o\", \"!\"]\n"));
	assert_int_equal(lines_json(text, joined, sizeof(joined), last, sizeof(last)), 8);
	assert_string_equal(joined, "price \xe2\x82\xac 5\r\n\xef\xbf\xbd\"\x1b[0m!\xef\xbf\xbd");
	free(text);
}

static void cap_never_passed(void **state)
{
	struct ws_cast_info i = info_of("dave", "big", 1);
	struct ws_cast *c = NULL;
	char name[WS_CAST_NAME_MAX], chunk[1000], last[8];
	static char joined[16384];
	char *text;
	size_t len;
	int k;
	ws_err rc = WS_OK;

	(void)state;
	i.max_bytes = 8192;
	memset(chunk, 'A', sizeof(chunk));
	assert_int_equal(ws_cast_open(dirfd_, &i, &c, name, sizeof(name)), WS_OK);
	for (k = 0; k < 100 && rc == WS_OK; k++)
		rc = ws_cast_data(c, k * 0.01, 'o', chunk, sizeof(chunk));
	assert_int_equal(rc, WS_ERR_TOO_LARGE);
	assert_true(k > 5 && k < 10);
	/* Stopped for good: nothing more, whatever the event. */
	assert_int_equal(ws_cast_data(c, 2, 'o', "x", 1), WS_ERR_TOO_LARGE);
	assert_int_equal(ws_cast_resize(c, 2, 80, 24), WS_ERR_TOO_LARGE);
	assert_true(ws_cast_size(c) <= 8192);
	assert_int_equal(ws_cast_close(c, 3), WS_OK);
	assert_non_null(text = slurp(name, &len));
	assert_true(len <= 8192);
	assert_true(len > 8192 - 1100);
	assert_non_null(strstr(text, "record_max_mb reached"));
	lines_json(text, joined, sizeof(joined), last, sizeof(last));
	assert_string_equal(last, "m");
	free(text);
	/* A cap without room for the header: no file left behind. */
	i.seq = 2;
	i.max_bytes = 100;
	assert_int_equal(ws_cast_open(dirfd_, &i, &c, name, sizeof(name)), WS_ERR_TOO_LARGE);
	assert_null(slurp("2026-11-30T09-12-03Z_dave_big_4242-2.cast", &len));
}

/* Debian's asciinema plays what we wrote: `asciinema cat` prints the
 * output events (it needs a terminal: script(1) gives it one). */
static void asciinema_cat_plays_it(void **state)
{
	struct ws_cast_info i = info_of("erin", "play", 1);
	struct ws_cast *c = NULL;
	char name[WS_CAST_NAME_MAX], cmd[512], out[4096];
	FILE *p;
	size_t n;

	(void)state;
	assert_int_equal(system("command -v asciinema >/dev/null && command -v script >/dev/null"), 0);
	assert_int_equal(ws_cast_open(dirfd_, &i, &c, name, sizeof(name)), WS_OK);
	assert_int_equal(ws_cast_data(c, 0.1, 'o', S("$ echo MARK")), WS_OK);
	assert_int_equal(ws_cast_data(c, 0.2, 'i', S("typed-only\r")), WS_OK);
	assert_int_equal(ws_cast_data(c, 0.3, 'o', S("ER-1\r\nshown-\xe2\x82")), WS_OK);
	assert_int_equal(ws_cast_resize(c, 0.35, 90, 20), WS_OK);
	assert_int_equal(ws_cast_marker(c, 0.38, "a \"marker\""), WS_OK);
	assert_int_equal(ws_cast_data(c, 0.4, 'o', S("\xac\xff-done\r\n")), WS_OK);
	assert_int_equal(ws_cast_close(c, 0.5), WS_OK);
	snprintf(cmd, sizeof(cmd), "script -qec 'asciinema cat %s/%s' /dev/null </dev/null", dir, name);
	assert_non_null(p = popen(cmd, "r"));
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_non_null(strstr(out, "$ echo MARKER-1\r\n"));
	assert_non_null(strstr(out, "shown-\xe2\x82\xac\xef\xbf\xbd-done"));
	assert_null(strstr(out, "typed-only"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(name_mode_and_header),
		cmocka_unit_test(exclusive_and_no_links),
		cmocka_unit_test(names_that_make_paths_refused),
		cmocka_unit_test(events_and_utf8_across_chunks),
		cmocka_unit_test(cap_never_passed),
		cmocka_unit_test(asciinema_cat_plays_it),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
