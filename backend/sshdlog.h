/* sshdlog.h — when a workspace was last used, read from its sshd's log as the
 * engine hands it over (a multiplexed stream with timestamps). Pure parsing:
 * unit-tested and fuzzed. */
#ifndef WSGATE_SSHDLOG_H
#define WSGATE_SSHDLOG_H

#include <stddef.h>
#include <time.h>

/* Parses an RFC 3339 UTC time ("2026-11-29T03:08:37.68Z"); 0 when invalid
 * or before 1971 (the engine's "never": 0001-01-01). */
time_t ws_sshdlog_time(const char *s);

/* From a container log with timestamps (the engine's multiplexed stream),
 * returns the time of the last sshd session line (login or logout); 0 if none. */
time_t ws_sshdlog_last_session(const unsigned char *buf, size_t len);

#endif
