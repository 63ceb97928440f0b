#include "privsep.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

ws_err ws_privsep_check(const char *user, char *why, size_t whylen)
{
	if (user[0] == '\0' || getpwnam(user) != NULL)
		return WS_OK;
	snprintf(why, whylen, "privsep_user '%s' does not exist: create it (adduser --system %s) or set privsep_user = \"\"",
	    user, user);
	return WS_ERR_CONFIG;
}

ws_err ws_privsep_drop(const char *user, char *why, size_t whylen)
{
	struct passwd *pw;

	if (user[0] == '\0' || geteuid() != 0)
		return WS_OK;
	if ((pw = getpwnam(user)) == NULL) {
		snprintf(why, whylen, "privsep_user '%s' does not exist", user);
		return WS_ERR_CONFIG;
	}
	if (pw->pw_uid == 0) {
		snprintf(why, whylen, "privsep_user '%s' is root", user);
		return WS_ERR_CONFIG;
	}
	if (setgroups(0, NULL) != 0 || setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) != 0 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) != 0) {
		snprintf(why, whylen, "cannot become %s: %s", user, strerror(errno));
		return WS_ERR_IO;
	}
	/* Make sure root cannot come back. */
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(why, whylen, "could regain root after becoming %s", user);
		return WS_ERR_IO;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	return WS_OK;
}
