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

#endif
