/* proc.h — how the gateway's forked children end. */
#ifndef WSGATE_PROC_H
#define WSGATE_PROC_H

/* Ends a forked child (connection, PAM helper, idle sweep) with code,
 * without running the parent's atexit handlers or flushing its stdio copies.
 * In sanitizer builds it first runs LeakSanitizer, which _exit alone skips,
 * so a leak in a child fails the tests like one in the listener. Never
 * returns. */
void ws_proc_exit(int code) __attribute__((noreturn));

/* Marks the calling process as about to be sandboxed (chroot, seccomp):
 * LeakSanitizer cannot run there (it traces the process from a thread of
 * its own and reads /proc), so in sanitizer builds it runs now, once, and
 * ws_proc_exit() skips it. Reports of memory errors go to descriptor 2
 * from then on, the only place left to write them. */
void ws_proc_sandboxed(void);

/* The same without the leak check, for a short-lived jail (jail.h), whose
 * memory is its parent's copy: its leaks are its parent's, checked there. */
void ws_proc_jailed(void);

#endif
