/* strv.h — NULL-terminated arrays of malloc'ed strings (config lists, group
 * and workspace names). */
#ifndef WSGATE_STRV_H
#define WSGATE_STRV_H

/* Frees every string of v and v itself; accepts NULL. */
void ws_strv_free(char **v);

#endif
