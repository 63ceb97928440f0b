/* login_int.h — what login.c shares with kbdint.c. Internal to the gateway. */
#ifndef WSGATE_LOGIN_INT_H
#define WSGATE_LOGIN_INT_H

#include <sys/types.h>

#include "authkeys.h"
#include "conn.h"

/* One audit line about an authentication attempt (user: the login name). */
void ws_login_audit(struct ws_conn *c, const char *user, const char *account,
    const char *method, const char *fp, const char *result);

/* Counts a failed attempt; past max_auth_tries the connection is ended. */
void ws_login_failed(struct ws_conn *c);

/* Takes the login name of the first attempt; later ones must repeat it.
 * Returns 0 when the attempt may go on (otherwise c->fatal may be set). */
int ws_login_name(struct ws_conn *c, const char *user);

/* Returns 1 when account is a host account wsgate treats as one (*gid set). */
int ws_login_host_account(struct ws_conn *c, const char *account, gid_t *gid);

/* Lets account in (account stage unless pam_done, groups, access, the
 * workspace). Returns 1 when the connection is now authenticated. */
int ws_login_accept(struct ws_conn *c, const char *account, char *const *extra_groups,
    const char *method, const char *fp, const struct ws_authkey_restrict *restr, int pam_done);

/* Checks a password for c->named through PAM or auth_url; 1 when let in. */
int ws_login_password(struct ws_conn *c, const char *method, const char *password);

/* Ends a keyboard-interactive exchange in progress (kills its PAM helper). */
void ws_kbdint_end(struct ws_conn *c);

#endif
