/* penalty.h — per-source penalties after failed logins, like OpenSSH
 * PerSourcePenalties: each connection from an address that ends without
 * logging in after failed attempts adds `authfail` seconds to that address's
 * penalty; while the penalty left is at least `min` seconds, new connections
 * from the address are refused. Other addresses are never affected. A source
 * is an IPv4 address or an IPv6 /64 (ws_addr_source). */
#ifndef WSGATE_PENALTY_H
#define WSGATE_PENALTY_H

/* Addresses remembered at once; the one whose penalty ends first is
 * forgotten when more arrive. */
#define WS_PENALTY_SLOTS 4096

struct ws_penalty;

/* Returns a table with the given rules (seconds; authfail 0 disables), or
 * NULL on allocation failure. Free with ws_penalty_free(). */
struct ws_penalty *ws_penalty_new(int authfail, int min, int max);

/* Frees t; accepts NULL. */
void ws_penalty_free(struct ws_penalty *t);

/* Sets new limits (a reload), keeping the penalties earned so far. */
void ws_penalty_limits(struct ws_penalty *t, int authfail, int min, int max);

/* Records a failed connection from ip at time now (seconds, monotonic):
 * adds authfail seconds. */
void ws_penalty_fail(struct ws_penalty *t, const char *ip, double now);

/* Adds seconds (0 or less: nothing) to ip's penalty at time now. */
void ws_penalty_add(struct ws_penalty *t, const char *ip, double now, int seconds);

/* Returns the seconds ip stays refused from now, or 0 when it may connect. */
double ws_penalty_refused(const struct ws_penalty *t, const char *ip, double now);

/* Returns how many sources are refused at now (t may be NULL: 0). */
int ws_penalty_active(const struct ws_penalty *t, double now);

#endif
