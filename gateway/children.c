#include "children.h"

#include <stdlib.h>

struct ws_child {
	pid_t pid;
	int authed;
};

struct ws_children {
	struct ws_child *v;
	size_t n, cap;
	int unauth;
};

struct ws_children *ws_children_new(void)
{
	return calloc(1, sizeof(struct ws_children));
}

void ws_children_free(struct ws_children *t)
{
	if (t == NULL)
		return;
	free(t->v);
	free(t);
}

ws_err ws_children_add(struct ws_children *t, pid_t pid)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		struct ws_child *v = realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return WS_ERR_NOMEM;
		t->v = v;
		t->cap = cap;
	}
	t->v[t->n].pid = pid;
	t->v[t->n].authed = 0;
	t->n++;
	t->unauth++;
	return WS_OK;
}

static struct ws_child *ws_children_find(struct ws_children *t, pid_t pid)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].pid == pid)
			return &t->v[i];
	return NULL;
}

void ws_children_authed(struct ws_children *t, pid_t pid)
{
	struct ws_child *c = ws_children_find(t, pid);

	if (c != NULL && !c->authed) {
		c->authed = 1;
		t->unauth--;
	}
}

void ws_children_remove(struct ws_children *t, pid_t pid)
{
	struct ws_child *c = ws_children_find(t, pid);

	if (c == NULL)
		return;
	if (!c->authed)
		t->unauth--;
	*c = t->v[--t->n];
}

int ws_children_unauthenticated(const struct ws_children *t)
{
	return t->unauth;
}
