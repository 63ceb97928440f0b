#include "syscall_filter.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* What the bridge loop, libssh (including a rekey: OpenSSL asks getrandom),
 * glibc's allocator and the sanitizers' reports need; found by running
 * sessions of every kind (shell, exec, sftp, -L/-R/-D, agent, rekeys,
 * keepalives, the end) with the filter trapping instead of killing. */
static const char *const ws_syscall_allowed[] = {
	/* its sockets and the monitor's */
	"read", "write", "readv", "writev", "recvfrom", "sendto", "recvmsg", "sendmsg",
	"shutdown", "close", "fcntl", "getsockopt",
	/* waiting */
	"poll", "ppoll", "select", "pselect6", "nanosleep", "clock_nanosleep", "restart_syscall",
	/* memory */
	"brk", "mmap", "munmap", "mremap", "madvise", "mprotect", "futex",
	/* time, limits, the watchdog's timer and signal */
	"clock_gettime", "gettimeofday", "time", "getrusage", "setitimer", "getitimer", "alarm",
	"rt_sigreturn", "rt_sigprocmask", "rt_sigaction", "sigaltstack",
	/* identity (log lines), randomness, the end */
	"getpid", "gettid", "getrandom", "newfstatat", "fstat", "sched_yield", "exit", "exit_group",
	NULL
};

ws_err ws_syscall_filter_enter(char *why, size_t whylen)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_KILL_PROCESS);
	ws_err rc = WS_ERR_IO;
	size_t i;
	int nr, err = 0;

	if (f == NULL) {
		snprintf(why, whylen, "cannot make a seccomp filter");
		return WS_ERR_NOMEM;
	}
	for (i = 0; ws_syscall_allowed[i] != NULL && err == 0; i++) {
		nr = seccomp_syscall_resolve_name(ws_syscall_allowed[i]);
		if (nr == __NR_SCMP_ERROR)
			continue; /* not on this architecture */
		err = seccomp_rule_add(f, SCMP_ACT_ALLOW, nr, 0);
	}
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
