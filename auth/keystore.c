#include "keystore.h"

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hostacct.h"
#include "log.h"
#include "names.h"

/* Like OpenSSH's StrictModes: a file others could write is not trusted. */
static int ws_safe_path(const char *path, uid_t uid)
{
	struct stat st;

	if (stat(path, &st) != 0)
		return 0;
	if ((st.st_uid != uid && st.st_uid != 0) || (st.st_mode & 022) != 0) {
		ws_warn("ignoring %s: owned by uid %ld or writable by others", path, (long)st.st_uid);
		return 0;
	}
	return 1;
}

/* Does the host account's ~/.ssh/authorized_keys hold key? */
static int ws_host_has_key(const char *home, uid_t uid, const ssh_key key,
    const char *ip, time_t now, struct ws_authkey_restrict *r)
{
	char dir[4096], path[4200];

	if (home[0] != '/')
		return 0;
	snprintf(dir, sizeof(dir), "%s/.ssh", home);
	snprintf(path, sizeof(path), "%s/authorized_keys", dir);
	if (access(path, F_OK) != 0 || !ws_safe_path(home, uid) || !ws_safe_path(dir, uid) ||
	    !ws_safe_path(path, uid))
		return 0;
	return ws_authkeys_match_file(path, key, ip, now, r) == WS_OK;
}

/* Does the key directory's file for account hold key? */
static int ws_dir_has_key(const char *keys_dir, const char *account, const ssh_key key,
    const char *ip, time_t now, struct ws_authkey_restrict *r)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/%s", keys_dir, account);
	if (access(path, F_OK) != 0)
		return 0;
	return ws_authkeys_match_file(path, key, ip, now, r) == WS_OK;
}

/* Records a match; returns 0 when it conflicts with an earlier one. */
static int ws_found(char *found, const char *account, struct ws_authkey_restrict *restr,
    const struct ws_authkey_restrict *r)
{
	if (found[0] != '\0' && strcmp(found, account) != 0)
		return 0;
	if (found[0] == '\0') {
		snprintf(found, WS_ACCOUNT_MAX + 1, "%.32s", account);
		*restr = *r;
	}
	return 1;
}

ws_err ws_keystore_find(const struct ws_keystore_params *p, const char *account,
    const ssh_key key, const char *client_ip, time_t now, char *out_account,
    struct ws_authkey_restrict *restr)
{
	char found[WS_ACCOUNT_MAX + 1] = "", home[4096], why[128];
	struct ws_authkey_restrict r, best;
	struct dirent *de;
	struct passwd *pw;
	DIR *dir = NULL;
	uid_t uid;
	gid_t gid;
	ws_err rc = WS_ERR_DENIED;

	memset(&best, 0, sizeof(best));
	if (account[0] != '\0') {
		if (ws_dir_has_key(p->keys_dir, account, key, client_ip, now, &r) ||
		    (p->host_accounts &&
		     ws_hostacct_lookup(account, p->host_uid_min, &uid, &gid, home, sizeof(home)) == WS_OK &&
		     ws_host_has_key(home, uid, key, client_ip, now, &r)))
			(void)ws_found(found, account, &best, &r);
		goto done;
	}
	if ((dir = opendir(p->keys_dir)) != NULL) {
		while ((de = readdir(dir)) != NULL) {
			if (ws_account_check(de->d_name, why, sizeof(why)) != WS_OK)
				continue;
			if (ws_dir_has_key(p->keys_dir, de->d_name, key, client_ip, now, &r) &&
			    !ws_found(found, de->d_name, &best, &r)) {
				rc = WS_ERR_CONFLICT;
				goto out;
			}
		}
	} else {
		/* wsgate -t calls a missing one an error; a login still goes on
		 * to host accounts. */
		ws_warn("cannot read key directory %s: %s", p->keys_dir, strerror(errno));
	}
	if (p->host_accounts) {
		setpwent();
		while ((pw = getpwent()) != NULL) {
			if ((long)pw->pw_uid < p->host_uid_min || pw->pw_dir == NULL ||
			    ws_account_check(pw->pw_name, why, sizeof(why)) != WS_OK)
				continue;
			if (ws_host_has_key(pw->pw_dir, pw->pw_uid, key, client_ip, now, &r) &&
			    !ws_found(found, pw->pw_name, &best, &r)) {
				endpwent();
				rc = WS_ERR_CONFLICT;
				goto out;
			}
		}
		endpwent();
	}
done:
	if (found[0] != '\0') {
		snprintf(out_account, WS_ACCOUNT_MAX + 1, "%s", found);
		*restr = best;
		rc = WS_OK;
	}
out:
	if (dir != NULL)
		closedir(dir);
	return rc;
}
