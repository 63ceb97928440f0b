/* Fuzzes authorized_keys parsing and option handling. Any input must leave
 * the parser without a crash; only a line naming the fixed key may match.
 * Each line also goes through the check ws key and the configuration
 * checker use. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "authkeys.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ssh_key key;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_authkey_restrict r;
	char *copy, *line, *nl, why[256];
	ssh_key got;

	if (key == NULL &&
	    ssh_pki_import_pubkey_base64("AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U",
	        SSH_KEYTYPE_ED25519, &key) != SSH_OK)
		abort();
	ws_authkeys_match_text((const char *)data, size, key, "192.0.2.1", 1800000000, &r);
	copy = malloc(size + 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (line = copy; line != NULL; line = nl != NULL ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		got = NULL;
		if (ws_authkeys_parse_line(line, &got, NULL, why, sizeof(why)) == WS_OK && got == NULL)
			abort();
		ssh_key_free(got);
	}
	free(copy);
	return 0;
}
