#include "policy.h"

#include <stdio.h>
#include <string.h>

#include "names.h"

#define WS_SEP " \t,"

/* Does one member word ("alice", "@devs", "*") name who? */
static int ws_member_match(const char *word, size_t len, const struct ws_principal *who)
{
	size_t i;

	if (len == 1 && word[0] == '*')
		return 1;
	if (word[0] != '@')
		return strlen(who->account) == len && strncmp(word, who->account, len) == 0;
	for (i = 0; who->groups != NULL && who->groups[i] != NULL; i++)
		if (strlen(who->groups[i]) == len - 1 && strncmp(word + 1, who->groups[i], len - 1) == 0)
			return 1;
	return 0;
}

/* Does any word of the member list s name who? */
static int ws_members_match(const char *s, const struct ws_principal *who)
{
	size_t len;

	for (s += strspn(s, WS_SEP); *s != '\0'; s += strspn(s, WS_SEP)) {
		len = strcspn(s, WS_SEP);
		if (ws_member_match(s, len, who))
			return 1;
		s += len;
	}
	return 0;
}

/* Checks one member list; allow_star says whether "*" is allowed. */
static ws_err ws_members_check(const char *s, int allow_star, char *err, size_t errlen)
{
	char word[WS_ACCOUNT_MAX + 2], why[100];
	size_t len;

	for (s += strspn(s, WS_SEP); *s != '\0'; s += strspn(s, WS_SEP)) {
		len = strcspn(s, WS_SEP);
		if (len == 1 && s[0] == '*' && allow_star) {
			s += len;
			continue;
		}
		if (s[0] == '@') {
			s++;
			len--;
		}
		if (len == 0 || len > WS_ACCOUNT_MAX) {
			snprintf(err, errlen, "member '%.*s' is not an account or @group", (int)len, s);
			return WS_ERR_CONFIG;
		}
		memcpy(word, s, len);
		word[len] = '\0';
		if (ws_account_check(word, why, sizeof(why)) != WS_OK) {
			snprintf(err, errlen, "member '%s': %s", word, why);
			return WS_ERR_CONFIG;
		}
		s += len;
	}
	return WS_OK;
}

ws_err ws_policy_access_entry_check(const char *entry, char *why, size_t whylen)
{
	char name[WS_NAME_MAX + 2], sub[160];
	const char *colon = strchr(entry, ':');
	size_t len = colon ? (size_t)(colon - entry) : 0;

	if (colon == NULL || len == 0 || len > WS_NAME_MAX) {
		snprintf(why, whylen, "must look like \"WORKSPACE: ACCOUNT @GROUP ...\"");
		return WS_ERR_CONFIG;
	}
	memcpy(name, entry, len);
	name[len] = '\0';
	if (strcmp(name, "*") != 0 && ws_name_check(name, sub, sizeof(sub)) != WS_OK) {
		snprintf(why, whylen, "%s", sub);
		return WS_ERR_CONFIG;
	}
	/* "demo: " lets nobody in: a mistake, not a rule. */
	if (colon[1 + strspn(colon + 1, WS_SEP)] == '\0') {
		snprintf(why, whylen, "names no one after '%s:' (add ACCOUNT or @GROUP entries, or remove it)",
		    name);
		return WS_ERR_CONFIG;
	}
	return ws_members_check(colon + 1, 1, why, whylen);
}

ws_err ws_policy_create_entry_check(const char *entry, char *why, size_t whylen)
{
	if (entry[strspn(entry, WS_SEP)] == '\0') {
		snprintf(why, whylen, "is empty (write *, ACCOUNT or @GROUP; [] lets nobody create)");
		return WS_ERR_CONFIG;
	}
	return ws_members_check(entry, 1, why, whylen);
}

ws_err ws_policy_check(char *const *access, char *const *create, char *err, size_t errlen)
{
	char why[200];
	size_t i;

	for (i = 0; access != NULL && access[i] != NULL; i++) {
		if (ws_policy_access_entry_check(access[i], why, sizeof(why)) != WS_OK) {
			snprintf(err, errlen, "access entry %zu: %s", i + 1, why);
			return WS_ERR_CONFIG;
		}
	}
	for (i = 0; create != NULL && create[i] != NULL; i++) {
		if (ws_policy_create_entry_check(create[i], why, sizeof(why)) != WS_OK) {
			snprintf(err, errlen, "create entry %zu: %s", i + 1, why);
			return WS_ERR_CONFIG;
		}
	}
	return WS_OK;
}

int ws_policy_may_enter(char *const *access, const struct ws_principal *who,
    const char *name, const char *owner)
{
	const char *colon;
	size_t i, len;

	if (owner[0] != '\0' && strcmp(owner, who->account) == 0)
		return 1;
	for (i = 0; access != NULL && access[i] != NULL; i++) {
		if ((colon = strchr(access[i], ':')) == NULL)
			continue;
		len = (size_t)(colon - access[i]);
		if (!(len == 1 && access[i][0] == '*') &&
		    !(strlen(name) == len && strncmp(access[i], name, len) == 0))
			continue;
		if (ws_members_match(colon + 1, who))
			return 1;
	}
	return 0;
}

int ws_policy_may_create(char *const *create, const struct ws_principal *who)
{
	size_t i;

	for (i = 0; create != NULL && create[i] != NULL; i++)
		if (ws_members_match(create[i], who))
			return 1;
	return 0;
}
