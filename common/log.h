/* log.h — leveled logging. Every process writes its lines to fd 2, which
 * ws_log_open() points at the configured destination (stderr, the journal,
 * syslog or a file), so that sandboxed processes, which keep fd 2 only, log
 * like the rest. */
#ifndef WSGATE_LOG_H
#define WSGATE_LOG_H

#include <stddef.h>
#include <time.h>

#include "wserr.h"

enum ws_log_level { WS_LOG_ERROR = 0, WS_LOG_WARN, WS_LOG_INFO, WS_LOG_DEBUG };

/* Points fd 2 at target: "stderr" (left as it is: time-stamped, unless it is
 * the systemd journal's stream, which stamps lines itself and gets each
 * line's priority), "journal", "syslog" (facility daemon), or the absolute
 * path of a file (appended, made 0640). json selects one JSON object per
 * line. Calling it again reopens (log rotation). Returns WS_OK, or WS_ERR_IO
 * with a reason in why (fd 2 is then unchanged). */
ws_err ws_log_open(const char *target, int json, char *why, size_t whylen);

/* Writes one line for msg at level as process pid's, framed as
 * ws_log_open() set, whatever the level filter says: the monitor relays its
 * child's lines with it, and an audit line on stderr goes through it (an
 * audit line is never filtered out). msg is what ws_log_escape() made
 * (printable ASCII): it is not escaped again; anything else is. */
void ws_log_relay(enum ws_log_level level, long pid, const char *msg);

/* Returns 1 when lines on fd 2 are plain time-stamped text (no JSON, no
 * priority prefix), where an audit line may go as it is. */
int ws_log_plain(void);

/* For a process whose fd 2 is a socket its monitor reads: lines in the one
 * form the monitor parses ("STAMP wsgate[PID] LEVEL TAG: msg"), whatever
 * the configured frame; the monitor frames them as configured. */
void ws_log_relayed(void);

/* Writes lines to fd instead of fd 2 from now on (a process whose fd 2 is
 * to be a person's stderr keeps the log on a copy of the old fd 2); fd stays
 * the caller's. ws_log_open() still points fd 2 only. */
void ws_log_set_fd(int fd);

/* Sets the most verbose level that is printed. */
void ws_log_set_level(enum ws_log_level level);

/* Parses "error", "warn", "info" or "debug"; returns -1 for anything else. */
int ws_log_level_parse(const char *name);

/* Sets a short tag printed on every line (e.g. a connection id); NULL clears it.
 * The string is copied. */
void ws_log_set_tag(const char *tag);

/* Returns the tag set (never NULL; "" when none). */
const char *ws_log_get_tag(void);

/* Copies src into dst (cap bytes, always terminated) with every control
 * character, DEL and byte from 0x80 on written as \xNN and a backslash as \\, so that text from
 * a peer can neither end a log line nor forge one. Returns strlen(dst). */
size_t ws_log_escape(char *dst, size_t cap, const char *src);

/* Prints one line at level; fmt is printf-style, no trailing newline needed.
 * What fmt produces is escaped with ws_log_escape(): peers' strings are safe
 * to pass. */
void ws_log(enum ws_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes t as UTC "YYYY-MM-DDTHH:MM:SS" into buf with integers only (safe in
 * a signal handler). Returns its length (19), or 0 when cap < 20 or t is outside years 1970-9999. */
size_t ws_log_stamp(char *buf, size_t cap, time_t t);

/* Prints one line at level from a signal handler (no stdio, no locks): msg
 * is printed as it is, so it must already be escaped (ws_log_escape). */
void ws_log_signal(enum ws_log_level level, const char *msg);

#define ws_error(...) ws_log(WS_LOG_ERROR, __VA_ARGS__)
#define ws_warn(...) ws_log(WS_LOG_WARN, __VA_ARGS__)
#define ws_info(...) ws_log(WS_LOG_INFO, __VA_ARGS__)
#define ws_debug(...) ws_log(WS_LOG_DEBUG, __VA_ARGS__)

#endif
