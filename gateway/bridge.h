/* bridge.h — the channels of one client connection, each paired with a
 * channel on the workspace's sshd. Data flows both ways within both peers'
 * windows; requests and opens are relayed and answered with the workspace's
 * own reply without holding the connection; EOF, exit status and close keep
 * their order; nothing a peer sent within its window is dropped. */
#ifndef WSGATE_BRIDGE_H
#define WSGATE_BRIDGE_H

#include <libssh/libssh.h>
#include <stdint.h>

#include "authkeys.h"

struct ws_bridges;

/* Returns an empty set bridging channels of the client session down to the
 * workspace session up (both borrowed, in one ssh_event; up non-blocking),
 * or NULL on failure. max_channels caps channels open or opening; restr
 * (copied) refuses what authorized_keys options forbid. Free with
 * ws_bridges_free(). */
struct ws_bridges *ws_bridges_new(ssh_session down, ssh_session up, int max_channels,
    const struct ws_authkey_restrict *restr);

/* Frees every channel, every waiting request and the set; accepts NULL. */
void ws_bridges_free(struct ws_bridges *set);

/* Takes a message libssh queued (from the client when from_workspace is 0,
 * from the workspace's sshd otherwise): starts relaying it, or refuses it.
 * msg is owned by the set from here. */
void ws_bridges_message(struct ws_bridges *set, ssh_message msg, int from_workspace);

/* Moves what the last poll made possible: replies, opens, buffered data,
 * EOF, exit status, close. Call after every ssh_event_dopoll. Returns 1 when
 * something waits on a peer (poll again soon), 0 otherwise. */
int ws_bridges_pump(struct ws_bridges *set);

/* Sets *in and *out to the bytes delivered so far from the client to the
 * workspace and back, over all channels. */
void ws_bridges_bytes(const struct ws_bridges *set, uint64_t *in, uint64_t *out);

/* Returns the number of channel pairs still open. */
int ws_bridges_count(const struct ws_bridges *set);

/* Channel types, for the metrics: session, direct-tcpip,
 * direct-streamlocal, auth-agent, x11, forwarded-tcpip,
 * forwarded-streamlocal, in this order. */
#define WS_BRIDGE_KINDS 7

/* Returns channel type i's name as SSH says it, or NULL past the last. */
const char *ws_bridge_kind_name(int i);

/* Counts the pairs still open by type into n. */
void ws_bridges_kinds(const struct ws_bridges *set, unsigned n[WS_BRIDGE_KINDS]);

/* The workspace connection is gone: tells every client channel why on its
 * stderr (msg, one line) and closes it. */
void ws_bridges_upstream_lost(struct ws_bridges *set, const char *msg);

/* Records set's pty sessions (docs/recording.md) through the monitor's
 * request socket mon: output, and input when input is set. Returns 0, or
 * -1 when memory is short. */
int ws_bridges_record(struct ws_bridges *set, int mon, int input);

/* Ends every recording and hands the monitor what is queued for it,
 * waiting at most ms. Before the session's END. */
void ws_bridges_record_end(struct ws_bridges *set, int ms);

/* Why a peer lost the whole connection (it broke a rule that cannot be
 * answered on one channel: replies would go out of order, or memory would
 * grow), or NULL while none has. The string is static. */
const char *ws_bridges_fatal(const struct ws_bridges *set);

#endif
