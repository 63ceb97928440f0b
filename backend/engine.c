#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Engines wsgate can drive, by kind. */
static const struct ws_engine_ops *const ws_engines[] = {
	&ws_engine_docker,
	NULL,
};

struct ws_engine {
	const struct ws_engine_ops *ops;
	void *impl;
};

void ws_obj_name(enum ws_obj kind, const char *name, char *out, size_t outlen)
{
	static const char *const suffix[] = {
		[WS_OBJ_CONTAINER] = "",
		[WS_OBJ_REMAKE] = ".remake",
		[WS_OBJ_HOME] = "",
		[WS_OBJ_DOCKER] = ".docker",
		[WS_OBJ_LEGACY_DOCKER] = "-docker",
		[WS_OBJ_STAGE_HOME] = ".restore",
		[WS_OBJ_STAGE_DOCKER] = ".restore.docker",
		[WS_OBJ_HELPER] = ".helper",
	};

	snprintf(out, outlen, "workspace-%s%s", name, suffix[kind]);
}

struct ws_engine *ws_engine_new(const char *kind, const char *where, int timeout_s)
{
	struct ws_engine *e = NULL;
	size_t i;

	for (i = 0; ws_engines[i] != NULL; i++)
		if (strcmp(ws_engines[i]->kind, kind) == 0)
			break;
	if (ws_engines[i] == NULL || (e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->ops = ws_engines[i];
	if ((e->impl = e->ops->open(where, timeout_s)) == NULL) {
		free(e);
		return NULL;
	}
	return e;
}

void ws_engine_free(struct ws_engine *e)
{
	if (e == NULL)
		return;
	e->ops->close(e->impl);
	free(e);
}

ws_err ws_engine_inspect(struct ws_engine *e, const char *name, enum ws_obj kind,
    struct ws_container *c, char *why, size_t whylen)
{
	char cname[WS_OBJ_NAME_MAX];

	ws_obj_name(kind, name, cname, sizeof(cname));
	return e->ops->inspect(e->impl, cname, c, why, whylen);
}

ws_err ws_engine_create(struct ws_engine *e, const char *name, enum ws_obj kind,
    const struct ws_spec *spec, int port, const char *priv, const char *pub,
    char *why, size_t whylen)
{
	char cname[WS_OBJ_NAME_MAX];

	ws_obj_name(kind, name, cname, sizeof(cname));
	return e->ops->create(e->impl, cname, spec, name, port, priv, pub, why, whylen);
}

ws_err ws_engine_action(struct ws_engine *e, const char *name, enum ws_obj kind,
    const char *action, char *why, size_t whylen)
{
	char cname[WS_OBJ_NAME_MAX];

	ws_obj_name(kind, name, cname, sizeof(cname));
	return e->ops->action(e->impl, cname, action, why, whylen);
}

ws_err ws_engine_remove(struct ws_engine *e, const char *name, enum ws_obj kind,
    int *found, char *why, size_t whylen)
{
	char cname[WS_OBJ_NAME_MAX];
	int dummy;

	ws_obj_name(kind, name, cname, sizeof(cname));
	return e->ops->remove(e->impl, cname, found != NULL ? found : &dummy, why, whylen);
}

ws_err ws_engine_promote(struct ws_engine *e, const char *name, char *why, size_t whylen)
{
	char from[WS_OBJ_NAME_MAX], to[WS_OBJ_NAME_MAX];

	ws_obj_name(WS_OBJ_REMAKE, name, from, sizeof(from));
	ws_obj_name(WS_OBJ_CONTAINER, name, to, sizeof(to));
	return e->ops->rename(e->impl, from, to, why, whylen);
}

ws_err ws_engine_volume(struct ws_engine *e, const char *vname, struct ws_volume *v,
    char *why, size_t whylen)
{
	return e->ops->volume(e->impl, vname, v, why, whylen);
}

ws_err ws_engine_volume_create(struct ws_engine *e, const char *name, enum ws_obj kind,
    const char *owner, const char *clone, char *why, size_t whylen)
{
	char vname[WS_OBJ_NAME_MAX];

	ws_obj_name(kind, name, vname, sizeof(vname));
	return e->ops->volume_create(e->impl, vname, name,
	    kind == WS_OBJ_HOME ? WS_ROLE_HOME : kind == WS_OBJ_DOCKER ? WS_ROLE_DOCKER : WS_ROLE_STAGING,
	    owner, clone, why, whylen);
}

ws_err ws_engine_volume_remove(struct ws_engine *e, const char *vname, int *found,
    char *why, size_t whylen)
{
	int dummy;

	return e->ops->volume_remove(e->impl, vname, found != NULL ? found : &dummy, why, whylen);
}

ws_err ws_engine_network(struct ws_engine *e, char *why, size_t whylen)
{
	return e->ops->network(e->impl, WS_NETWORK, why, whylen);
}

ws_err ws_engine_volume_users(struct ws_engine *e, const char *vname, char *users, size_t len,
    char *why, size_t whylen)
{
	return e->ops->volume_users(e->impl, vname, users, len, why, whylen);
}

ws_err ws_engine_list(struct ws_engine *e, struct ws_listed **out, size_t *count,
    char *why, size_t whylen)
{
	return e->ops->list(e->impl, out, count, why, whylen);
}

ws_err ws_engine_ports_in_use(struct ws_engine *e, int port_min, int port_max,
    unsigned char *used, char *why, size_t whylen)
{
	return e->ops->ports(e->impl, port_min, port_max, used, why, whylen);
}

ws_err ws_engine_exec(struct ws_engine *e, const char *name, const char *user, const char *cmd,
    int i, ws_exec_line_fn fn, void *arg, int *exit_code, char *why, size_t whylen)
{
	char cname[WS_OBJ_NAME_MAX];

	ws_obj_name(WS_OBJ_CONTAINER, name, cname, sizeof(cname));
	return e->ops->exec(e->impl, cname, user, cmd, i, fn, arg, exit_code, why, whylen);
}

int ws_engine_sessions_open(struct ws_engine *e, const char *name)
{
	char cname[WS_OBJ_NAME_MAX];

	ws_obj_name(WS_OBJ_CONTAINER, name, cname, sizeof(cname));
	return e->ops->sessions_open(e->impl, cname);
}

long ws_engine_last_session(struct ws_engine *e, const char *name)
{
	char cname[WS_OBJ_NAME_MAX];

	ws_obj_name(WS_OBJ_CONTAINER, name, cname, sizeof(cname));
	return e->ops->last_session(e->impl, cname);
}

ws_err ws_engine_ping(struct ws_engine *e, char *why, size_t whylen)
{
	return e->ops->ping(e->impl, why, whylen);
}

ws_err ws_engine_helper(struct ws_engine *e, struct ws_helper *h, char *why, size_t whylen)
{
	char cname[WS_OBJ_NAME_MAX];

	ws_obj_name(WS_OBJ_HELPER, h->workspace, cname, sizeof(cname));
	return e->ops->helper(e->impl, cname, h, why, whylen);
}

ws_err ws_engine_stats(struct ws_engine *e, const char *name, struct ws_cstats *s,
    char *why, size_t whylen)
{
	char cname[WS_OBJ_NAME_MAX];

	ws_obj_name(WS_OBJ_CONTAINER, name, cname, sizeof(cname));
	return e->ops->stats(e->impl, cname, s, why, whylen);
}

ws_err ws_engine_disk(struct ws_engine *e, struct ws_du **out, char *why, size_t whylen)
{
	return e->ops->disk(e->impl, out, why, whylen);
}
