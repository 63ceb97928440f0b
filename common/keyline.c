#include "keyline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

char *ws_keyline_make(const ssh_key key)
{
	char *b64 = NULL, *line = NULL;
	const char *type = ssh_key_type_to_char(ssh_key_type(key));
	size_t len;

	if (type == NULL || ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		return NULL;
	len = strlen(type) + strlen(b64) + 2;
	if ((line = malloc(len)) != NULL)
		snprintf(line, len, "%s %s", type, b64);
	ssh_string_free_char(b64);
	return line;
}

ws_err ws_keyline_parse(const char *line, ssh_key *key)
{
	char type[64];
	const char *b64 = strchr(line, ' ');
	ssh_key k = NULL;

	if (b64 == NULL || (size_t)(b64 - line) >= sizeof(type))
		return WS_ERR_INVALID;
	memcpy(type, line, (size_t)(b64 - line));
	type[b64 - line] = '\0';
	if (ssh_pki_import_pubkey_base64(b64 + 1, ssh_key_type_from_name(type), &k) != SSH_OK)
		return WS_ERR_SSH;
	*key = k;
	return WS_OK;
}

ws_err ws_keyline_blob(const ssh_key key, unsigned char **blob, size_t *len)
{
	char *b64 = NULL;
	unsigned char *out = NULL;
	size_t n;
	int got, pad = 0;
	ws_err rc = WS_ERR_SSH;

	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		goto out;
	n = strlen(b64);
	rc = WS_ERR_NOMEM;
	if ((out = malloc(n / 4 * 3 + 3)) == NULL)
		goto out;
	rc = WS_ERR_INVALID;
	if (n == 0 || n % 4 != 0 || (got = EVP_DecodeBlock(out, (const unsigned char *)b64, (int)n)) < 0)
		goto out;
	/* EVP_DecodeBlock counts the padding as bytes: take them off. */
	pad = (b64[n - 1] == '=') + (n > 1 && b64[n - 2] == '=');
	*blob = out;
	*len = (size_t)got - (size_t)pad;
	out = NULL;
	rc = WS_OK;
out:
	free(out);
	ssh_string_free_char(b64);
	return rc;
}
