#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "privsep.h"
#include "proc.h"

/* A parse of at most a few MiB takes milliseconds: 5 s is a loop. */
static void (*ws_jail_scrub_fn)(void);
static double ws_jail_limit = 5.0;
/* What a jail may write to its descriptor 2 (a sanitizer's report, a
 * taken-over parser's words): kept, escaped, for the log. */
#define WS_JAIL_ERR_MAX 2048
/* Memory a jail may map (release builds: a sanitizer maps terabytes). */
#define WS_JAIL_MAX_AS ((rlim_t)512 * 1024 * 1024)

static char ws_jail_as[64];

void ws_jail_scrub(void (*fn)(void))
{
	ws_jail_scrub_fn = fn;
}

void ws_jail_timeout(double seconds)
{
	ws_jail_limit = seconds;
}

void ws_jail_user(const char *user)
{
	snprintf(ws_jail_as, sizeof(ws_jail_as), "%s", user != NULL ? user : "");
}

static void ws_jail_put_buf(void *ctx, const void *p, size_t n)
{
	(void)ws_dynbuf_add(ctx, p, n);
}

static void ws_jail_put_fd(void *ctx, const void *p, size_t n)
{
	const char *b = p;
	ssize_t w;

	while (n > 0) {
		w = write(*(int *)ctx, b, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(3);  /* the reader is gone or took enough */
		b += w;
		n -= (size_t)w;
	}
}

/* The jail itself: descriptor 2 is a pipe its parent reads (never the
 * parent's own log or terminal), out the result's pipe. Never returns. */
static void ws_jail_child(pid_t parent, int out, int err, ws_jail_fn fn,
    const unsigned char *in, size_t len, void *arg)
{
	const int keep[] = { STDERR_FILENO, out };
	struct rlimit cpu = { 6, 6 };
	char why[300];

	if (ws_jail_scrub_fn != NULL)
		ws_jail_scrub_fn();
	if (dup2(err, STDERR_FILENO) < 0)
		_exit(2);
	ws_proc_jailed();
	setrlimit(RLIMIT_CPU, &cpu);
#ifndef WS_LEAK_CHECK
	{
		struct rlimit as = { WS_JAIL_MAX_AS, WS_JAIL_MAX_AS };
		setrlimit(RLIMIT_AS, &as);
	}
#endif
	if (ws_privsep_sandbox(ws_jail_as, keep, 2, parent, why, sizeof(why)) != WS_OK) {
		(void)!write(STDERR_FILENO, why, strlen(why));
		_exit(2);
	}
	/* Said once sandboxed: the tests see who parses. */
	snprintf(why, sizeof(why), "running as uid %ld\n", (long)getuid());
	(void)!write(STDERR_FILENO, why, strlen(why));
	fn(in, len, arg, ws_jail_put_fd, &out);
	_exit(0);
}

/* Reads the jail's two pipes until both end, within end: the result into
 * out, its descriptor 2 into err (the rest of which is dropped). */
static ws_err ws_jail_read(int outfd, int errfd, struct ws_dynbuf *out, struct ws_dynbuf *err,
    double end)
{
	struct pollfd pfd[2] = { { .fd = outfd, .events = POLLIN }, { .fd = errfd, .events = POLLIN } };
	char buf[4096];
	ssize_t n;
	ws_err rc = WS_OK;
	int i;

	while (pfd[0].fd >= 0 || pfd[1].fd >= 0) {
		int left = (int)((end - ws_clock_now()) * 1000);
		if (left <= 0)
			return WS_ERR_TIMEOUT;
		if (poll(pfd, 2, left) <= 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				pfd[i].fd = -1;
				continue;
			}
			if (i == 1)
				(void)ws_dynbuf_add(err, buf, (size_t)n);
			else if ((rc = ws_dynbuf_add(out, buf, (size_t)n)) != WS_OK)
				return rc;
		}
	}
	return rc;
}

/* Reaps the jail by end, killing it then if it has not ended (one that
 * closed its pipes and went on must not hold its caller). */
static int ws_jail_reap(pid_t pid, double end)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	int status = 0;
	pid_t r;

	for (;;) {
		r = waitpid(pid, &status, WNOHANG);
		if (r == pid)
			return status;
		if (r < 0 && errno != EINTR)
			return 0;
		if (ws_clock_now() >= end)
			break;
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return status;
}

/* Logs what the jail wrote to its descriptor 2: its uid line at debug
 * level, anything else (escaped by the log) as a warning. */
static void ws_jail_said(const char *what, pid_t pid, const struct ws_dynbuf *err)
{
	const char *p = ws_dynbuf_ptr(err), *nl;
	char line[WS_JAIL_ERR_MAX + 1];
	size_t n;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)n, p);
		if (strncmp(line, "running as uid ", 15) == 0 && strspn(line + 15, "0123456789") == n - 15)
			ws_debug("reading %s in a jail %s", what, line);
		else
			ws_warn("the jail (process %ld) reading %s wrote: %s", (long)pid, what, line);
		p += n + (nl != NULL);
	}
}

ws_err ws_jail_run(const char *what, ws_jail_fn fn, const unsigned char *in, size_t len,
    void *arg, struct ws_dynbuf *out)
{
	struct ws_dynbuf *err = NULL;
	pid_t pid, self = getpid();
	int po[2] = { -1, -1 }, pe[2] = { -1, -1 }, status;
	double end;
	ws_err rc = WS_ERR_IO;

	if (ws_jail_as[0] == '\0' || geteuid() != 0) {
		fn(in, len, arg, ws_jail_put_buf, out);
		return WS_OK;
	}
	if ((err = ws_dynbuf_new(WS_JAIL_ERR_MAX)) == NULL || pipe2(po, O_CLOEXEC) != 0 ||
	    pipe2(pe, O_CLOEXEC) != 0 || (pid = fork()) < 0) {
		ws_warn("cannot make a jail to read %s: %s", what, strerror(errno));
		goto out;
	}
	if (pid == 0)
		ws_jail_child(self, po[1], pe[1], fn, in, len, arg);
	close(po[1]);
	close(pe[1]);
	po[1] = pe[1] = -1;
	end = ws_clock_now() + ws_jail_limit;
	rc = ws_jail_read(po[0], pe[0], out, err, end);
	if (rc != WS_OK)
		kill(pid, SIGKILL);
	status = ws_jail_reap(pid, end);
	ws_jail_said(what, pid, err);
	if (rc == WS_ERR_TIMEOUT) {
		ws_warn("the jail reading %s took more than %.1f s; killed", what, ws_jail_limit);
		rc = WS_ERR_IO;
	} else if (rc == WS_OK && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		if (WIFSIGNALED(status))
			ws_error("process %ld died of signal %d (the jail reading %s)%s", (long)pid,
			    WTERMSIG(status), what,
			    WTERMSIG(status) == SIGSYS ? ": a system call its sandbox forbids" : "");
		else
			ws_warn("the jail reading %s ended with status %d", what,
			    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		rc = WS_ERR_IO;
	}
out:
	for (int i = 0; i < 2; i++) {
		if (po[i] >= 0)
			close(po[i]);
		if (pe[i] >= 0)
			close(pe[i]);
	}
	ws_dynbuf_free(err);
	return rc;
}
