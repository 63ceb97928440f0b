/* Fuzzes authorized_keys parsing and option handling. Any input must leave
 * the parser without a crash; only a line naming the fixed key may match. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "authkeys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ssh_key key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_authkey_restrict r;

	if (key == NULL &&
	    ssh_pki_import_pubkey_base64("AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U",
	        SSH_KEYTYPE_ED25519, &key) != SSH_OK)
		abort();
	ws_authkeys_match_text((const char *)data, size, key, "192.0.2.1", 1800000000, &r);
	return 0;
}
