#include "proc.h"

#include <unistd.h>

#ifdef WS_LEAK_CHECK
#include <sanitizer/lsan_interface.h>
#include <sys/prctl.h>
#endif

void ws_proc_exit(int code)
{
#ifdef WS_LEAK_CHECK
	/* Privilege separation made the process non-dumpable, which stops
	 * LeakSanitizer's tracer from attaching to it; test builds only. */
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
	__lsan_do_leak_check();
#endif
	_exit(code);
}
