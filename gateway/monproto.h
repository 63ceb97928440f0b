/* monproto.h — the words between a connection's sandboxed process and its
 * root monitor (monitor.h), as OpenSSH's monitor_wrap.c speaks to monitor.c.
 * One message is one SOCK_SEQPACKET record of at most WS_MP_MAX bytes: a
 * type byte, then fields in the order its shape gives (ws_mp_valid):
 *
 *   '4'  u32, big-endian          '8'  u64, big-endian
 *   's'  string: u32 length, the bytes (no NUL inside)
 *   'b'  bytes: u32 length, the bytes
 *   'n'  u32 count (at most WS_MP_MAX_LIST), then that many strings
 *
 * and at most one descriptor (SCM_RIGHTS). Every read is bounds-checked: a
 * field past the end, a string too long for its buffer or with a NUL in it,
 * bytes left over, sets the message bad, which ends the child (the monitor
 * never guesses what a process that breaks the protocol meant). */
#ifndef WSGATE_MONPROTO_H
#define WSGATE_MONPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "cliargs.h"
#include "wserr.h"

/* Longest message: 16 keyboard-interactive prompts of PAM's 1024 bytes
 * each, and an RSA key of 16384 bits, fit. */
#define WS_MP_MAX 32768
/* Most strings in one 'n' list (keyboard-interactive prompts or answers,
 * as many as the gateway ever asks). */
#define WS_MP_MAX_LIST 16
/* Longest login name sent (a longer one is cut: still too long to pass). */
#define WS_MP_USER_MAX 511
/* Longest line told to the person. */
#define WS_MP_TELL_MAX 1024
/* An exchange hash is SHA-256, -384 or -512: at most this long. */
#define WS_MP_HASH_MAX 64
/* Longest signature algorithm name. */
#define WS_MP_ALG_MAX 64

enum ws_mp_type {
	/* the child asks (or tells) */
	WS_MP_HELLO = 1,       /* s: its session key's public half, base64 (certificates) */
	WS_MP_PUBKEY,          /* s user, s key ("type base64"), 4 signature (WS_MP_SIG_*),
	                        * b the signature blob, b the bytes it signs (both empty
	                        * without one: the monitor verifies it again) */
	WS_MP_PASSWORD,        /* s user, s password */
	WS_MP_KBD_START,       /* s user */
	WS_MP_KBD_ANSWERS,     /* n answers */
	WS_MP_TRIED,           /* 4 ws_err, s why, s kex, s cipher */
	WS_MP_END,             /* 8 bytes from the client, 8 bytes to it */
	/* the monitor answers (or asks) */
	WS_MP_TELL,            /* s a line for the person (an SSH banner) */
	WS_MP_TRY,             /* 4 port, s host key pin, s certificate, s user,
	                        * 4 timeout; with the connected TCP socket */
	WS_MP_RESULT,          /* 4 outcome (WS_MP_OUT_*), 4 fatal, 4 grace left (s),
	                        * then by outcome:
	                        *   PROMPTS  s instruction, n prompts, s echo flags
	                        *   SUCCESS  s account, s workspace, 4 restrictions
	                        *            and recording (WS_MP_NO_*, WS_MP_RECORD_*) */
	/* the key exchange, whenever it runs (the host key is the monitor's) */
	WS_MP_SIGN,            /* child: s signature algorithm, b exchange hash */
	WS_MP_SIGNATURE,       /* monitor: b signature blob (empty: refused) */
	/* session recording, child to monitor, after login, only when the
	 * SUCCESS said so (no answer; docs/recording.md) */
	WS_MP_REC_OPEN,        /* 4 recording id, 4 cols, 4 rows, s TERM: a pty session's */
	WS_MP_REC_DATA,        /* 4 id, 4 WS_MP_REC_OUTPUT or _INPUT, b at most
	                        * WS_MP_REC_DATA_MAX bytes */
	WS_MP_REC_RESIZE,      /* 4 id, 4 cols, 4 rows */
	WS_MP_REC_LOST,        /* 4 id, 8 bytes the child dropped (its queue was full) */
	WS_MP_REC_CLOSE,       /* 4 id */
	/* the bridge's figures for the metrics, at most once a second */
	WS_MP_STATS,           /* child: 8 bytes from the client, 8 bytes to it (so far),
	                        * then 4 channels open of each type, WS_MP_CHANNEL_TYPES
	                        * of them (bridge.h's order) */
	/* an owner's commands (ACCOUNT+ logins only, after login; docs/privsep.md):
	 * the child asks, the monitor runs the command in a process of its own
	 * and hands the child its two sockets, then its exit status */
	WS_MP_CMD,             /* child: 4 command id, n its words (cliargs.h) */
	WS_MP_CMD_FD,          /* monitor: 4 id, 4 WS_MP_CMD_IO or _ERR; with the socket */
	WS_MP_CMD_EXIT,        /* monitor: 4 id, 4 exit status (0-255) */
	WS_MP__COUNT
};

/* A command's sockets: stdin and stdout (one stream socket, both ways:
 * shutdown for the end of stdin), and stderr. */
enum ws_mp_cmd_fd { WS_MP_CMD_IO, WS_MP_CMD_ERR };
/* Commands one connection may run at once. */
#define WS_MP_CMD_MAX 4
#define WS_MP_CMD_SHAPE "4n"

/* What the child says of a publickey request's signature. */
enum ws_mp_sig { WS_MP_SIG_NONE, WS_MP_SIG_VALID, WS_MP_SIG_WRONG };

/* Channel types a STATS counts (bridge.h's WS_BRIDGE_KINDS). */
#define WS_MP_CHANNEL_TYPES 7
/* Its shape: two counts and a count of each type. */
#define WS_MP_STATS_SHAPE "884444444"

/* The monitor's answer to an authentication request. */
enum ws_mp_outcome { WS_MP_OUT_DENIED, WS_MP_OUT_PK_OK, WS_MP_OUT_SUCCESS, WS_MP_OUT_PROMPTS };

/* Restriction bits in a SUCCESS (a key's authorized_keys options). */
#define WS_MP_NO_PTY 1u
#define WS_MP_NO_PORT_FORWARDING 2u
#define WS_MP_NO_AGENT_FORWARDING 4u
#define WS_MP_NO_X11_FORWARDING 8u
/* And what is recorded of its pty sessions (docs/recording.md). */
#define WS_MP_RECORD_OUTPUT 16u
#define WS_MP_RECORD_INPUT 32u

/* Recording: most bytes of data in one REC_DATA, of TERM in a REC_OPEN;
 * recordings open at once and made in all by one connection. */
#define WS_MP_REC_DATA_MAX 16384
#define WS_MP_REC_TERM_MAX 64
#define WS_MP_REC_OPEN_MAX 8
#define WS_MP_REC_FILES_MAX 256
enum ws_mp_rec_kind { WS_MP_REC_OUTPUT, WS_MP_REC_INPUT };

/* One message being built or read. Big: keep it static or on the heap. */
struct ws_mp {
	unsigned char buf[WS_MP_MAX];
	size_t len, pos;
	int bad;                 /* a put or get went out of bounds */
	int fd;                  /* descriptor to send with it, or received; -1 */
};

/* Starts m as an empty message of type t (no descriptor). */
void ws_mp_start(struct ws_mp *m, enum ws_mp_type t);

/* Appends a field; past WS_MP_MAX the message turns bad (not sent). */
void ws_mp_put_u32(struct ws_mp *m, uint32_t v);
void ws_mp_put_u64(struct ws_mp *m, uint64_t v);
void ws_mp_put_bytes(struct ws_mp *m, const void *p, size_t len);
void ws_mp_put_str(struct ws_mp *m, const char *s);

/* Sends m (and m->fd when >= 0, which stays the caller's) on sock.
 * dontwait: fail rather than wait for room (the monitor never waits on its
 * child). WS_ERR_INVALID for a bad message, WS_ERR_IO otherwise. */
ws_err ws_mp_send(int sock, const struct ws_mp *m, int dontwait);

/* Receives one message into m, ready to read after its type byte.
 * WS_ERR_IO at the end (or an empty message: the child's end to the
 * monitor), WS_ERR_TOO_LARGE for a message or descriptors cut short, which
 * are closed. A received descriptor is m->fd (close-on-exec), the caller's
 * to close (ws_mp_close_fd). */
ws_err ws_mp_recv(int sock, struct ws_mp *m);

/* Loads len bytes as a received message (tests, fuzzers). WS_ERR_TOO_LARGE
 * past WS_MP_MAX, WS_ERR_INVALID when empty. */
ws_err ws_mp_load(struct ws_mp *m, const void *data, size_t len);

/* The message's type byte. */
int ws_mp_type(const struct ws_mp *m);

/* Field readers, in order. Out of bounds they return 0 / NULL / "" and set
 * m->bad. ws_mp_get_str copies into out (outlen bytes with its NUL): a
 * string that does not fit or holds a NUL is bad. ws_mp_get_bytes returns
 * a pointer into m (valid while m is) to at most max bytes. */
uint32_t ws_mp_get_u32(struct ws_mp *m);
uint64_t ws_mp_get_u64(struct ws_mp *m);
const unsigned char *ws_mp_get_bytes(struct ws_mp *m, size_t max, size_t *len);
void ws_mp_get_str(struct ws_mp *m, char *out, size_t outlen);

/* Returns 1 when every field was read and none was out of bounds. */
int ws_mp_done(const struct ws_mp *m);

/* Returns 1 when the fields after the type byte have exactly the shape
 * (see above) and no string holds a NUL; reads from the start, and leaves
 * m's read position (and bad flag) as they were. */
int ws_mp_valid(struct ws_mp *m, const char *shape);

/* Reads a CMD's fields (after its type byte) into *id and *out: 1 to
 * WS_CLI_WORDS_MAX words that ws_cli_words_ok() takes. Returns WS_OK, or
 * WS_ERR_INVALID for anything else (m is then bad); *id and *out are set
 * on WS_OK only. */
ws_err ws_mp_get_cmd(struct ws_mp *m, uint32_t *id, struct ws_cli_words *out);

/* Closes a received descriptor, if any. */
void ws_mp_close_fd(struct ws_mp *m);

#endif
