#include "penalty.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void ws_penalty_free(struct ws_penalty *t)
{
	free(t);
}

/* The source a penalty applies to, as OpenSSH's PerSourceNetBlockSize
 * defaults: an IPv4 address (also when IPv4-mapped), or an IPv6 /64, since
 * one host may hold a whole /64. */
static void ws_psource(const char *ip, char *out, size_t outlen)
{
	struct in6_addr a6;
	char net[INET6_ADDRSTRLEN];

	if (strncmp(ip, "::ffff:", 7) == 0 && strchr(ip + 7, '.') != NULL) {
		snprintf(out, outlen, "%s", ip + 7);
		return;
	}
	if (inet_pton(AF_INET6, ip, &a6) != 1) {
		snprintf(out, outlen, "%s", ip);
		return;
	}
	memset(a6.s6_addr + 8, 0, 8);
	if (inet_ntop(AF_INET6, &a6, net, sizeof(net)) == NULL)
		snprintf(out, outlen, "%s", ip);
	else
		snprintf(out, outlen, "%s/64", net);
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
	struct ws_pslot *s;
	char ip[64];
	size_t i;

	if (t->authfail <= 0 || addr == NULL)
		return;
	ws_psource(addr, ip, sizeof(ip));
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
	s->until += t->authfail;
	if (s->until > now + t->max)
		s->until = now + t->max;
}

double ws_penalty_refused(const struct ws_penalty *t, const char *addr, double now)
{
	const struct ws_pslot *s;
	char ip[64];

	ws_psource(addr, ip, sizeof(ip));
	s = ws_pfind(t, ip);

	if (s == NULL || s->until - now < t->min)
		return 0;
	return s->until - now;
}
