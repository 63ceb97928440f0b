#include "admin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "names.h"
#include "sshdlog.h"
#include "strv.h"

/* NAME's volumes as their labels say: the ones the engine names for it,
 * whichever carry its workspace label. */
static const enum ws_obj ws_volume_kinds[] = { WS_OBJ_HOME, WS_OBJ_DOCKER, WS_OBJ_LEGACY_DOCKER };

static int ws_own_volume(struct ws_engine *e, const char *name, const char *vname,
    struct ws_volume *v)
{
	char why[300];

	return ws_engine_volume(e, vname, v, why, sizeof(why)) == WS_OK && v->labelled &&
	    strcmp(v->workspace, name) == 0;
}

/* An orphan's info from its volumes; WS_ERR_NOT_FOUND when it has none. */
static ws_err ws_orphan_info(struct ws_engine *e, const char *name, struct ws_admin_info *a)
{
	char vname[WS_OBJ_NAME_MAX];
	struct ws_volume v;
	size_t i;
	int any = 0;

	for (i = 0; i < sizeof(ws_volume_kinds) / sizeof(ws_volume_kinds[0]); i++) {
		ws_obj_name(ws_volume_kinds[i], name, vname, sizeof(vname));
		if (!ws_own_volume(e, name, vname, &v))
			continue;
		any = 1;
		if (a->owner[0] == '\0')
			snprintf(a->owner, sizeof(a->owner), "%s", v.owner);
		if (ws_volume_kinds[i] == WS_OBJ_HOME)
			snprintf(a->home_volume, sizeof(a->home_volume), "%s", vname);
		else if (a->docker_volume[0] == '\0')
			snprintf(a->docker_volume, sizeof(a->docker_volume), "%s", vname);
	}
	if (!any)
		return WS_ERR_NOT_FOUND;
	a->orphan = 1;
	return WS_OK;
}

ws_err ws_admin_info(struct ws_engine *e, const char *name, struct ws_admin_info *out,
    char *why, size_t whylen)
{
	struct ws_admin_info a;
	time_t t;
	ws_err rc;

	memset(&a, 0, sizeof(a));
	rc = ws_engine_inspect(e, name, WS_OBJ_CONTAINER, &a.c, why, whylen);
	if (rc == WS_OK && !a.c.managed)
		rc = WS_ERR_NOT_FOUND;
	if (rc == WS_ERR_NOT_FOUND)
		rc = ws_orphan_info(e, name, &a);
	if (rc != WS_OK)
		return rc;
	if (a.orphan) {
		*out = a;
		return WS_OK;
	}
	snprintf(a.owner, sizeof(a.owner), "%s", a.c.owner);
	snprintf(a.home_volume, sizeof(a.home_volume), "%s", a.c.home_volume);
	snprintf(a.docker_volume, sizeof(a.docker_volume), "%s", a.c.docker_volume);
	a.last_used = ws_sshdlog_time(a.c.started);
	if (a.last_used == 0)
		a.last_used = ws_sshdlog_time(a.c.created);
	if (a.c.state == WS_CSTATE_RUNNING) {
		a.active = ws_engine_sessions_open(e, name);
		if (a.active)
			a.last_used = time(NULL);
	}
	if (!a.active) {
		t = (time_t)ws_engine_last_session(e, name);
		if (t < 0)
			a.last_used = time(NULL);  /* cannot tell: not idle */
		else if (t > a.last_used)
			a.last_used = t;
	}
	*out = a;
	return WS_OK;
}

static int ws_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

ws_err ws_admin_list(struct ws_engine *e, char ***names, char *why, size_t whylen)
{
	struct ws_listed *l = NULL;
	char **list = NULL;
	size_t n = 0, i, k = 0;
	ws_err rc;

	if ((rc = ws_engine_list(e, &l, &n, why, whylen)) != WS_OK)
		return rc;
	rc = WS_ERR_NOMEM;
	if ((list = calloc(n + 1, sizeof(*list))) == NULL)
		goto out;
	for (i = 0; i < n; i++) {
		char why2[200];
		/* A label anyone with the engine wrote: only real names go on. */
		if (ws_name_check(l[i].workspace, why2, sizeof(why2)) != WS_OK)
			continue;
		if ((list[k++] = strdup(l[i].workspace)) == NULL)
			goto out;
	}
	qsort(list, k, sizeof(*list), ws_cmp);
	/* A workspace shows up once, whatever objects it has. */
	for (i = 0, n = 0; i < k; i++) {
		if (n > 0 && strcmp(list[i], list[n - 1]) == 0) {
			free(list[i]);
			list[i] = NULL;
			continue;
		}
		list[n] = list[i];
		if (n != i)
			list[i] = NULL;
		n++;
	}
	*names = list;
	list = NULL;
	rc = WS_OK;
out:
	ws_strv_free(list);
	free(l);
	return rc;
}

ws_err ws_admin_stop(struct ws_engine *e, const char *name, char *why, size_t whylen)
{
	return ws_engine_action(e, name, WS_OBJ_CONTAINER, "stop", why, whylen);
}

ws_err ws_admin_delete(struct ws_engine *e, const char *name, int force, char *why, size_t whylen)
{
	struct ws_container c;
	struct ws_volume v;
	char vname[WS_OBJ_NAME_MAX];
	size_t i;
	int found = 0, gone;
	ws_err rc;

	rc = ws_engine_inspect(e, name, WS_OBJ_CONTAINER, &c, why, whylen);
	if (rc != WS_OK && rc != WS_ERR_NOT_FOUND)
		return rc;
	if (rc == WS_OK && !c.managed && !force) {
		snprintf(why, whylen,
		    "container workspace-%s was not made by wsgate; not deleting it (--force deletes it, and only it)",
		    name);
		return WS_ERR_CONFLICT;
	}
	/* The container first: its volumes cannot go while it holds them; a
	 * replacement left half made goes too. */
	if (rc == WS_OK) {
		if ((rc = ws_engine_remove(e, name, WS_OBJ_CONTAINER, &gone, why, whylen)) != WS_OK)
			return rc;
		found |= gone;
	}
	if (ws_engine_inspect(e, name, WS_OBJ_REMAKE, &c, why, whylen) == WS_OK && (c.managed || force)) {
		if ((rc = ws_engine_remove(e, name, WS_OBJ_REMAKE, &gone, why, whylen)) != WS_OK)
			return rc;
		found |= gone;
	}
	/* Only volumes whose labels say they are NAME's. */
	for (i = 0; i < sizeof(ws_volume_kinds) / sizeof(ws_volume_kinds[0]); i++) {
		ws_obj_name(ws_volume_kinds[i], name, vname, sizeof(vname));
		if (!ws_own_volume(e, name, vname, &v))
			continue;
		if ((rc = ws_engine_volume_remove(e, vname, &gone, why, whylen)) != WS_OK)
			return rc;
		found |= gone;
	}
	return found ? WS_OK : WS_ERR_NOT_FOUND;
}
