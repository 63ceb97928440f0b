/* names.h — which login names are workspace names. */
#ifndef WSGATE_NAMES_H
#define WSGATE_NAMES_H

#include <stddef.h>

#include "wserr.h"

#define WS_NAME_MAX 63

/* Returns WS_OK when name is a valid workspace name: 1-63 characters of
 * lowercase letters, digits and '-', starting with a letter or digit. Otherwise
 * WS_ERR_INVALID with a one-line reason (for the user) in why. */
ws_err ws_name_check(const char *name, char *why, size_t whylen);

#define WS_ACCOUNT_MAX 32

/* Returns WS_OK when name is a valid account name: 1-32 characters of
 * lowercase letters, digits, '_' and '-', starting with a letter or '_' (as
 * Debian's adduser allows). Otherwise WS_ERR_INVALID with a reason in why. */
ws_err ws_account_check(const char *name, char *why, size_t whylen);

/* Splits a login name "ACCOUNT+WORKSPACE", "WORKSPACE" or "ACCOUNT+" and
 * checks the parts. On WS_OK account (size WS_ACCOUNT_MAX + 1, "" when not
 * named) and workspace (size WS_NAME_MAX + 1) are set: workspace is "" for
 * "ACCOUNT+", the login that runs the owner's commands (docs/workspaces.md;
 * '+' is never in a workspace name, so it names none). Otherwise
 * WS_ERR_INVALID with a one-line reason for the user in why. */
ws_err ws_login_parse(const char *login, char *account, char *workspace,
    char *why, size_t whylen);

#endif
