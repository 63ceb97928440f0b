/* keystore.h — which account an offered public key belongs to. Sources, in
 * order: the key directory (one authorized_keys-format file per account,
 * named after it) and, when enabled, host accounts' ~/.ssh/authorized_keys. */
#ifndef WSGATE_KEYSTORE_H
#define WSGATE_KEYSTORE_H

#include <time.h>

#include <libssh/libssh.h>

#include "authkeys.h"
#include "wserr.h"

struct ws_keystore_params {
	const char *keys_dir;
	int host_accounts;      /* read host accounts' authorized_keys */
	long host_uid_min;      /* lowest uid of such an account */
};

/* Finds the account that key identifies, reading only that account's
 * sources when account is non-empty. On WS_OK writes the account into
 * out_account (size WS_ACCOUNT_MAX + 1) and the key line's restrictions
 * into *restr. Returns WS_ERR_DENIED when no source holds the key, and
 * WS_ERR_CONFLICT when several accounts hold it and none was named. */
ws_err ws_keystore_find(const struct ws_keystore_params *p, const char *account,
    const ssh_key key, const char *client_ip, time_t now, char *out_account,
    struct ws_authkey_restrict *restr);

#endif
