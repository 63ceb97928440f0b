#include "privsep.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "syscall_filter.h"

/* Looks user up: it must exist and not be root. */
static ws_err ws_privsep_user(const char *user, uid_t *uid, gid_t *gid, char *why, size_t whylen)
{
	struct passwd *pw;

	if ((pw = getpwnam(user)) == NULL) {
		snprintf(why, whylen, "privsep_user '%s' does not exist: create it (adduser --system --group --no-create-home %s) or set privsep_user = \"\"",
		    user, user);
		return WS_ERR_CONFIG;
	}
	if (pw->pw_uid == 0) {
		snprintf(why, whylen, "privsep_user '%s' is root: name an unprivileged user", user);
		return WS_ERR_CONFIG;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return WS_OK;
}

ws_err ws_privsep_check(const char *user, char *why, size_t whylen)
{
	uid_t uid;
	gid_t gid;

	return user[0] == '\0' ? WS_OK : ws_privsep_user(user, &uid, &gid, why, whylen);
}

int ws_privsep_close_others(const int *keep, int nkeep)
{
	int sorted[8], i, j, n = 0, from = 0;

	if (nkeep > (int)(sizeof(sorted) / sizeof(sorted[0])))
		return -1;
	for (i = 0; i < nkeep; i++) {
		for (j = n; j > 0 && sorted[j - 1] > keep[i]; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = keep[i];
		n++;
	}
	for (i = 0; i < n; i++) {
		if (sorted[i] > from && close_range((unsigned)from, (unsigned)sorted[i] - 1, 0) != 0)
			return -1;
		from = sorted[i] + 1;
	}
	return close_range((unsigned)from, ~0U, 0);
}

ws_err ws_privsep_drop(const char *user, const int *keep, int nkeep, pid_t parent,
    char *why, size_t whylen)
{
	uid_t uid;
	gid_t gid;

	if (user[0] == '\0' || geteuid() != 0)
		return WS_OK;
	/* Looked up before the chroot hides /etc/passwd. */
	if (ws_privsep_user(user, &uid, &gid, why, whylen) != WS_OK)
		return WS_ERR_CONFIG;
	if (ws_privsep_close_others(keep, nkeep) != 0) {
		snprintf(why, whylen, "cannot close the descriptors a sandbox must not have: %s",
		    strerror(errno));
		return WS_ERR_IO;
	}
	if ((mkdir("/run/wsgate", 0755) != 0 && errno != EEXIST) ||
	    (mkdir(WS_PRIVSEP_DIR, 0555) != 0 && errno != EEXIST) ||
	    chroot(WS_PRIVSEP_DIR) != 0 || chdir("/") != 0) {
		snprintf(why, whylen, "cannot chroot to %s: %s", WS_PRIVSEP_DIR, strerror(errno));
		return WS_ERR_IO;
	}
	if (setgroups(0, NULL) != 0 || setresgid(gid, gid, gid) != 0 ||
	    setresuid(uid, uid, uid) != 0) {
		snprintf(why, whylen, "cannot become %s: %s", user, strerror(errno));
		return WS_ERR_IO;
	}
	/* Make sure root cannot come back. */
	if (setuid(0) == 0 || seteuid(0) == 0) {
		snprintf(why, whylen, "could regain root after becoming %s", user);
		return WS_ERR_IO;
	}
	/* A change of uid clears the parent-death signal: set it now. A
	 * bridge whose parent is gone would run on unaudited. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0 || getppid() != parent) {
		snprintf(why, whylen, "the session's parent is gone");
		return WS_ERR_IO;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(why, whylen, "cannot set no-new-privileges: %s", strerror(errno));
		return WS_ERR_IO;
	}
	return WS_OK;
}

ws_err ws_privsep_sandbox(const char *user, const int *keep, int nkeep, pid_t parent,
    char *why, size_t whylen)
{
	ws_err rc;

	if (user[0] == '\0' || geteuid() != 0)
		return WS_OK;
	if ((rc = ws_privsep_drop(user, keep, nkeep, parent, why, whylen)) != WS_OK)
		return rc;
	return ws_syscall_filter_enter(why, whylen);
}
