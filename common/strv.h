/* strv.h — NULL-terminated arrays of malloc'ed strings (config lists, group
 * and workspace names). */
#ifndef WSGATE_STRV_H
#define WSGATE_STRV_H

#include <stddef.h>

/* Returns how many strings v holds (0 for NULL). */
size_t ws_strv_len(char *const *v);

/* Frees every string of v and v itself; accepts NULL. */
void ws_strv_free(char **v);

#endif
