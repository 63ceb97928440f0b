/* options.h — the table of settings (name, type, bounds, default, help). */
#ifndef WSGATE_OPTIONS_H
#define WSGATE_OPTIONS_H

#include <stddef.h>

/* WS_OPT_LIST is a list of strings, stored NULL-terminated; its default is
 * written comma-separated, and its bounds count entries. */
enum ws_opt_type { WS_OPT_INT, WS_OPT_STRING, WS_OPT_LIST };

/* Longest entry of a list setting. */
#define WS_OPT_LIST_ENTRY_MAX 255

struct ws_option {
	const char *name;
	enum ws_opt_type type;
	size_t offset;          /* into struct ws_config */
	long min, max;          /* ints: inclusive bounds; strings: length; lists: entries */
	long def_int;
	const char *def_str;
	const char *help;
	int per_account;        /* may appear in an account file (lists add up) */
};

/* The table, terminated by an entry whose name is NULL. */
extern const struct ws_option ws_options[];

#endif
