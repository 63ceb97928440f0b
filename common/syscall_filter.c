#include "syscall_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

/* What the bridge loop, libssh (including a rekey: OpenSSL asks getrandom),
 * glibc's allocator and the sanitizers' reports need; found by running
 * sessions of every kind (shell, exec, sftp, -L/-R/-D, agent, rekeys,
 * keepalives, the end) with the filter trapping instead of killing. */
static const char *const ws_syscall_allowed[] = {
	/* its sockets and the monitor's */
	"read", "write", "readv", "writev", "recvfrom", "recvmsg", "shutdown", "close",
	"getsockopt",
	/* waiting */
	"poll", "ppoll", "select", "pselect6", "nanosleep", "clock_nanosleep", "restart_syscall",
	/* memory */
	"brk", "munmap", "mremap", "madvise", "futex",
	/* time, limits, the watchdog's timer and signal */
	"clock_gettime", "gettimeofday", "time", "getrusage", "setitimer", "getitimer", "alarm",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
	/* identity (log lines), randomness, the end */
	"getpid", "gettid", "getuid", "geteuid", "getrandom", "newfstatat", "fstat", "sched_yield",
	"exit", "exit_group",
	NULL
};

/* What the metrics' HTTP process needs besides (metrics_http.c): taking
 * connections on its one listening socket and answering them. It has no
 * socket of its own to send an address with, only TCP ones. */
static const char *const ws_syscall_http[] = {
	"accept", "accept4", "sendmsg", "setsockopt", "getsockname", "getpeername", NULL
};

/* Allows each call named in list. Returns libseccomp's error, 0 when all went in. */
static int ws_filter_allow(scmp_filter_ctx f, const char *const *list)
{
	int nr, err = 0;

	for (size_t i = 0; list != NULL && list[i] != NULL && err == 0; i++) {
		nr = seccomp_syscall_resolve_name(list[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
	}
	return err;
}

/* The bridge's filter, with the calls in extra allowed too. */
static ws_err ws_filter_enter(const char *const *extra, char *why, size_t whylen)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	ws_err rc = WS_ERR_IO;
	size_t i;
	int nr, err;

	if (f == NULL) {
		snprintf(why, whylen, "cannot make a seccomp filter");
		return WS_ERR_NOMEM;
	}
	err = ws_filter_allow(f, ws_syscall_allowed);
	if (err == 0)
		err = ws_filter_allow(f, extra);
	/* fcntl: flags only. F_SETOWN/F_SETSIG with O_ASYNC would have the
	 * kernel signal any process of the same user (another session's). */
	if (err == 0) {
		static const int cmds[] = { F_GETFL, F_GETFD, F_SETFD };
		for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && err == 0; i++) {
			const struct scmp_arg_cmp cmd = { 1, SCMP_CMP_EQ, (scmp_datum_t)cmds[i], 0 };
			err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 1, &cmd);
		}
	}
	if (err == 0) {
		const struct scmp_arg_cmp setfl[] = { { 1, SCMP_CMP_EQ, F_SETFL, 0 },
			{ 2, SCMP_CMP_MASKED_EQ, O_ASYNC, 0 } };
		err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(fcntl), 2, setfl);
	}
	/* sendto on a connected socket only (no address): an address would
	 * reach any abstract unix socket of the host, which no chroot hides.
	 * (sendmsg, which could carry one unseen, is not allowed at all.) */
	if (err == 0) {
		const struct scmp_arg_cmp noaddr = { 4, SCMP_CMP_EQ, 0, 0 };
		err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(sendto), 1, &noaddr);
	}
	/* open fails (EACCES), as in OpenSSH's sandbox: libraries look for
	 * files now and then (libssh its known_hosts), and in the empty chroot
	 * there are none. */
	if (err == 0) {
		static const char *const opens[] = { "open", "openat" };
		for (i = 0; i < sizeof(opens) / sizeof(opens[0]) && err == 0; i++) {
			nr = seccomp_syscall_resolve_name(opens[i]);
			if (nr != __NR_SCMP_ERROR)
				err = seccomp_rule_add(f, SCMP_ACT_ERRNO(EACCES), nr, 0);
		}
	}
	/* mmap and mprotect, but never executable: no code of its own. */
	if (err == 0) {
		const struct scmp_arg_cmp noexec = { 2, SCMP_CMP_MASKED_EQ, PROT_EXEC, 0 };
		err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1, &noexec);
		if (err == 0)
			err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1, &noexec);
	}
#ifdef WS_LEAK_CHECK
	/* Test builds only: a sanitizer's report looks at the terminal and
	 * links in /proc first; those calls fail (EPERM) instead of killing the
	 * process before its report is out. Release builds kill. */
	{
		static const char *const san[] = { "ioctl", "readlink", "readlinkat" };
		for (i = 0; i < sizeof(san) / sizeof(san[0]) && err == 0; i++) {
			nr = seccomp_syscall_resolve_name(san[i]);
			if (nr != __NR_SCMP_ERROR)
				err = seccomp_rule_add(f, SCMP_ACT_ERRNO(EPERM), nr, 0);
		}
	}
#endif
	/* abort() and the sanitizers signal their own process only. */
	if (err == 0) {
		const struct scmp_arg_cmp own = { 0, SCMP_CMP_EQ, (scmp_datum_t)getpid(), 0 };
		err = seccomp_rule_add_array(f, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1, &own);
	}
	if (err == 0)
		err = seccomp_load(f);
	if (err != 0) {
		snprintf(why, whylen, "cannot install the seccomp filter: %s", strerror(-err));
		goto out;
	}
	rc = WS_OK;
out:
	seccomp_release(f);
	return rc;
}

ws_err ws_syscall_filter_enter(char *why, size_t whylen)
{
	return ws_filter_enter(NULL, why, whylen);
}

ws_err ws_syscall_filter_enter_http(char *why, size_t whylen)
{
	return ws_filter_enter(ws_syscall_http, why, whylen);
}
