#include "proc.h"

#include <unistd.h>

#ifdef WS_LEAK_CHECK
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#include <sys/prctl.h>
#endif

static int ws_proc_in_sandbox;

void ws_proc_sandboxed(void)
{
	ws_proc_in_sandbox = 1;
#ifdef WS_LEAK_CHECK
	/* The last moment LeakSanitizer can look: what login leaked shows. */
	__lsan_do_recoverable_leak_check();
	/* The sanitizers read what they need (the binary's mappings, for
	 * reports) while they still can. */
	__sanitizer_sandbox_on_notify(NULL);
	__sanitizer_set_report_fd((void *)(long)STDERR_FILENO);
#endif
}

void ws_proc_jailed(void)
{
	ws_proc_in_sandbox = 1;
#ifdef WS_LEAK_CHECK
	__sanitizer_sandbox_on_notify(NULL);
	__sanitizer_set_report_fd((void *)(long)STDERR_FILENO);
#endif
}

void ws_proc_exit(int code)
{
#ifdef WS_LEAK_CHECK
	if (ws_proc_in_sandbox)
		_exit(code);
	/* Privilege separation made the process non-dumpable, which stops
	 * LeakSanitizer's tracer from attaching to it; test builds only. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	__lsan_do_leak_check();
#endif
	_exit(code);
}
