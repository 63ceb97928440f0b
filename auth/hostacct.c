#include "hostacct.h"

#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strv.h"

/* A bound on groups per account keeps a pathological group file harmless. */
#define WS_MAX_GROUPS 256

ws_err ws_hostacct_lookup(const char *name, long uid_min, uid_t *uid, gid_t *gid,
    char *home, size_t homelen)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return WS_ERR_NOT_FOUND;
	if ((long)pw.pw_uid < uid_min)
		return WS_ERR_NOT_FOUND;
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	snprintf(home, homelen, "%s", pw.pw_dir != NULL ? pw.pw_dir : "");
	return WS_OK;
}

ws_err ws_hostacct_groups(const char *name, gid_t gid, char ***out)
{
	gid_t gids[WS_MAX_GROUPS];
	int n = WS_MAX_GROUPS, i, k = 0;
	char **list = NULL, buf[8192];
	struct group gr, *res;
	ws_err rc = WS_ERR_NOMEM;

	if (getgrouplist(name, gid, gids, &n) < 0)
		n = WS_MAX_GROUPS; /* more than we keep: use the first ones */
	if ((list = calloc((size_t)n + 1, sizeof(*list))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		res = NULL;
		if (getgrgid_r(gids[i], &gr, buf, sizeof(buf), &res) != 0 || res == NULL)
			continue;
		if ((list[k++] = strdup(gr.gr_name)) == NULL)
			goto out;
	}
	*out = list;
	list = NULL;
	rc = WS_OK;
out:
	ws_strv_free(list);
	return rc;
}

int ws_hostacct_locked(const char *name)
{
	struct spwd sp, *res = NULL;
	char buf[4096];

	if (getspnam_r(name, &sp, buf, sizeof(buf), &res) != 0 || res == NULL)
		return 0;
	return sp.sp_pwdp != NULL && sp.sp_pwdp[0] == '!';
}
