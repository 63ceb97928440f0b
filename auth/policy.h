/* policy.h — who may enter, and who may create, which workspace. Pure
 * decisions over the config's `access` and `create` lists: no I/O. */
#ifndef WSGATE_POLICY_H
#define WSGATE_POLICY_H

#include <stddef.h>

#include "wserr.h"

/* Someone who has proved who they are. */
struct ws_principal {
	const char *account;
	char *const *groups;    /* NULL-terminated group names, or NULL */
};

/* Checks the syntax of the access list ("WORKSPACE: MEMBER ...", WORKSPACE a
 * workspace name or *, MEMBER an account or @group) and the create list
 * (*, accounts, @groups). Returns WS_ERR_CONFIG with a reason in err. */
ws_err ws_policy_check(char *const *access, char *const *create, char *err, size_t errlen);

/* Checks one access entry ("WORKSPACE: MEMBER ...", at least one member) or
 * one create entry. Returns WS_OK, or WS_ERR_CONFIG with a reason in why
 * (without the entry's position). */
ws_err ws_policy_access_entry_check(const char *entry, char *why, size_t whylen);
ws_err ws_policy_create_entry_check(const char *entry, char *why, size_t whylen);

/* Returns 1 when who may enter workspace NAME whose owner label is owner
 * ("" when it has none), 0 otherwise. Owners always may. */
int ws_policy_may_enter(char *const *access, const struct ws_principal *who,
    const char *name, const char *owner);

/* Returns 1 when who may create a workspace by logging in to it. */
int ws_policy_may_create(char *const *create, const struct ws_principal *who);

#endif
