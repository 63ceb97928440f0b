/* children.h — the listener's view of its per-connection processes: which
 * are still unauthenticated, and from which source, for max_startups and
 * per_source_max_startups (OpenSSH's MaxStartups start:rate:full random
 * early drop, and PerSourceMaxStartups). */
#ifndef WSGATE_CHILDREN_H
#define WSGATE_CHILDREN_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"
#include "wserr.h"

struct ws_children;

/* Returns an empty table, or NULL on allocation failure; free with
 * ws_children_free(). */
struct ws_children *ws_children_new(void);

/* Frees t; accepts NULL. */
void ws_children_free(struct ws_children *t);

/* Records a new, unauthenticated child from source (ws_addr_source's
 * form; copied). WS_ERR_NOMEM when it cannot. */
ws_err ws_children_add(struct ws_children *t, pid_t pid, const char *source);

/* Marks pid as authenticated (no-op for unknown pids). */
void ws_children_authed(struct ws_children *t, pid_t pid);

/* Forgets pid (it exited). When out is not NULL and pid was still
 * unauthenticated, writes its source there (outlen bytes) and returns 1;
 * otherwise returns 0. */
int ws_children_remove(struct ws_children *t, pid_t pid, char *out, size_t outlen);

/* Returns how many recorded children have not authenticated yet. */
int ws_children_unauthenticated(const struct ws_children *t);

/* Returns how many of them came from source. */
int ws_children_unauthenticated_from(const struct ws_children *t, const char *source);

/* Decides whether one more connection may start while unauth are still
 * authenticating: 1 yes, 0 drop it. roll is a uniform random number in
 * [0, 100) (the caller's, so tests can choose it). */
int ws_startups_admit(const struct ws_startups *s, int unauth, double roll);

#endif
