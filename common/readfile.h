/* readfile.h — reading a small file whole: a key, say. Only a regular file
 * is read (a FIFO or device put in its place would block or never end),
 * opened without following a symbolic link. */
#ifndef WSGATE_READFILE_H
#define WSGATE_READFILE_H

#include <stddef.h>

#include "wserr.h"

/* Reads the regular file at path, shorter than cap bytes, into text
 * (NUL-terminated); *len is its length. Returns WS_OK; WS_ERR_NOT_FOUND
 * when there is no file, WS_ERR_IO when it cannot be opened, WS_ERR_INVALID
 * when it is no regular file or cap bytes or longer. The caller wipes text
 * when it holds a secret. */
ws_err ws_read_small_file(const char *path, char *text, size_t cap, size_t *len);

#endif
