/* appendfile.h — files root appends to (the log and the audit log), opened
 * so that whoever can write in their directory cannot turn the appends
 * elsewhere or hold the caller. */
#ifndef WSGATE_APPENDFILE_H
#define WSGATE_APPENDFILE_H

#include <sys/types.h>

/* Opens path for appending (made with mode when absent): never through a
 * symbolic link, never blocking on a FIFO, only a regular file. Returns
 * the descriptor (close-on-exec; the caller closes it), or -1 with errno
 * set (ELOOP for a link, EINVAL for anything but a regular file). */
int ws_append_open(const char *path, mode_t mode);

#endif
