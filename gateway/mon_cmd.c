/* mon_cmd.c — the monitor's side of an owner's commands (an ACCOUNT+
 * login: owner.h, docs/workspaces.md). The sandboxed child asks (CMD) with
 * the words of one command; the monitor forks a root process for it, which
 * runs ws's own dispatcher (cli.h: ws_cli_run) as that account, with the
 * groups its login found and the gateway's settings: nothing comes from the
 * client but the words. Its stdin and stdout are one stream socket, its
 * stderr another; their other ends go to the child (CMD_FD, one descriptor
 * a message), which pumps them to and from the channel. When the process
 * ends, the audit log gets a line and the child its exit status
 * (CMD_EXIT). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "log.h"
#include "mon_int.h"
#include "names.h"
#include "proc.h"

/* Most groups an owner login keeps (each a name and its NUL). */
#define WS_CMD_GROUPS (WS_CONN_GROUPS_MAX / 2 + 1)

/* The place of a new command id: -1 when the id runs already or every place
 * is taken (the child keeps to WS_MP_CMD_MAX: more is a breach). */
static int ws_cmd_place(const struct ws_mon *m, uint32_t id)
{
	int i, free_at = -1;

	for (i = 0; i < WS_MP_CMD_MAX; i++) {
		if (m->cmds[i].pid > 0 && m->cmds[i].id == id)
			return -1;
		if (m->cmds[i].pid == 0 && free_at < 0)
			free_at = i;
	}
	return free_at;
}

/* What the audit line names: the command word (the first that is no
 * option) and the workspace (the next word that is a workspace name; "-"
 * for help and list). */
static void ws_cmd_names(const struct ws_cli_words *w, char *word, size_t wlen, char *name,
    size_t nlen)
{
	char why[160];
	int i, cmd = -1;

	snprintf(word, wlen, "-");
	snprintf(name, nlen, "-");
	for (i = 0; i < w->argc; i++) {
		if (w->argv[i][0] == '-')
			continue;
		if (cmd < 0) {
			cmd = i;
			snprintf(word, wlen, "%s", w->argv[i]);
			if (strcmp(word, "help") == 0 || strcmp(word, "list") == 0)
				return;
			continue;
		}
		if (ws_name_check(w->argv[i], why, sizeof(why)) == WS_OK) {
			snprintf(name, nlen, "%s", w->argv[i]);
			return;
		}
	}
}

/* The login's groups, unpacked into groups (NULL-terminated; pointing
 * into c). */
static void ws_cmd_groups(const struct ws_conn *c, char **groups)
{
	size_t off = 0, n = 0;

	while (off < c->groups_len && n + 1 < WS_CMD_GROUPS) {
		groups[n++] = (char *)c->groups + off;
		off += strnlen(c->groups + off, c->groups_len - off) + 1;
	}
	groups[n] = NULL;
}

/* In the command's process: io is its stdin and stdout, err its stderr;
 * the log stays where the monitor's goes. Never returns. */
static void ws_cmd_child(struct ws_mon *m, int io, int err, const struct ws_cli_words *w)
{
	static char *groups[WS_CMD_GROUPS];
	char *argv[WS_CLI_WORDS_MAX + 2];
	struct ws_cli_as as;
	struct sigaction sa;
	pid_t monitor = getppid();
	int logfd, i, rc;

	/* What it began it finishes (a stop of the gateway ends the
	 * connection, and with it the command's streams); a reader gone is
	 * an error it sees (EPIPE), not its death. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = SIG_DFL;
	sigaction(SIGCHLD, &sa, NULL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != monitor)
		ws_proc_exit(1);
	/* Nothing of the connection's but its streams: not the host key a
	 * rekey may have read, nor the child's requests, nor the listener's pipe. */
	ssh_key_free(m->hostkey);
	m->hostkey = NULL;
	close(m->req_sock);
	close(m->log_sock);
	close(m->ctx->notify_fd);
	logfd = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
	if (logfd < 0 || dup2(io, STDIN_FILENO) < 0 || dup2(io, STDOUT_FILENO) < 0 ||
	    dup2(err, STDERR_FILENO) < 0)
		ws_proc_exit(1);
	close(io);
	close(err);
	ws_log_set_fd(logfd);
	ws_cmd_groups(&m->c, groups);
	as.who.account = m->c.account;
	as.who.groups = groups;
	as.cfg = m->ctx->cfg;
	argv[0] = "ws";
	for (i = 0; i < w->argc; i++)
		argv[i + 1] = w->argv[i];
	argv[w->argc + 1] = NULL;
	rc = ws_cli_run(w->argc + 1, argv, &as);
	fflush(stdout);
	fflush(stderr);
	/* The streams end here; a sanitizer's report goes to the log. */
	dup2(logfd, STDERR_FILENO);
	close(STDIN_FILENO);
	close(STDOUT_FILENO);
	ws_proc_exit(rc);
}

/* A message to the child did not go: it has ended (its client went, as a
 * client that closes its channel at once does), which is no breach; or it
 * does not read, which is. */
static void ws_cmd_unsent(struct ws_mon *m)
{
	if (errno == EPIPE || errno == ECONNRESET || errno == ENOTCONN) {
		ws_mon_set_state(m, WS_MON_CLOSED);
		return;
	}
	ws_mon_violation(m, "it does not take the monitor's answers");
}

/* Tells the child command id ended with status. */
static void ws_cmd_exit(struct ws_mon *m, uint32_t id, int status)
{
	static struct ws_mp e;

	if (m->state != WS_MON_SESSION)
		return;
	ws_mp_start(&e, WS_MP_CMD_EXIT);
	ws_mp_put_u32(&e, id);
	ws_mp_put_u32(&e, (uint32_t)status);
	if (ws_mp_send(m->req_sock, &e, 1) != WS_OK)
		ws_cmd_unsent(m);
}

/* Hands the child one of the command's sockets (which: WS_MP_CMD_*). */
static int ws_cmd_fd(struct ws_mon *m, uint32_t id, uint32_t which, int fd)
{
	ws_mp_start(&m->mp, WS_MP_CMD_FD);
	ws_mp_put_u32(&m->mp, id);
	ws_mp_put_u32(&m->mp, which);
	m->mp.fd = fd;
	return ws_mp_send(m->req_sock, &m->mp, 1) == WS_OK ? 0 : -1;
}

/* Forks the command's process into place p; returns 0, or -1 (logged)
 * with nothing left running. */
static int ws_cmd_spawn(struct ws_mon *m, int p, uint32_t id, const struct ws_cli_words *w)
{
	int io[2] = { -1, -1 }, err[2] = { -1, -1 }, ret = -1;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, io) != 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, err) != 0) {
		ws_error("cannot make a command's sockets: %s", strerror(errno));
		goto out;
	}
	fflush(stdout);
	if ((pid = fork()) < 0) {
		ws_error("cannot fork a command's process: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		ws_cmd_child(m, io[1], err[1], w);
	m->cmds[p].pid = pid;
	m->cmds[p].id = id;
	ws_cmd_names(w, m->cmds[p].word, sizeof(m->cmds[p].word), m->cmds[p].name,
	    sizeof(m->cmds[p].name));
	ws_info("account %s runs '%s' (process %ld)", m->c.account, m->cmds[p].word, (long)pid);
	/* A child that does not take them gets no more: its command sees
	 * its streams end. */
	if (ws_cmd_fd(m, id, WS_MP_CMD_IO, io[0]) != 0 || ws_cmd_fd(m, id, WS_MP_CMD_ERR, err[0]) != 0)
		ws_cmd_unsent(m);
	m->mp.fd = -1;
	ret = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (io[i] >= 0)
			close(io[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return ret;
}

void ws_req_cmd(struct ws_mon *m)
{
	static struct ws_cli_words w;
	uint32_t id = 0;
	int p;

	if (ws_mp_get_cmd(&m->mp, &id, &w) != WS_OK) {
		ws_mon_violation(m, "a malformed command");
		return;
	}
	if (m->c.name[0] != '\0') {
		ws_mon_violation(m, "a command in a workspace's session");
		return;
	}
	/* Room for the commands only in a monitor that runs some. */
	if (m->cmds == NULL && (m->cmds = calloc(WS_MP_CMD_MAX, sizeof(*m->cmds))) == NULL) {
		ws_mon_violation(m, "no memory for a command");   /* ends it: nothing waits */
		return;
	}
	if ((p = ws_cmd_place(m, id)) < 0) {
		ws_mon_violation(m, "more commands at once than it may run, or an id in use");
		return;
	}
	if (ws_cmd_spawn(m, p, id, &w) != 0)
		ws_cmd_exit(m, id, WS_EXIT_FAIL);
}

void ws_mon_cmd_reap(struct ws_mon *m, int wait)
{
	const struct ws_conn *c = &m->c;
	char status[16];
	int i, st = 0, code;
	pid_t r;

	for (i = 0; m->cmds != NULL && i < WS_MP_CMD_MAX; i++) {
		if (m->cmds[i].pid <= 0)
			continue;
		do {
			r = waitpid(m->cmds[i].pid, &st, wait ? 0 : WNOHANG);
		} while (r < 0 && errno == EINTR);
		if (r == 0)
			continue;
		code = r > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : WS_EXIT_FAIL;
		if (r > 0 && WIFSIGNALED(st))
			ws_error("process %ld (account %s's '%s') died of signal %d",
			    (long)m->cmds[i].pid, c->account, m->cmds[i].word, WTERMSIG(st));
		snprintf(status, sizeof(status), "%d", code);
		{
			const char *kv[] = { "src", c->peer_ip, "port", c->port_str, "account",
				c->account, "command", m->cmds[i].word, "workspace", m->cmds[i].name,
				"status", status, NULL };
			ws_audit("command", kv);
		}
		m->cmds[i].pid = 0;
		ws_cmd_exit(m, m->cmds[i].id, code);
	}
}
