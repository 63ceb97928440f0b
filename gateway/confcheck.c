#include "confcheck.h"

#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libssh/libssh.h>

#include "keyfile.h"
#include "names.h"
#include "privsep.h"
#include "recsink.h"
#include "strv.h"

/* Longest files source copied into a workspace (workspace.c). */
#define WS_FILES_SOURCE_MAX (64 * 1024)

typedef void ws_confcheck_fn(const struct ws_config *, struct ws_diag *);

/* The checks, in the order their lines are printed; those with
 * WS_CONFCHECK_KEYS only when asked. */
struct ws_confcheck_entry {
	ws_confcheck_fn *fn;
	int needs;
};

#define WHERE(name) ws_config_where(cfg, name)

/* The directory of path into dir ("/" for "/x"). */
static void ws_parent(const char *path, char *dir, size_t dirlen)
{
	const char *slash = strrchr(path, '/');

	if (slash == NULL || slash == path)
		snprintf(dir, dirlen, "/");
	else
		snprintf(dir, dirlen, "%.*s", (int)(slash - path), path);
}

/* A private key that exists must load and be readable by root only (as
 * sshd's "UNPROTECTED PRIVATE KEY FILE"); an absent one is made at first
 * start, with its directories. */
static void ws_check_private_key(const struct ws_config *cfg, struct ws_diag *d,
    const char *name, const char *path, int ed25519_only)
{
	ssh_key key = NULL;
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s: %s", name, path,
			    strerror(errno));
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s is not a regular file", name, path);
		return;
	}
	if (st.st_mode & 077)
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s is readable by others (mode %04o): chmod 600 it",
		    name, path, (unsigned)(st.st_mode & 07777));
	if (ssh_pki_import_privkey_file(path, NULL, NULL, NULL, &key) != SSH_OK) {
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s does not load as an unencrypted OpenSSH private key",
		    name, path);
		return;
	}
	if (ed25519_only && ssh_key_type(key) != SSH_KEYTYPE_ED25519)
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s is a %s key; it must be ed25519",
		    name, path, ssh_key_type_to_char(ssh_key_type(key)));
	ssh_key_free(key);
}

static void ws_check_keys(const struct ws_config *cfg, struct ws_diag *d)
{
	struct stat st;

	ws_check_private_key(cfg, d, "host_key", cfg->host_key, 0);
	ws_check_private_key(cfg, d, "user_ca_key", cfg->user_ca_key, 1);
	if (stat(cfg->client_key, &st) == 0)
		ws_diag_add(d, WS_DIAG_WARNING, WHERE("client_key"),
		    "client_key %s is no longer used (workspaces trust user_ca_key): delete it once every workspace has started once",
		    cfg->client_key);
}

/* An address that does not resolve fails only at start: say so now. */
static void ws_check_resolves(const struct ws_config *cfg, struct ws_diag *d, const char *name,
    const char *host, int passive)
{
	struct addrinfo hints, *res = NULL;
	int gai;

	/* Digits and dots that are no address were reported by the value
	 * check; a resolver would only say it again. */
	if (host[strspn(host, "0123456789.")] == '\0')
		return;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	if ((gai = getaddrinfo(host, "22", &hints, &res)) != 0) {
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s '%s' does not resolve: %s", name, host,
		    gai_strerror(gai));
		return;
	}
	freeaddrinfo(res);
}

static void ws_check_addresses(const struct ws_config *cfg, struct ws_diag *d)
{
	ws_check_resolves(cfg, d, "listen_address", cfg->listen_address, 1);
	ws_check_resolves(cfg, d, "publish_address", cfg->publish_address, 0);
}

/* Is path a directory? Says what it is otherwise; a missing one is an
 * error unless missing_ok. */
static int ws_check_dir(const struct ws_config *cfg, struct ws_diag *d, const char *name,
    const char *path, int missing_ok)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno != ENOENT || !missing_ok)
			ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s: %s", name, path,
			    strerror(errno));
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s is not a directory", name, path);
		return 0;
	}
	return 1;
}

/* Each line of an account's key file that logins skip is named, at its
 * line: a key wsgate refuses is otherwise only a failed login. */
static void ws_check_key_file(const struct ws_config *cfg, struct ws_diag *d, const char *name)
{
	const struct ws_keyent *k;
	struct ws_keyfile *f = NULL;
	char path[4400], why[300], loc[4440];
	size_t i;

	snprintf(path, sizeof(path), "%s/%s", cfg->keys_dir, name);
	if (ws_keyfile_load(path, &f, why, sizeof(why)) != WS_OK) {
		if (f == NULL && why[0] != '\0')
			ws_diag_add(d, WS_DIAG_WARNING, path, "%s", why);
		ws_keyfile_free(f);
		return;
	}
	for (i = 0; i < ws_keyfile_count(f); i++) {
		k = ws_keyfile_line(f, i);
		if (k->state != WS_ERR_INVALID)
			continue;
		snprintf(loc, sizeof(loc), "%s:%zu", path, i + 1);
		ws_diag_add(d, WS_DIAG_WARNING, loc, "this key line is skipped by logins: %s", k->why);
	}
	ws_keyfile_free(f);
}

/* Key files are named after their account; anything else is skipped by the
 * gateway, so say so here, and which lines of the others it skips. */
static void ws_check_keys_dir(const struct ws_config *cfg, struct ws_diag *d)
{
	struct dirent *e;
	char why[200];
	DIR *dir;

	/* Without it, only host accounts or auth_url can let anyone in. */
	if (!ws_check_dir(cfg, d, "keys_dir", cfg->keys_dir,
	    cfg->host_accounts || cfg->auth_url[0] != '\0'))
		return;
	if ((dir = opendir(cfg->keys_dir)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (ws_account_check(e->d_name, why, sizeof(why)) != WS_OK)
			ws_diag_add(d, WS_DIAG_WARNING, WHERE("keys_dir"),
			    "%s/%s is ignored: key files are named after their account (e.g. alice, not alice.pub): %s",
			    cfg->keys_dir, e->d_name, why);
		else
			ws_check_key_file(cfg, d, e->d_name);
	}
	closedir(dir);
}

/* files sources are read at each creation: one missing fails someone's
 * first login. first is the entry to start from (an account's own). */
static void ws_check_files_sources(const struct ws_config *cfg, struct ws_diag *d, size_t first)
{
	char src[4096];
	struct stat st;
	size_t i;

	for (i = first; cfg->files != NULL && cfg->files[i] != NULL; i++) {
		snprintf(src, sizeof(src), "%.*s", (int)strcspn(cfg->files[i], ":"), cfg->files[i]);
		if (stat(src, &st) != 0)
			ws_diag_add(d, WS_DIAG_ERROR, WHERE("files"), "files entry %zu: source %s: %s",
			    i + 1, src, strerror(errno));
		else if (!S_ISREG(st.st_mode) || st.st_size > WS_FILES_SOURCE_MAX)
			ws_diag_add(d, WS_DIAG_ERROR, WHERE("files"), "files entry %zu: source %s must be a regular file of at most 64 KiB",
			    i + 1, src);
	}
}

static void ws_check_files(const struct ws_config *cfg, struct ws_diag *d)
{
	ws_check_files_sources(cfg, d, 0);
}

/* Credentials in env or files, in a file others may read, are theirs: the
 * file where cfg last set either (its where, "file:line"). */
static void ws_check_secret_file(const struct ws_config *cfg, struct ws_diag *d,
    const char *only)
{
	const char *where = ws_config_where(cfg, "env"), *colon;
	char path[4400];
	struct stat st;

	if (where == NULL)
		where = ws_config_where(cfg, "files");
	if (where == NULL || (colon = strrchr(where, ':')) == NULL)
		return;
	snprintf(path, sizeof(path), "%.*s", (int)(colon - where), where);
	/* An account's own file only: the global one is said once. */
	if (only != NULL && strcmp(path, only) != 0)
		return;
	if (stat(path, &st) == 0 && (st.st_mode & 004))
		ws_diag_add(d, WS_DIAG_WARNING, where, "%s sets env or files (credentials) and anyone on this host may read it (mode %04o): chmod 640 it",
		    path, (unsigned)(st.st_mode & 07777));
}

/* Host accounts, creation for them, and Docker-in-Docker (cfg's, the
 * global one or an account's): root on this host for anyone with a
 * password. */
static void ws_check_dind(const struct ws_config *cfg, struct ws_diag *d)
{
	if (cfg->host_accounts && ws_strv_len(cfg->create) > 0 &&
	    strcmp(cfg->docker_in_docker, "off") != 0)
		ws_diag_add(d, WS_DIAG_WARNING, WHERE("docker_in_docker") ? WHERE("docker_in_docker") :
		    WHERE("host_accounts"),
		    "host_accounts is on, create lets accounts make workspaces and docker_in_docker is '%s': a host user with a password can make a root-equivalent workspace (turn one of them off, or limit create)",
		    cfg->docker_in_docker);
}

/* Every accounts_dir/ACCOUNT.conf is read as a login would read it. */
static void ws_check_accounts(const struct ws_config *cfg, struct ws_diag *d)
{
	struct ws_config *acfg = NULL;
	struct dirent *e;
	char name[256], why[200], file[4400];
	size_t len;
	DIR *dir;

	if (!ws_check_dir(cfg, d, "accounts_dir", cfg->accounts_dir, 1))
		return;
	if ((dir = opendir(cfg->accounts_dir)) == NULL)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".conf") != 0 || len - 5 >= sizeof(name)) {
			ws_diag_add(d, WS_DIAG_WARNING, WHERE("accounts_dir"),
			    "%s/%s is ignored: account files are named ACCOUNT.conf", cfg->accounts_dir, e->d_name);
			continue;
		}
		snprintf(name, sizeof(name), "%.*s", (int)(len - 5), e->d_name);
		if (ws_account_check(name, why, sizeof(why)) != WS_OK) {
			ws_diag_add(d, WS_DIAG_WARNING, WHERE("accounts_dir"), "%s/%s is ignored: %s",
			    cfg->accounts_dir, e->d_name, why);
			continue;
		}
		if (ws_config_for_account_diag(cfg, name, &acfg, d) == WS_OK) {
			ws_check_files_sources(acfg, d, ws_strv_len(cfg->files));
			if (strcmp(cfg->docker_in_docker, "off") == 0)
				ws_check_dind(acfg, d);
			snprintf(file, sizeof(file), "%s/%s", cfg->accounts_dir, e->d_name);
			ws_check_secret_file(acfg, d, file);
			ws_config_free(acfg);
			acfg = NULL;
		}
	}
	closedir(dir);
}

/* A file wsgate appends to needs its directory. */
static void ws_check_log_file(const struct ws_config *cfg, struct ws_diag *d, const char *name,
    const char *path)
{
	char dir[4096];
	struct stat st;

	if (path[0] != '/')
		return;
	ws_parent(path, dir, sizeof(dir));
	if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s: its directory %s does not exist",
		    name, path, dir);
	else if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode))
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s is a symbolic link: wsgate never follows one there (name the file itself)",
		    name, path);
	else if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode))
		ws_diag_add(d, WS_DIAG_ERROR, WHERE(name), "%s %s is not a regular file", name, path);
	else if (stat(dir, &st) == 0 && (st.st_mode & 002) && !(st.st_mode & S_ISVTX))
		ws_diag_add(d, WS_DIAG_WARNING, WHERE(name), "%s %s: its directory %s may be written by anyone, who could put a file of theirs there",
		    name, path, dir);
}

/* record_dir as the monitor will find it at the first recorded pty: root's
 * and shut to others, never a link (recsink.c). Absent: made 0700. */
static void ws_check_record_dir(const struct ws_config *cfg, struct ws_diag *d)
{
	struct stat st;

	if (strcmp(cfg->record, "off") == 0 && cfg->record_workspaces[0] == NULL)
		return;
	if (lstat(cfg->record_dir, &st) != 0) {
		if (errno != ENOENT)
			ws_diag_add(d, WS_DIAG_ERROR, WHERE("record_dir"), "record_dir %s: %s",
			    cfg->record_dir, strerror(errno));
		return;
	}
	if (S_ISLNK(st.st_mode) || !S_ISDIR(st.st_mode))
		ws_diag_add(d, WS_DIAG_ERROR, WHERE("record_dir"), "record_dir %s is %s: name a directory itself",
		    cfg->record_dir, S_ISLNK(st.st_mode) ? "a symbolic link" : "not a directory");
	else if (!ws_recsink_dir_ok(&st))
		ws_diag_add(d, WS_DIAG_ERROR, WHERE("record_dir"), "record_dir %s is not root's or others may write to it (mode %04o): sessions would go unrecorded; chown root and chmod 700 it",
		    cfg->record_dir, (unsigned)(st.st_mode & 07777));
}

static void ws_check_logs(const struct ws_config *cfg, struct ws_diag *d)
{
	ws_check_log_file(cfg, d, "audit_log", cfg->audit_log);
	ws_check_log_file(cfg, d, "log_target", cfg->log_target);
	ws_check_record_dir(cfg, d);
}

static void ws_check_services(const struct ws_config *cfg, struct ws_diag *d)
{
	char path[128], why[300];
	struct stat st;

	if (stat(cfg->docker_socket, &st) != 0)
		ws_diag_add(d, WS_DIAG_WARNING, WHERE("docker_socket"),
		    "no Docker socket at %s (%s): logins fail until the engine runs there",
		    cfg->docker_socket, strerror(errno));
	else if (!S_ISSOCK(st.st_mode))
		ws_diag_add(d, WS_DIAG_ERROR, WHERE("docker_socket"), "docker_socket %s is not a socket",
		    cfg->docker_socket);
	snprintf(path, sizeof(path), "/etc/pam.d/%s", cfg->pam_service);
	if (cfg->pam_service[0] != '\0' && stat(path, &st) != 0)
		ws_diag_add(d, WS_DIAG_WARNING, WHERE("pam_service"),
		    "no %s: PAM falls back to its 'other' service for passwords and host accounts (install packaging/pam/wsgate there)",
		    path);
	if (ws_privsep_check(cfg->privsep_user, why, sizeof(why)) != WS_OK)
		ws_diag_add(d, WS_DIAG_ERROR, WHERE("privsep_user"), "%s", why);
}

/* Is the host url names a loopback name or address? Parsed by libcurl, as
 * the request will be ("http://127.0.0.1@host/" is host's). */
static int ws_loopback_host(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	int yes = 0;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		yes = strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
		    strcmp(host, "[::1]") == 0;
	curl_free(host);
	curl_url_cleanup(u);
	return yes;
}

static void ws_check_combinations(const struct ws_config *cfg, struct ws_diag *d)
{
	ws_check_dind(cfg, d);
	ws_check_secret_file(cfg, d, NULL);
	if (strncmp(cfg->auth_url, "http://", 7) == 0 && !ws_loopback_host(cfg->auth_url))
		ws_diag_add(d, WS_DIAG_WARNING, WHERE("auth_url"),
		    "auth_url sends passwords in clear text over plain http:// to a host that is not this one: use https://");
}

static const struct ws_confcheck_entry ws_confchecks[] = {
	{ ws_check_keys, WS_CONFCHECK_KEYS }, { ws_check_addresses, 0 }, { ws_check_keys_dir, 0 },
	{ ws_check_files, 0 }, { ws_check_accounts, 0 }, { ws_check_logs, 0 },
	{ ws_check_services, 0 }, { ws_check_combinations, 0 },
};

void ws_confcheck(const struct ws_config *cfg, struct ws_diag *d, int flags)
{
	size_t i;

	for (i = 0; i < sizeof(ws_confchecks) / sizeof(ws_confchecks[0]); i++)
		if ((ws_confchecks[i].needs & flags) == ws_confchecks[i].needs)
			ws_confchecks[i].fn(cfg, d);
}
