/* options.h — the table of settings (name, type, bounds, default, help). */
#ifndef WSGATE_OPTIONS_H
#define WSGATE_OPTIONS_H

#include <stddef.h>

/* WS_OPT_LIST is a list of strings, stored NULL-terminated; its default is
 * written comma-separated, and its bounds count entries. WS_OPT_BOOL is an
 * int 0 or 1, written true or false (0 and 1 are read too). */
enum ws_opt_type { WS_OPT_INT, WS_OPT_BOOL, WS_OPT_STRING, WS_OPT_LIST };

/* Checks one value: a string setting's, or one entry of a list's. Returns 1
 * when it is good, or 0 with a reason for the administrator in why. */
typedef int (*ws_opt_check_fn)(const char *value, char *why, size_t whylen);

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
	const char *choices;    /* strings: the values allowed, space-separated; or NULL */
	ws_opt_check_fn check;  /* strings and list entries: or NULL */
};

/* Returns the option called name, or NULL. */
const struct ws_option *ws_option_find(const char *name);

/* Returns the index of o in ws_options. */
size_t ws_option_index(const struct ws_option *o);

/* Returns how many options the table has. */
size_t ws_option_count(void);

/* The table, terminated by an entry whose name is NULL. */
extern const struct ws_option ws_options[];

#endif
