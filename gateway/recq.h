/* recq.h — the connection process's side of session recording
 * (docs/recording.md): copies of a recorded pty session's bytes, queued as
 * monproto.h REC_* messages for the monitor, which writes the files. The
 * bridge never waits on the monitor: messages go without waiting, and
 * what the socket cannot take waits in a queue of at most WS_RECQ_MAX
 * bytes; data past it is dropped and counted, and the monitor is told how
 * much (a marker in the file). A resize then waits as the recording's
 * latest size. Beginnings and ends are never dropped (they are few:
 * WS_MP_REC_FILES_MAX a connection), so the monitor's view stays whole.
 * Internal to the gateway. */
#ifndef WSGATE_RECQ_H
#define WSGATE_RECQ_H

#include <stddef.h>
#include <stdint.h>

/* Most bytes of messages waiting for the monitor. */
#define WS_RECQ_MAX (1024 * 1024)

struct ws_recq;

/* Returns a queue to the monitor's request socket sock (borrowed), for
 * output and, when input is set, input; NULL when memory is short. Free
 * with ws_recq_free(). */
struct ws_recq *ws_recq_new(int sock, int input);

/* Drops what is still queued and frees q; accepts NULL. */
void ws_recq_free(struct ws_recq *q);

/* Returns 1 when keystrokes are recorded. */
int ws_recq_input(const struct ws_recq *q);

/* Returns 1 when one more recording may begin (WS_MP_REC_OPEN_MAX at
 * once, WS_MP_REC_FILES_MAX in all). */
int ws_recq_can_open(const struct ws_recq *q);

/* Begins a recording of a pty of cols x rows with TERM term (NULL: none).
 * Returns its id, or 0 when no more may begin (ws_recq_can_open). */
uint32_t ws_recq_open(struct ws_recq *q, uint32_t cols, uint32_t rows, const char *term);

/* Queues len bytes of id's session (kind WS_MP_REC_OUTPUT or _INPUT), in
 * messages of at most WS_MP_REC_DATA_MAX. */
void ws_recq_data(struct ws_recq *q, uint32_t id, int kind, const void *data, size_t len);

/* Queues id's new terminal size. */
void ws_recq_resize(struct ws_recq *q, uint32_t id, uint32_t cols, uint32_t rows);

/* Ends recording id (what it lost and its last size first). */
void ws_recq_close(struct ws_recq *q, uint32_t id);

/* Sends what the socket takes now, without waiting. Returns 1 while
 * something is still queued. */
int ws_recq_flush(struct ws_recq *q);

/* Sends everything queued, waiting at most ms for the monitor; data it
 * has not taken by then is dropped, and a LOST in its place (sent
 * waiting, as the END after it is) says how much. */
void ws_recq_drain(struct ws_recq *q, int ms);

#endif
