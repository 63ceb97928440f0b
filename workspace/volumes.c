#include "volumes.h"

#include <stdio.h>
#include <string.h>

ws_err ws_vols_check(struct ws_engine *e, const char *name, const char *vname, const char *role,
    const char *owner, int legacy_ok, char *detail, size_t len)
{
	struct ws_volume v;
	char why[300];
	ws_err rc;

	if ((rc = ws_engine_volume(e, vname, &v, why, sizeof(why))) != WS_OK) {
		snprintf(detail, len, "%s", why);
		return rc;
	}
	if (!v.labelled) {
		snprintf(detail, len, "volume %s was not made by wsgate", vname);
		return WS_ERR_FOREIGN;
	}
	if (strcmp(v.workspace, name) != 0) {
		snprintf(detail, len, "volume %s belongs to workspace '%s'", vname, v.workspace);
		return WS_ERR_FOREIGN;
	}
	if (v.role[0] == '\0' && v.owner[0] == '\0') {
		if (legacy_ok)
			return WS_OK;
		snprintf(detail, len, "volume %s was made by an older wsgate and records no owner", vname);
		return WS_ERR_FOREIGN;
	}
	if (strcmp(v.role, role) != 0 || strcmp(v.owner, owner) != 0) {
		snprintf(detail, len, "volume %s is the %s volume of account '%s', not the %s volume of '%s'",
		    vname, v.role, v.owner, role, owner);
		return WS_ERR_FOREIGN;
	}
	return WS_OK;
}

/* Is vname mounted by a container that is not NAME's (or its replacement)? */
static ws_err ws_used_elsewhere(struct ws_engine *e, const char *name, const char *vname,
    struct ws_vols *o, char *why, size_t whylen)
{
	char users[400], mine[WS_OBJ_NAME_MAX], remake[WS_OBJ_NAME_MAX], helper[WS_OBJ_NAME_MAX];
	char *tok, *save = NULL;
	ws_err rc;

	if ((rc = ws_engine_volume_users(e, vname, users, sizeof(users), why, whylen)) != WS_OK)
		return rc;
	ws_obj_name(WS_OBJ_CONTAINER, name, mine, sizeof(mine));
	ws_obj_name(WS_OBJ_REMAKE, name, remake, sizeof(remake));
	ws_obj_name(WS_OBJ_HELPER, name, helper, sizeof(helper));
	for (tok = strtok_r(users, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, helper) == 0) {
			/* A restore filling them, or a backup reading them. */
			o->state = WS_VOLS_BUSY;
			snprintf(o->detail, sizeof(o->detail), "a backup or restore of workspace '%s' is using its volumes",
			    name);
			break;
		} else if (strcmp(tok, mine) != 0 && strcmp(tok, remake) != 0) {
			o->state = WS_VOLS_FOREIGN;
			snprintf(o->detail, sizeof(o->detail), "volume %s is in use by container %s", vname, tok);
			break;
		}
	return WS_OK;
}

/* Reads one volume: 1 present (into *v), 0 absent, -1 engine error. */
static int ws_peek(struct ws_engine *e, const char *vname, struct ws_volume *v, char *why,
    size_t whylen)
{
	ws_err rc = ws_engine_volume(e, vname, v, why, whylen);

	return rc == WS_OK ? 1 : rc == WS_ERR_NOT_FOUND ? 0 : -1;
}

static void ws_foreign(struct ws_vols *o, const char *vname, const struct ws_volume *v)
{
	o->state = WS_VOLS_FOREIGN;
	if (!v->labelled)
		snprintf(o->detail, sizeof(o->detail), "volume %s was not made by wsgate", vname);
	else if (v->role[0] != '\0' && v->owner[0] == '\0')
		snprintf(o->detail, sizeof(o->detail), "volume %s records no owner", vname);
	else
		snprintf(o->detail, sizeof(o->detail), "volume %s belongs to workspace '%s' as its %s volume",
		    vname, v->workspace, v->role[0] ? v->role : "old");
}

ws_err ws_vols_read(struct ws_engine *e, const char *name, struct ws_vols *out, char *why,
    size_t whylen)
{
	char home[WS_OBJ_NAME_MAX], docker[WS_OBJ_NAME_MAX], legacy[WS_OBJ_NAME_MAX];
	struct ws_volume h, d, l;
	struct ws_vols o;
	int hp, dp, lp;

	memset(&o, 0, sizeof(o));
	ws_obj_name(WS_OBJ_HOME, name, home, sizeof(home));
	ws_obj_name(WS_OBJ_DOCKER, name, docker, sizeof(docker));
	ws_obj_name(WS_OBJ_LEGACY_DOCKER, name, legacy, sizeof(legacy));
	if ((hp = ws_peek(e, home, &h, why, whylen)) < 0 || (dp = ws_peek(e, docker, &d, why, whylen)) < 0 ||
	    (lp = ws_peek(e, legacy, &l, why, whylen)) < 0)
		return WS_ERR_DOCKER;
	/* workspace-NAME-docker counts only when its own label says it is
	 * NAME's (0.1's Docker volume): it may be workspace NAME-docker's home. */
	if (lp && !(l.labelled && strcmp(l.workspace, name) == 0 && l.role[0] == '\0'))
		lp = 0;
	/* The home volume decides; the Docker volume must agree. */
	if (hp && h.labelled && strcmp(h.workspace, name) == 0 && h.role[0] == '\0' && h.owner[0] == '\0') {
		o.state = WS_VOLS_LEGACY;
		snprintf(o.home, sizeof(o.home), "%s", home);
	} else if (hp && (!h.labelled || strcmp(h.workspace, name) != 0 ||
	    strcmp(h.role, WS_ROLE_HOME) != 0 || h.owner[0] == '\0')) {
		ws_foreign(&o, home, &h);
	} else if (hp) {
		o.state = WS_VOLS_OWNED;
		snprintf(o.owner, sizeof(o.owner), "%s", h.owner);
		snprintf(o.clone, sizeof(o.clone), "%s", h.clone);
		snprintf(o.home, sizeof(o.home), "%s", home);
	} else if (dp && d.labelled && strcmp(d.workspace, name) == 0 &&
	    strcmp(d.role, WS_ROLE_DOCKER) == 0 && d.owner[0] != '\0') {
		o.state = WS_VOLS_OWNED;   /* a create cut short between the two */
		snprintf(o.owner, sizeof(o.owner), "%s", d.owner);
	} else if (dp) {
		ws_foreign(&o, docker, &d);
	} else if (lp) {
		o.state = WS_VOLS_LEGACY;
	}
	if (o.state == WS_VOLS_OWNED || o.state == WS_VOLS_LEGACY) {
		/* Its Docker data: the new volume if it is there, else 0.1's. */
		if (dp) {
			if (!d.labelled || strcmp(d.workspace, name) != 0 || strcmp(d.role, WS_ROLE_DOCKER) != 0 ||
			    (o.state == WS_VOLS_OWNED && strcmp(d.owner, o.owner) != 0))
				ws_foreign(&o, docker, &d);
			else
				snprintf(o.docker, sizeof(o.docker), "%s", docker);
		} else if (lp) {
			snprintf(o.docker, sizeof(o.docker), "%s", legacy);
		}
	}
	if ((o.state == WS_VOLS_OWNED || o.state == WS_VOLS_LEGACY) && o.home[0] != '\0' &&
	    ws_used_elsewhere(e, name, o.home, &o, why, whylen) != WS_OK)
		return WS_ERR_DOCKER;
	if ((o.state == WS_VOLS_OWNED || o.state == WS_VOLS_LEGACY) && o.docker[0] != '\0' &&
	    ws_used_elsewhere(e, name, o.docker, &o, why, whylen) != WS_OK)
		return WS_ERR_DOCKER;
	*out = o;
	return WS_OK;
}

ws_err ws_vols_make(struct ws_engine *e, const char *name, const char *owner, const char *clone,
    struct ws_vols *v, int *fresh, char *detail, size_t len)
{
	int legacy = v->state == WS_VOLS_LEGACY;
	ws_err rc;

	*fresh = v->home[0] == '\0' && v->docker[0] == '\0';
	if (v->home[0] == '\0') {
		ws_obj_name(WS_OBJ_HOME, name, v->home, sizeof(v->home));
		if ((rc = ws_engine_volume_create(e, name, WS_OBJ_HOME, owner, clone, detail, len)) != WS_OK)
			return rc;
		/* Made now or a moment ago by a racing creator: the labels decide. */
		if ((rc = ws_vols_check(e, name, v->home, WS_ROLE_HOME, owner, 0, detail, len)) != WS_OK)
			return rc;
	} else if ((rc = ws_vols_check(e, name, v->home, WS_ROLE_HOME, owner, legacy, detail, len)) != WS_OK) {
		return rc;
	}
	if (v->docker[0] == '\0') {
		ws_obj_name(WS_OBJ_DOCKER, name, v->docker, sizeof(v->docker));
		if ((rc = ws_engine_volume_create(e, name, WS_OBJ_DOCKER, owner, NULL, detail, len)) != WS_OK)
			return rc;
		return ws_vols_check(e, name, v->docker, WS_ROLE_DOCKER, owner, 0, detail, len);
	}
	return ws_vols_check(e, name, v->docker, WS_ROLE_DOCKER, owner, legacy, detail, len);
}
