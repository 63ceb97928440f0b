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

ws_err ws_account_check(const char *name, char *why, size_t whylen)
{
	size_t len, i;

	if (name == NULL || name[0] == '\0') {
		snprintf(why, whylen, "the account name is empty: log in as ACCOUNT+NAME@gateway");
		return WS_ERR_INVALID;
	}
	len = strnlen(name, WS_ACCOUNT_MAX + 1);
	if (len > WS_ACCOUNT_MAX) {
		snprintf(why, whylen, "the account name is longer than %d characters", WS_ACCOUNT_MAX);
		return WS_ERR_INVALID;
	}
	if (!(name[0] >= 'a' && name[0] <= 'z') && name[0] != '_') {
		snprintf(why, whylen, "the account name must start with a lowercase letter or '_'");
		return WS_ERR_INVALID;
	}
	for (i = 0; i < len; i++) {
		if (!ws_name_char_ok(name[i]) && name[i] != '_') {
			snprintf(why, whylen, "the account name may hold only lowercase letters, digits, '_' and '-'");
			return WS_ERR_INVALID;
		}
	}
	return WS_OK;
}

ws_err ws_login_parse(const char *login, char *account, char *workspace,
    char *why, size_t whylen)
{
	char acc[WS_ACCOUNT_MAX + 2];
	const char *plus = login != NULL ? strchr(login, '+') : NULL;
	size_t alen;

	if (plus == NULL) {
		if (ws_name_check(login, why, whylen) != WS_OK)
			return WS_ERR_INVALID;
		account[0] = '\0';
		memcpy(workspace, login, strlen(login) + 1); /* checked: <= WS_NAME_MAX */
		return WS_OK;
	}
	alen = (size_t)(plus - login);
	if (alen > WS_ACCOUNT_MAX) {
		snprintf(why, whylen, "the account name is longer than %d characters", WS_ACCOUNT_MAX);
		return WS_ERR_INVALID;
	}
	memcpy(acc, login, alen);
	acc[alen] = '\0';
	if (ws_account_check(acc, why, whylen) != WS_OK)
		return WS_ERR_INVALID;
	if (strchr(plus + 1, '+') != NULL) {
		snprintf(why, whylen, "the login name holds more than one '+': log in as ACCOUNT+NAME@gateway");
		return WS_ERR_INVALID;
	}
	/* ACCOUNT+ alone: the owner's commands (no workspace name is empty). */
	if (plus[1] != '\0' && ws_name_check(plus + 1, why, whylen) != WS_OK)
		return WS_ERR_INVALID;
	memcpy(account, acc, alen + 1);
	memcpy(workspace, plus + 1, strlen(plus + 1) + 1);
	return WS_OK;
}
