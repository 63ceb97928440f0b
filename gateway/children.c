#include "children.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ws_child {
	pid_t pid;
	int authed;
	char source[64];
};

struct ws_children {
	struct ws_child *v;
	size_t n, cap;
	int unauth;
};

int ws_startups_admit(const struct ws_startups *s, int unauth, double roll)
{
	double p;

	if (unauth < s->start)
		return 1;
	if (unauth >= s->full)
		return 0;
	/* OpenSSH's drop_connection(): rate% at start, rising to 100% at full. */
	p = s->rate + (100.0 - s->rate) * (unauth - s->start) / (double)(s->full - s->start);
	return roll >= p;
}

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

ws_err ws_children_add(struct ws_children *t, pid_t pid, const char *source)
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
	snprintf(t->v[t->n].source, sizeof(t->v[t->n].source), "%s", source);
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

int ws_children_remove(struct ws_children *t, pid_t pid, char *out, size_t outlen)
{
	struct ws_child *c = ws_children_find(t, pid);
	int unauth;

	if (c == NULL)
		return 0;
	unauth = !c->authed;
	if (unauth) {
		t->unauth--;
		if (out != NULL)
			snprintf(out, outlen, "%s", c->source);
	}
	*c = t->v[--t->n];
	return unauth && out != NULL;
}

int ws_children_unauthenticated(const struct ws_children *t)
{
	return t->unauth;
}

int ws_children_unauthenticated_from(const struct ws_children *t, const char *source)
{
	int n = 0;

	for (size_t i = 0; i < t->n; i++)
		if (!t->v[i].authed && strcmp(t->v[i].source, source) == 0)
			n++;
	return n;
}
