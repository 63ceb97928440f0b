/* Fuzzes the user CA's key file parser (an OpenSSH private key file: armor,
 * base64, the openssh-key-v1 structure). Any input must leave it without a
 * crash, and what it accepts must give a public line and fingerprint. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "userca.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char pub[WS_USERCA_PUB_MAX], fp[WS_USERCA_FP_MAX];

	if (ws_userca_parse((const char *)data, size, pub, sizeof(pub), fp, sizeof(fp)) == WS_OK &&
	    (strncmp(pub, "ssh-ed25519 ", 12) != 0 || strncmp(fp, "SHA256:", 7) != 0))
		abort();
	return 0;
}
