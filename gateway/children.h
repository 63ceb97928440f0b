/* children.h — the listener's view of its per-connection processes: which
 * are still unauthenticated (for max_startups, like OpenSSH MaxStartups). */
#ifndef WSGATE_CHILDREN_H
#define WSGATE_CHILDREN_H

#include <sys/types.h>

#include "wserr.h"

struct ws_children;

/* Returns an empty table, or NULL on allocation failure; free with
 * ws_children_free(). */
struct ws_children *ws_children_new(void);

/* Frees t; accepts NULL. */
void ws_children_free(struct ws_children *t);

/* Records a new, unauthenticated child. WS_ERR_NOMEM when it cannot. */
ws_err ws_children_add(struct ws_children *t, pid_t pid);

/* Marks pid as authenticated (no-op for unknown pids). */
void ws_children_authed(struct ws_children *t, pid_t pid);

/* Forgets pid (it exited). */
void ws_children_remove(struct ws_children *t, pid_t pid);

/* Returns how many recorded children have not authenticated yet. */
int ws_children_unauthenticated(const struct ws_children *t);

#endif
