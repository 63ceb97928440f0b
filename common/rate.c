#include "rate.h"

int ws_rate_take(struct ws_rate *r, double now, int per_second)
{
	if (now - r->second >= 1.0) {
		r->second = now;
		r->used = 0;
	}
	if (r->used >= per_second) {
		r->skipped++;
		return 0;
	}
	r->used++;
	return 1;
}

int ws_rate_skipped(struct ws_rate *r)
{
	int n = r->skipped;

	r->skipped = 0;
	return n;
}
