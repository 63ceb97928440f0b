/* audit.h — one line per authentication attempt and per session start and
 * end, for people who must know who entered what. Never holds secrets. */
#ifndef WSGATE_AUDIT_H
#define WSGATE_AUDIT_H

#include "wserr.h"

/* Opens the audit destination (append) before forking: an empty path means
 * stderr. Called again, it reopens (log rotation) and closes the previous
 * file. Returns WS_ERR_IO when the file cannot be opened (the previous
 * destination then stays). */
ws_err ws_audit_open(const char *path);

/* Writes "TIME audit event=EVENT key=value ..." as one write, so lines of
 * concurrent processes never mix. kv is a NULL-terminated list of key, value
 * pairs; values are escaped (%XX for anything outside a safe set) and cut at
 * 200 bytes, so untrusted names cannot forge fields or lines. */
void ws_audit(const char *event, const char *const *kv);

#endif
