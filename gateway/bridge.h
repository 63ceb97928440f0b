/* bridge.h — session channels of a client, each paired with a channel on the
 * workspace's sshd. Data flows both ways within both peers' windows; requests
 * are relayed and answered with the workspace's own reply; EOF, exit status
 * and close keep their order. */
#ifndef WSGATE_BRIDGE_H
#define WSGATE_BRIDGE_H

#include <libssh/libssh.h>
#include <stdint.h>

#include "authkeys.h"

struct ws_bridges;

/* Returns an empty set bridging channels of the client session down to the
 * workspace session up (both borrowed, both non-blocking, in one ssh_event;
 * the set installs up's session callbacks), or NULL on failure. max_channels
 * caps open channels; restr (copied) refuses what authorized_keys options
 * forbid. Free with ws_bridges_free(). */
struct ws_bridges *ws_bridges_new(ssh_session down, ssh_session up, int max_channels,
    const struct ws_authkey_restrict *restr);

/* Frees every channel and the set; accepts NULL. */
void ws_bridges_free(struct ws_bridges *set);

/* For the server's channel_open_request_session callback: opens the matching
 * workspace channel and returns the client's new channel (owned by the set),
 * or NULL to refuse. */
ssh_channel ws_bridges_open_session(struct ws_bridges *set);

/* For a client's direct-tcpip open (ssh -L, -D, -W; VS Code's tunnels):
 * opens the same forward from the workspace's sshd and accepts msg. Returns 0
 * when msg was answered, 1 when the caller should refuse it. */
int ws_bridges_open_direct(struct ws_bridges *set, ssh_message msg);

/* For the client's tcpip-forward / cancel-tcpip-forward (ssh -R): relays it to
 * the workspace's sshd and answers msg with its reply (the bound port for
 * port 0). Returns 0 when answered, 1 when the caller should refuse. */
int ws_bridges_global_request(struct ws_bridges *set, ssh_message msg);

/* Moves what the last poll made possible: buffered data, EOF, exit status,
 * close. Call after every ssh_event_dopoll. Returns 1 when data is still
 * waiting for a peer's window (poll again soon), 0 otherwise. */
int ws_bridges_pump(struct ws_bridges *set);

/* Sets *in and *out to the bytes delivered so far from the client to the
 * workspace and back, over all channels. */
void ws_bridges_bytes(const struct ws_bridges *set, uint64_t *in, uint64_t *out);

/* Returns the number of channel pairs still open. */
int ws_bridges_count(const struct ws_bridges *set);

/* The workspace connection is gone: tells every client channel why on its
 * stderr (msg, one line) and closes it. */
void ws_bridges_upstream_lost(struct ws_bridges *set, const char *msg);

#endif
