#include "names.h"

#include <stdio.h>
#include <string.h>

static int ws_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

ws_err ws_name_check(const char *name, char *why, size_t whylen)
{
	size_t len, i;

	if (name == NULL || name[0] == '\0') {
		snprintf(why, whylen, "the workspace name is empty: log in as NAME@gateway");
		return WS_ERR_INVALID;
	}
	len = strnlen(name, WS_NAME_MAX + 1);
	if (len > WS_NAME_MAX) {
		snprintf(why, whylen, "the workspace name is longer than %d characters", WS_NAME_MAX);
		return WS_ERR_INVALID;
	}
	if (name[0] == '-') {
		snprintf(why, whylen, "the workspace name must start with a letter or digit");
		return WS_ERR_INVALID;
	}
	for (i = 0; i < len; i++) {
		if (!ws_name_char_ok(name[i])) {
			snprintf(why, whylen, "the workspace name may hold only lowercase letters, digits and '-'");
			return WS_ERR_INVALID;
		}
	}
	return WS_OK;
}
