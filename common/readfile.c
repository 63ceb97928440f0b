/* readfile.c — a small file, read whole (readfile.h). */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

ws_err ws_read_small_file(const char *path, char *text, size_t cap, size_t *len)
{
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd;

	if (cap == 0)
		return WS_ERR_INVALID;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)) < 0)
		return errno == ENOENT ? WS_ERR_NOT_FOUND : WS_ERR_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size >= (off_t)cap) {
		close(fd);
		return WS_ERR_INVALID;
	}
	while (got < cap - 1 && ((n = read(fd, text + got, cap - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
		got += n > 0 ? (size_t)n : 0;
	close(fd);
	text[got] = '\0';
	*len = got;
	return WS_OK;
}
