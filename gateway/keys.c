#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "mkdirs.h"

ws_err ws_key_load_or_create(const char *path, ssh_key *key)
{
	ssh_key k = NULL;
	char tmp[4200];
	ws_err rc = WS_ERR_SSH;

	if (access(path, F_OK) == 0) {
		if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &k) != SSH_OK) {
			ws_error("cannot load key %s", path);
			goto out;
		}
		rc = WS_OK;
		goto out;
	}
	if ((rc = ws_mkdir_parents(path)) != WS_OK) {
		ws_error("cannot create the directory of %s: %s", path, strerror(errno));
		goto out;
	}
	rc = WS_ERR_SSH;
	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &k) != SSH_OK)
		goto out;
	/* Write beside it and rename, so a crash never leaves half a key. */
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	{
		mode_t old = umask(077);
		int ok = ssh_pki_export_privkey_file(k, NULL, NULL, NULL, tmp) == SSH_OK;
		umask(old);
		if (!ok || chmod(tmp, 0600) != 0 || rename(tmp, path) != 0) {
			ws_error("cannot write key %s: %s", path, strerror(errno));
			unlink(tmp);
			rc = WS_ERR_IO;
			goto out;
		}
	}
	ws_info("generated ed25519 key %s", path);
	rc = WS_OK;
out:
	if (rc == WS_OK)
		*key = k;
	else
		ssh_key_free(k);
	return rc;
}
