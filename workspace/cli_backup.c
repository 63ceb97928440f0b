/* cli_backup.c — ws backup, restore and rebuild: files and terminals around
 * backup.h and rebuild.h. An archive goes to a file (written beside it and
 * renamed when whole, mode 0600) or a pipe, never to a terminal; progress
 * shows on a terminal only; a signal ends the work cleanly (a paused
 * workspace is unpaused, staging volumes go). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "backup.h"
#include "cli.h"
#include "mkdirs.h"
#include "rebuild.h"
#include "workspace.h"

static volatile sig_atomic_t ws_stop;

static void ws_on_signal(int sig)
{
	(void)sig;
	ws_stop = 1;
}

/* Signals end the work; a closed pipe is a failed write, not a death. */
static void ws_catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ws_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Progress on a terminal: the part, bytes so far, the rate. */
struct ws_prog {
	int tty;
	double start;
	int shown;
};

static void ws_prog_say(void *arg, const char *line)
{
	struct ws_prog *p = arg;

	if (p->shown) {
		fprintf(stderr, "\n");
		p->shown = 0;
	}
	fprintf(stderr, "ws: %s\n", line);
}

static void ws_prog_tick(void *arg, const char *part, uint64_t done, uint64_t total)
{
	struct ws_prog *p = arg;
	struct timespec ts;
	double now, mib = (double)done / 1048576.0;
	char bar[24];
	int i, fill;

	if (!p->tty)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (double)ts.tv_sec + ts.tv_nsec / 1e9;
	if (p->start == 0)
		p->start = now;
	/* total is the engine's measure of the volume: the tar's is near it */
	fill = total > 0 ? (int)(20.0 * (double)done / (double)total) : 0;
	if (fill > 20)
		fill = 20;
	for (i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	if (total > 0 && done != total)
		fprintf(stderr, "\r%-6s [%s] %3d%% %9.1f MiB %7.1f MiB/s", part, bar,
		    (int)(100.0 * (double)done / (double)total), mib, now > p->start ? mib / (now - p->start) : 0.0);
	else   /* the size is not known (restore), or the part is done */
		fprintf(stderr, "\r%-6s %9.1f MiB %7.1f MiB/s%s\033[K", part, mib,
		    now > p->start ? mib / (now - p->start) : 0.0, done == total ? "\n" : "");
	p->shown = done != total;
	if (done == total)
		p->start = 0;
}

/* How long an archive's reader or writer may keep us waiting
 * (backup_idle_timeout): a pipe's other end that stops (a backup's: the
 * workspace stays paused meanwhile; a restore's: its helper and staging
 * volumes stay) is given up on. */
static int ws_io_idle_s = 120;
static int ws_io_idle;   /* the archive's other end kept us waiting that long */

/* Waits until fd is ready for events: 0, or -1 (errno ETIMEDOUT after
 * backup_idle_timeout, EINTR on a signal that stops us). */
static int ws_io_wait(int fd, short events)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	for (;;) {
		n = poll(&p, 1, ws_io_idle_s * 1000);
		if (n > 0)
			return 0;
		if (n == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR || ws_stop)
			return -1;
	}
}

static int ws_write_all(void *arg, const void *buf, size_t len)
{
	int fd = *(int *)arg;
	const char *b = buf;
	struct stat st;
	size_t most = len;
	ssize_t n;

	/* A pipe or socket that polls writable takes PIPE_BUF bytes without
	 * blocking, not always more: a larger write could block past the idle
	 * limit on a reader that stalls. A file takes it all. */
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		most = PIPE_BUF;
	while (len > 0) {
		if (ws_io_wait(fd, POLLOUT) != 0) {
			ws_io_idle |= errno == ETIMEDOUT;
			return -1;
		}
		n = write(fd, b, len < most ? len : most);
		if (n < 0 && errno == EINTR && !ws_stop)
			continue;
		if (n <= 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static long ws_read_some(void *arg, void *buf, size_t len)
{
	int fd = *(int *)arg;
	ssize_t n;

	for (;;) {
		if (ws_io_wait(fd, POLLIN) != 0) {
			ws_io_idle |= errno == ETIMEDOUT;
			return -1;
		}
		n = read(fd, buf, len);
		if (n < 0 && errno == EINTR && !ws_stop)
			continue;
		return n < 0 ? -1 : (long)n;
	}
}

static void ws_io_init(struct ws_cli *w, struct ws_backup_io *io, struct ws_prog *p)
{
	memset(io, 0, sizeof(*io));
	memset(p, 0, sizeof(*p));
	p->tty = isatty(2);
	io->cfg = w->cfg;
	io->say = ws_prog_say;
	io->progress = ws_prog_tick;
	io->arg = p;
	io->stop = &ws_stop;
	io->estimate = p->tty;   /* a total only for the bar on a terminal */
	ws_io_idle_s = w->cfg->backup_idle_timeout;
}

/* Backs NAME up into path (NULL: stdout), written whole or not at all. */
static int ws_backup_to(struct ws_cli *w, const char *name, const char *path)
{
	struct ws_backup_io io;
	struct ws_backup_done d;
	struct ws_prog p;
	char *tmp = NULL, why[600] = "";
	int fd = 1, ret = WS_EXIT_FAIL;
	ws_err rc;

	if (path == NULL && isatty(1)) {
		fprintf(stderr, "ws: not writing an archive to a terminal: give -o FILE, or send it to a file or pipe\n");
		return WS_EXIT_USAGE;
	}
	if (path != NULL) {
		if ((tmp = malloc(strlen(path) + 16)) == NULL)
			return WS_EXIT_FAIL;
		sprintf(tmp, "%s.partXXXXXX", path);
		if ((fd = mkstemp(tmp)) < 0) {   /* 0600 */
			fprintf(stderr, "ws: cannot write beside %s: %s\n", path, strerror(errno));
			free(tmp);
			return WS_EXIT_FAIL;
		}
	}
	ws_io_init(w, &io, &p);
	ws_catch_signals();
	rc = ws_backup_run(w->e, &io, name, ws_write_all, &fd, &d, why, sizeof(why));
	if (rc == WS_OK && path != NULL && (fsync(fd) != 0 || rename(tmp, path) != 0)) {
		snprintf(why, sizeof(why), "cannot write %s: %s", path, strerror(errno));
		rc = WS_ERR_IO;
	}
	if (rc != WS_OK && ws_io_idle) {
		fprintf(stderr, "ws: backing up '%s' stopped: the archive's reader took nothing for %d s\n", name,
		    ws_io_idle_s);
		goto out;
	}
	if (rc != WS_OK) {
		ret = ws_fail(rc, name, why);
		goto out;
	}
	fprintf(path != NULL ? stdout : stderr,
	    "%sbacked up workspace %s%s%s: %.1f MiB of data in %.1f MiB, %.1f s (%.1f MiB/s)%s\n",
	    path != NULL ? "" : "ws: ", name, path != NULL ? " to " : "", path != NULL ? path : "",
	    (double)d.bytes_in / 1048576.0, (double)d.bytes_out / 1048576.0, d.seconds,
	    d.seconds > 0 ? (double)d.bytes_in / 1048576.0 / d.seconds : 0.0,
	    d.paused_s > 0 ? "; it was paused meanwhile" : "");
	ret = WS_EXIT_OK;
out:
	if (path != NULL) {
		close(fd);
		if (ret != WS_EXIT_OK)
			unlink(tmp);
	}
	free(tmp);
	return ret;
}

int ws_cmd_backup(struct ws_cli *w, int argc, char **argv)
{
	int ret;

	(void)argc;
	if ((ret = ws_cli_may(w, argv[0], WS_MAY_READ)) != WS_EXIT_OK)
		return ret;
	return ws_backup_to(w, argv[0], w->output == NULL || strcmp(w->output, "-") == 0 ? NULL :
	    w->output);
}

int ws_cmd_restore(struct ws_cli *w, int argc, char **argv)
{
	const char *name = argv[0], *path = w->input;
	struct ws_restore_req req = { name, w->owner, w->force };
	struct ws_restore_done d;
	struct ws_backup_io io;
	struct ws_prog p;
	char why[600] = "";
	int fd = 0, ret;
	ws_err rc;

	(void)argc;
	if ((ret = ws_cli_may(w, name, WS_MAY_OWN | WS_MAY_CREATE)) != WS_EXIT_OK)
		return ret;
	/* An owner over SSH restores as itself, whatever the archive says. */
	if (w->as != NULL)
		req.owner = w->as->who.account;
	if (path != NULL && strcmp(path, "-") == 0)
		path = NULL;
	if (path == NULL && isatty(0)) {
		fprintf(stderr, "ws: not reading an archive from a terminal: give -i FILE, or send one in\n");
		return WS_EXIT_USAGE;
	}
	if (path != NULL && (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "ws: cannot read %s: %s\n", path, strerror(errno));
		return WS_EXIT_USAGE;
	}
	ws_io_init(w, &io, &p);
	ws_catch_signals();
	rc = ws_restore_run(w->e, &io, &req, ws_read_some, &fd, &d, why, sizeof(why));
	if (path != NULL)
		close(fd);
	if (rc != WS_OK && ws_io_idle) {
		fprintf(stderr, "ws: restoring '%s' stopped: the archive's sender sent nothing for %d s\n", name,
		    ws_io_idle_s);
		return WS_EXIT_FAIL;
	}
	if (rc == WS_ERR_CONFLICT) {
		fprintf(stderr, "ws: %s\n", why);
		return WS_EXIT_EXISTS;
	}
	if (rc == WS_ERR_CORRUPT || rc == WS_ERR_INVALID || rc == WS_ERR_TOO_LARGE) {
		fprintf(stderr, "ws: %s\n", why);
		return rc == WS_ERR_INVALID ? WS_EXIT_USAGE : rc == WS_ERR_TOO_LARGE ? WS_EXIT_FAIL :
		    WS_EXIT_ARCHIVE;
	}
	if (rc != WS_OK)
		return ws_fail(rc, name, why);
	fprintf(stderr, "ws: restored %.1f MiB of workspace '%s' (owner %s) in %.1f s\n",
	    (double)d.bytes_in / 1048576.0, d.from, d.owner, d.seconds);
	ret = ws_cli_bring_up(w, name, "restore");
	if (d.image[0] != '\0' && strcmp(d.image, w->cfg->image) != 0)
		fprintf(stderr, "ws: note: the backup was made on image %s; it now runs on the image "
		    "setting, %s (ws rebuild %s --image %s goes back)\n", d.image, w->cfg->image, name, d.image);
	return ret;
}

/* The backup a rebuild takes first: backup_dir/NAME-TIME.tar.zst. */
static int ws_rebuild_backup(struct ws_cli *w, const char *name)
{
	char path[4200], stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s-%s.tar.zst", w->cfg->backup_dir, name, stamp) >=
	    sizeof(path) || ws_mkdir_parents(path) != WS_OK) {
		fprintf(stderr, "ws: cannot make backup_dir %s: %s\n", w->cfg->backup_dir, strerror(errno));
		return WS_EXIT_FAIL;
	}
	return ws_backup_to(w, name, path);
}

int ws_cmd_rebuild(struct ws_cli *w, int argc, char **argv)
{
	const char *name = argv[0];
	struct ws_admin_info a;
	struct ws_bringup b;
	struct ws_rebuilt r;
	char why[700] = "";
	int ret;
	ws_err rc;

	(void)argc;
	if ((ret = ws_cli_may(w, name, WS_MAY_OWN)) != WS_EXIT_OK)
		return ret;
	/* A signal ends the backup; once the rebuild itself has begun, it runs
	 * to its end or its roll-back (bounded by sshd_wait_timeout). */
	ws_catch_signals();
	if ((rc = ws_admin_info(w->e, name, &a, why, sizeof(why))) != WS_OK)
		return ws_fail(rc, name, why);
	if (a.orphan) {
		fprintf(stderr, "ws: workspace '%s' has no container to rebuild: ws start %s makes one\n", name, name);
		return WS_EXIT_MISSING;
	}
	if (!w->no_backup && (ret = ws_rebuild_backup(w, name)) != WS_EXIT_OK) {
		fprintf(stderr, "ws: not rebuilding '%s' without its backup (--no-backup skips it)\n", name);
		return ret;
	}
	if (ws_cli_key(w) != 0)
		return WS_EXIT_FAIL;
	ws_cli_bringup_init(w, name, &b);
	if ((rc = ws_rebuild_run(w->e, &b, name, &r, why, sizeof(why))) != WS_OK) {
		if (rc == WS_ERR_NOT_FOUND)
			return ws_fail(rc, name, why);
		fprintf(stderr, "ws: %s\n", why);
		return WS_EXIT_FAIL;
	}
	return ws_cli_bring_up(w, name, "rebuild");
}
