/* proc.h — how the gateway's forked children end. */
#ifndef WSGATE_PROC_H
#define WSGATE_PROC_H

/* Ends a forked child (connection, PAM helper, idle sweep) with code,
 * without running the parent's atexit handlers or flushing its stdio copies.
 * In sanitizer builds it first runs LeakSanitizer, which _exit alone skips,
 * so a leak in a child fails the tests like one in the listener. Never
 * returns. */
void ws_proc_exit(int code) __attribute__((noreturn));

#endif
