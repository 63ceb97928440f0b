/* cli_may.c — may this account do that to workspace NAME? The one access
 * decision of the owner's commands over SSH (cli.h: ws_cli_may), made as a
 * login makes it (reach.c): the owner the engine records, the access list,
 * the create list. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cli.h"

int ws_cli_allowed(const struct ws_cli_as *as, const char *name, const char *owner,
    unsigned may)
{
	if (as == NULL)
		return 1;
	if (as->who.account == NULL || as->who.account[0] == '\0' || name == NULL)
		return 0;
	if (owner == NULL)
		return (may & WS_MAY_CREATE) != 0 && ws_policy_may_create(as->cfg->create, &as->who);
	/* Owning is having the label: an access list that lets one in makes
	 * nobody its owner. */
	if (may & WS_MAY_OWN)
		return owner[0] != '\0' && strcmp(owner, as->who.account) == 0;
	if (may & WS_MAY_READ)
		return ws_policy_may_enter(as->cfg->access, &as->who, name, owner);
	return 0;
}

int ws_cli_may(struct ws_cli *w, const char *name, unsigned may)
{
	struct ws_admin_info a;
	char why[600] = "";
	ws_err rc;

	if (w->as == NULL)
		return WS_EXIT_OK;
	rc = ws_admin_info(w->e, name, &a, why, sizeof(why));
	if (rc != WS_OK && rc != WS_ERR_NOT_FOUND) {
		fprintf(stderr, "ws: %s\n", why[0] ? why : ws_err_str(rc));
		return WS_EXIT_FAIL;
	}
	if (ws_cli_allowed(w->as, name, rc == WS_OK ? a.owner : NULL, may))
		return WS_EXIT_OK;
	/* Not theirs and not there read the same. */
	fprintf(stderr, "ws: no workspace '%s'\n", name);
	return WS_EXIT_MISSING;
}
