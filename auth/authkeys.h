/* authkeys.h — matching offered public keys against OpenSSH authorized_keys. */
#ifndef WSGATE_AUTHKEYS_H
#define WSGATE_AUTHKEYS_H

#include <stddef.h>
#include <time.h>

#include <libssh/libssh.h>

#include "wserr.h"

/* Largest authorized_keys file read; a larger one is refused as a whole. */
#define WS_AUTHKEYS_MAX_FILE ((size_t)1024 * 1024)
/* Longest line accepted; longer lines are skipped. */
#define WS_AUTHKEYS_MAX_LINE 16384

/* Restrictions carried by the matching key line. */
struct ws_authkey_restrict {
	int no_pty;
	int no_port_forwarding;
	int no_agent_forwarding;
	int no_x11_forwarding;
};

/* Looks for key in the authorized_keys text (len bytes, need not be
 * NUL-terminated). client_ip is the peer's address (for from=), now the
 * current time (for expiry-time=). Returns WS_OK and fills *restr when a line
 * names key and all its options are honoured; WS_ERR_DENIED when no line
 * allows it. Lines with options wsgate cannot honour never match. */
ws_err ws_authkeys_match_text(const char *text, size_t len, const ssh_key key,
    const char *client_ip, time_t now, struct ws_authkey_restrict *restr);

/* As ws_authkeys_match_text() on the file at path. Returns WS_ERR_IO when it
 * cannot be read, WS_ERR_TOO_LARGE past WS_AUTHKEYS_MAX_FILE. */
ws_err ws_authkeys_match_file(const char *path, const ssh_key key,
    const char *client_ip, time_t now, struct ws_authkey_restrict *restr);

/* Reads one authorized_keys line (NUL-terminated, no newline) as the
 * gateway would. WS_OK when it names a key libssh takes, under options
 * wsgate honours (from= a list of addresses, expiry-time= well formed and
 * not passed): then *key is that key (free with ssh_key_free()) and
 * *comment what follows it, trimmed ("" when nothing; free() it); pass
 * NULL for either when not wanted. WS_ERR_NOT_FOUND for a blank or comment
 * line (the gateway skips it, harmlessly). WS_ERR_INVALID for a line the
 * gateway would skip, so its key would never let anyone in, with one line
 * for a person in why saying what is wrong. WS_ERR_NOMEM. */
ws_err ws_authkeys_parse_line(const char *line, ssh_key *key, char **comment, char *why,
    size_t whylen);

/* As ws_authkeys_parse_line() when only the verdict and why matter (the
 * ws command and the configuration checker). */
ws_err ws_authkeys_check_line(const char *line, char *why, size_t whylen);

#endif
