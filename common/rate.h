/* rate.h — at most N events a second, the rest counted: for log lines an
 * attacker can cause (dropped connections, a bridge's own lines), so that a
 * flood of them never becomes a flood of the log. */
#ifndef WSGATE_RATE_H
#define WSGATE_RATE_H

/* One budget; start zeroed. */
struct ws_rate {
	double second;   /* start of the second being counted */
	int used;        /* events allowed in it */
	int skipped;     /* events refused since the last ws_rate_skipped() */
};

/* Takes one event at time now (seconds): returns 1 when it is among the
 * first per_second of its second, 0 (counted as skipped) otherwise. */
int ws_rate_take(struct ws_rate *r, double now, int per_second);

/* Returns the events refused since the last call, and forgets them. */
int ws_rate_skipped(struct ws_rate *r);

#endif
