/* mkdirs.h — making the directories a file of ours is to live in. */
#ifndef WSGATE_MKDIRS_H
#define WSGATE_MKDIRS_H

#include "wserr.h"

/* mkdir -p for the parent directory of path, mode 0700 for what it makes
 * (keys live there). Returns WS_OK, WS_ERR_TOO_LARGE for an overlong path,
 * or WS_ERR_IO with errno set. */
ws_err ws_mkdir_parents(const char *path);

#endif
