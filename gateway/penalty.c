#include "penalty.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addrmatch.h"

struct ws_pslot {
	char ip[64];
	double until;          /* the penalty runs until this time */
};

struct ws_penalty {
	int authfail, min, max;
	struct ws_pslot slot[WS_PENALTY_SLOTS];
};

struct ws_penalty *ws_penalty_new(int authfail, int min, int max)
{
	struct ws_penalty *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->authfail = authfail;
	t->min = min;
	t->max = max;
	return t;
}

void ws_penalty_limits(struct ws_penalty *t, int authfail, int min, int max)
{
	t->authfail = authfail;
	t->min = min;
	t->max = max;
}

void ws_penalty_free(struct ws_penalty *t)
{
	free(t);
}

static const struct ws_pslot *ws_pfind(const struct ws_penalty *t, const char *ip)
{
	for (size_t i = 0; i < WS_PENALTY_SLOTS; i++)
		if (t->slot[i].ip[0] != '\0' && strcmp(t->slot[i].ip, ip) == 0)
			return &t->slot[i];
	return NULL;
}

void ws_penalty_fail(struct ws_penalty *t, const char *addr, double now)
{
	ws_penalty_add(t, addr, now, t->authfail);
}

void ws_penalty_add(struct ws_penalty *t, const char *addr, double now, int seconds)
{
	struct ws_pslot *s;
	char ip[64];
	size_t i;

	if (seconds <= 0 || addr == NULL)
		return;
	ws_addr_source(addr, ip, sizeof(ip));
	s = (struct ws_pslot *)ws_pfind(t, ip);
	if (s == NULL) {
		/* Reuse the slot whose penalty ends first (free slots end at 0). */
		s = &t->slot[0];
		for (i = 1; i < WS_PENALTY_SLOTS; i++)
			if (t->slot[i].until < s->until)
				s = &t->slot[i];
		snprintf(s->ip, sizeof(s->ip), "%s", ip);
		s->until = now;
	}
	if (s->until < now)
		s->until = now;
	s->until += seconds;
	if (s->until > now + t->max)
		s->until = now + t->max;
}

double ws_penalty_refused(const struct ws_penalty *t, const char *addr, double now)
{
	const struct ws_pslot *s;
	char ip[64];

	ws_addr_source(addr, ip, sizeof(ip));
	s = ws_pfind(t, ip);

	if (s == NULL || s->until - now < t->min)
		return 0;
	return s->until - now;
}

int ws_penalty_active(const struct ws_penalty *t, double now)
{
	int n = 0;

	for (size_t i = 0; t != NULL && i < WS_PENALTY_SLOTS; i++)
		if (t->slot[i].ip[0] != '\0' && t->slot[i].until - now >= t->min)
			n++;
	return n;
}
