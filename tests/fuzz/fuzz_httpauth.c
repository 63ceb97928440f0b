/* Fuzzes what a site's auth endpoint answers, and login names: any input
 * must leave the parsers without a crash, an accepted answer must carry a
 * valid account, and an accepted login name a valid workspace or account. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "httpauth.h"
#include "names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ws_httpauth_answer a;
	char acc[WS_ACCOUNT_MAX + 1], ws[WS_NAME_MAX + 1], why[200], *s;

	memset(&a, 0, sizeof(a));
	if (ws_httpauth_parse((const char *)data, size, size % 2 ? "alice" : "", &a) == WS_OK) {
		if (a.allow && ws_account_check(a.account, why, sizeof(why)) != WS_OK)
			abort();
		ws_httpauth_answer_clear(&a);
	}
	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	/* A login names a workspace, or (ACCOUNT+, the owner's commands) an
	 * account alone: never neither, never an invalid one. */
	if (ws_login_parse(s, acc, ws, why, sizeof(why)) == WS_OK &&
	    (ws[0] == '\0' ? acc[0] == '\0' || ws_account_check(acc, why, sizeof(why)) != WS_OK :
	     ws_name_check(ws, why, sizeof(why)) != WS_OK ||
	     (acc[0] != '\0' && ws_account_check(acc, why, sizeof(why)) != WS_OK)))
		abort();
	free(s);
	return 0;
}
