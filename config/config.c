#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hostport.h"
#include "log.h"
#include "options.h"
#include "policy.h"
#include "strv.h"
#include "policy.h"

static int *ws_config_int(struct ws_config *cfg, const struct ws_option *o)
{
	return (int *)(void *)((char *)cfg + o->offset);
}

static char **ws_config_str(struct ws_config *cfg, const struct ws_option *o)
{
	return (char **)(void *)((char *)cfg + o->offset);
}

static char ***ws_config_list(struct ws_config *cfg, const struct ws_option *o)
{
	return (char ***)(void *)((char *)cfg + o->offset);
}

/* Splits a comma-separated default into a NULL-terminated list. */
static char **ws_list_from_default(const char *def)
{
	char **list = calloc(strlen(def) + 2, sizeof(*list));
	const char *p = def;
	size_t n = 0, len;

	if (list == NULL)
		return NULL;
	while (*p != '\0') {
		len = strcspn(p, ",");
		if ((list[n++] = strndup(p, len)) == NULL) {
			ws_strv_free(list);
			return NULL;
		}
		p += len + (p[len] == ',');
	}
	return list;
}

struct ws_config *ws_config_new(void)
{
	struct ws_config *cfg = calloc(1, sizeof(*cfg));
	const struct ws_option *o;

	if (cfg == NULL)
		return NULL;
	for (o = ws_options; o->name != NULL; o++) {
		if (o->type == WS_OPT_INT) {
			*ws_config_int(cfg, o) = (int)o->def_int;
		} else if (o->type == WS_OPT_LIST) {
			if ((*ws_config_list(cfg, o) = ws_list_from_default(o->def_str)) == NULL) {
				ws_config_free(cfg);
				return NULL;
			}
		} else if ((*ws_config_str(cfg, o) = strdup(o->def_str)) == NULL) {
			ws_config_free(cfg);
			return NULL;
		}
	}
	return cfg;
}

void ws_config_free(struct ws_config *cfg)
{
	const struct ws_option *o;

	if (cfg == NULL)
		return;
	for (o = ws_options; o->name != NULL; o++)
		if (o->type == WS_OPT_STRING)
			free(*ws_config_str(cfg, o));
		else if (o->type == WS_OPT_LIST)
			ws_strv_free(*ws_config_list(cfg, o));
	free(cfg);
}

static const struct ws_option *ws_option_find(const char *name)
{
	const struct ws_option *o;

	for (o = ws_options; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

/* Applies a list setting: an array or list of strings. */
static ws_err ws_config_apply_list(struct ws_config *cfg, const struct ws_option *o,
    config_setting_t *s, int append, char *err, size_t errlen)
{
	int t = config_setting_type(s), n, i, k = 0;
	char **list = NULL, **old = *ws_config_list(cfg, o);
	ws_err rc = WS_ERR_CONFIG;

	if (t != CONFIG_TYPE_ARRAY && t != CONFIG_TYPE_LIST) {
		snprintf(err, errlen, "'%s' must be a list of strings, like [\"a\", \"b\"]", o->name);
		goto out;
	}
	n = config_setting_length(s);
	if (n < o->min || n > o->max) {
		snprintf(err, errlen, "'%s' must have %ld to %ld entries", o->name, o->min, o->max);
		goto out;
	}
	while (append && old != NULL && old[k] != NULL)
		k++;
	if ((list = calloc((size_t)(n + k) + 1, sizeof(*list))) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < k; i++) {
		if ((list[i] = strdup(old[i])) == NULL) {
			rc = WS_ERR_NOMEM;
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		const char *v = config_setting_get_string_elem(s, i);
		if (v == NULL || strlen(v) > WS_OPT_LIST_ENTRY_MAX) {
			snprintf(err, errlen, "'%s' entry %d must be a string of at most %d characters",
			    o->name, i + 1, WS_OPT_LIST_ENTRY_MAX);
			goto out;
		}
		if ((list[k + i] = strdup(v)) == NULL) {
			rc = WS_ERR_NOMEM;
			goto out;
		}
	}
	ws_strv_free(*ws_config_list(cfg, o));
	*ws_config_list(cfg, o) = list;
	list = NULL;
	rc = WS_OK;
out:
	ws_strv_free(list);
	return rc;
}

/* Applies one libconfig setting; on error writes the reason (no location). */
static ws_err ws_config_apply(struct ws_config *cfg, config_setting_t *s, int account,
    char *err, size_t errlen)
{
	const char *name = config_setting_name(s);
	const struct ws_option *o = name ? ws_option_find(name) : NULL;
	const char *str;
	long long v;
	char *dup;

	if (o == NULL) {
		snprintf(err, errlen, "unknown setting '%s' (see wsgate --config-doc)",
		    name ? name : "?");
		return WS_ERR_CONFIG;
	}
	if (account && !o->per_account) {
		snprintf(err, errlen, "'%s' cannot be set per account (only env, files, cpu_millis, memory_mb, docker_in_docker, post_start)",
		    o->name);
		return WS_ERR_CONFIG;
	}
	if (o->type == WS_OPT_INT) {
		int t = config_setting_type(s);
		if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
			snprintf(err, errlen, "'%s' must be an integer from %ld to %ld",
			    o->name, o->min, o->max);
			return WS_ERR_CONFIG;
		}
		v = config_setting_get_int64(s);
		if (v < o->min || v > o->max) {
			snprintf(err, errlen, "'%s' is %lld, must be from %ld to %ld",
			    o->name, v, o->min, o->max);
			return WS_ERR_CONFIG;
		}
		*ws_config_int(cfg, o) = (int)v;
		return WS_OK;
	}
	if (o->type == WS_OPT_LIST)
		return ws_config_apply_list(cfg, o, s, account, err, errlen);
	if (strcmp(o->name, "max_startups") == 0 && config_setting_type(s) == CONFIG_TYPE_INT) {
		/* OpenSSH's "MaxStartups 10": an integer is START = FULL. */
		char num[24];
		snprintf(num, sizeof(num), "%d", config_setting_get_int(s));
		if ((dup = strdup(num)) == NULL)
			return WS_ERR_NOMEM;
		free(*ws_config_str(cfg, o));
		*ws_config_str(cfg, o) = dup;
		return WS_OK;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		snprintf(err, errlen, "'%s' must be a string in double quotes", o->name);
		return WS_ERR_CONFIG;
	}
	str = config_setting_get_string(s);
	if (str == NULL || (long)strlen(str) < o->min || (long)strlen(str) > o->max) {
		snprintf(err, errlen, "'%s' must be %ld to %ld characters long",
		    o->name, o->min, o->max);
		return WS_ERR_CONFIG;
	}
	if (strcmp(o->name, "docker_in_docker") == 0 && strcmp(str, "caps") != 0 &&
	    strcmp(str, "privileged") != 0 && strcmp(str, "off") != 0) {
		snprintf(err, errlen, "'docker_in_docker' is '%s', must be caps, privileged or off", str);
		return WS_ERR_CONFIG;
	}
	if (strcmp(o->name, "log_level") == 0 && ws_log_level_parse(str) < 0) {
		snprintf(err, errlen, "'log_level' is '%s', must be error, warn, info or debug", str);
		return WS_ERR_CONFIG;
	}
	if ((dup = strdup(str)) == NULL)
		return WS_ERR_NOMEM;
	free(*ws_config_str(cfg, o));
	*ws_config_str(cfg, o) = dup;
	return WS_OK;
}

/* Loads path into cfg; account files may hold only per-account settings. */
static ws_err ws_config_load_file(struct ws_config *cfg, const char *path, int missing_ok,
    int account, char *err, size_t errlen)
{
	config_t lc;
	config_setting_t *root;
	struct stat st;
	char why[256];
	ws_err rc = WS_OK;
	int i, n;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT && missing_ok)
			return WS_OK;
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
		return WS_ERR_CONFIG;
	}
	config_init(&lc);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		snprintf(err, errlen, "%s:%d: %s", config_error_file(&lc) ? config_error_file(&lc) : path,
		    config_error_line(&lc), config_error_text(&lc));
		rc = WS_ERR_CONFIG;
		goto out;
	}
	root = config_root_setting(&lc);
	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		why[0] = '\0';
		rc = ws_config_apply(cfg, s, account, why, sizeof(why));
		if (rc == WS_ERR_CONFIG) {
			snprintf(err, errlen, "%s:%u: %s", path, config_setting_source_line(s), why);
			goto out;
		}
		if (rc != WS_OK) {
			snprintf(err, errlen, "%s: %s", path, ws_err_str(rc));
			goto out;
		}
	}
out:
	config_destroy(&lc);
	return rc;
}

ws_err ws_config_load(struct ws_config *cfg, const char *path, int missing_ok,
    char *err, size_t errlen)
{
	return ws_config_load_file(cfg, path, missing_ok, 0, err, errlen);
}

struct ws_config *ws_config_dup(const struct ws_config *cfg)
{
	struct ws_config *c = calloc(1, sizeof(*c));
	const struct ws_option *o;
	char **src, **dst;
	size_t n, i;

	if (c == NULL)
		return NULL;
	for (o = ws_options; o->name != NULL; o++) {
		if (o->type == WS_OPT_INT) {
			*ws_config_int(c, o) = *ws_config_int((struct ws_config *)(uintptr_t)cfg, o);
			continue;
		}
		if (o->type == WS_OPT_STRING) {
			if ((*ws_config_str(c, o) =
			    strdup(*ws_config_str((struct ws_config *)(uintptr_t)cfg, o))) == NULL)
				goto fail;
			continue;
		}
		src = *ws_config_list((struct ws_config *)(uintptr_t)cfg, o);
		for (n = 0; src != NULL && src[n] != NULL; n++)
			;
		if ((dst = calloc(n + 1, sizeof(*dst))) == NULL)
			goto fail;
		*ws_config_list(c, o) = dst;
		for (i = 0; i < n; i++)
			if ((dst[i] = strdup(src[i])) == NULL)
				goto fail;
	}
	return c;
fail:
	ws_config_free(c);
	return NULL;
}

ws_err ws_config_for_account(const struct ws_config *cfg, const char *account,
    struct ws_config **out, char *err, size_t errlen)
{
	struct ws_config *c = ws_config_dup(cfg);
	char path[4200];
	ws_err rc;

	if (c == NULL)
		return WS_ERR_NOMEM;
	snprintf(path, sizeof(path), "%s/%s.conf", cfg->accounts_dir, account);
	rc = account[0] == '\0' ? WS_OK : ws_config_load_file(c, path, 1, 1, err, errlen);
	if (rc == WS_OK)
		rc = ws_config_check(c, err, errlen);
	if (rc != WS_OK) {
		ws_config_free(c);
		return rc;
	}
	*out = c;
	return WS_OK;
}

/* env entries are KEY=VALUE that sshd's SetEnv can carry; files are
 * SOURCE:DEST with absolute paths. */
static ws_err ws_check_env_files(const struct ws_config *cfg, char *err, size_t errlen)
{
	const char *e, *colon;
	size_t i, k;

	for (i = 0; cfg->env != NULL && (e = cfg->env[i]) != NULL; i++) {
		k = strspn(e, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789");
		if (k == 0 || (e[0] >= '0' && e[0] <= '9') || e[k] != '=' ||
		    strpbrk(e + k + 1, "\"\\\n\r") != NULL || strncmp(e, "WSGATE_", 7) == 0) {
			snprintf(err, errlen, "env entry %zu must be KEY=VALUE (KEY of letters, digits and _, not WSGATE_*; VALUE without quotes, backslashes or newlines)",
			    i + 1);
			return WS_ERR_CONFIG;
		}
	}
	for (i = 0; cfg->files != NULL && (e = cfg->files[i]) != NULL; i++) {
		colon = strchr(e, ':');
		if (e[0] != '/' || colon == NULL || colon[1] != '/' || strchr(colon + 1, ':') != NULL) {
			snprintf(err, errlen, "files entry %zu must be SOURCE:DEST, both absolute paths", i + 1);
			return WS_ERR_CONFIG;
		}
	}
	return WS_OK;
}

/* Reads a decimal from 1 to max at *p, advancing it. Returns -1 if none. */
static int ws_startups_num(const char **p, int max)
{
	long v = 0;
	const char *s = *p;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9' && v <= max)
		v = v * 10 + (*s++ - '0');
	if (v < 1 || v > max)
		return -1;
	*p = s;
	return (int)v;
}

ws_err ws_startups_parse(const char *text, struct ws_startups *out, char *why, size_t whylen)
{
	const char *all = text != NULL ? text : "", *p = all;
	struct ws_startups s;

	s.start = ws_startups_num(&p, 100000);
	if (s.start > 0 && *p == '\0') {
		s.rate = 100;
		s.full = s.start;
		*out = s;
		return WS_OK;
	}
	if (s.start < 0 || *p++ != ':' || (s.rate = ws_startups_num(&p, 100)) < 0 ||
	    *p++ != ':' || (s.full = ws_startups_num(&p, 100000)) < 0 || *p != '\0' ||
	    s.full < s.start) {
		snprintf(why, whylen, "'max_startups' is '%s', must be N or START:RATE:FULL (like \"10:30:100\": 1 <= START <= FULL <= 100000, RATE 1 to 100)",
		    all);
		return WS_ERR_CONFIG;
	}
	*out = s;
	return WS_OK;
}

ws_err ws_config_check(const struct ws_config *cfg, char *err, size_t errlen)
{
	struct ws_startups su;

	if (ws_startups_parse(cfg->max_startups, &su, err, errlen) != WS_OK)
		return WS_ERR_CONFIG;
	if (ws_check_env_files(cfg, err, errlen) != WS_OK)
		return WS_ERR_CONFIG;
	if (ws_config_check_metrics(cfg, err, errlen) != WS_OK)
		return WS_ERR_CONFIG;
	if (cfg->port_min > cfg->port_max) {
		snprintf(err, errlen, "port_min (%d) is above port_max (%d)",
		    cfg->port_min, cfg->port_max);
		return WS_ERR_CONFIG;
	}
	/* The option table sets every string, so none is NULL here. */
	if (cfg->host_key[0] != '/' || cfg->client_key[0] != '/' || // NOLINT(clang-analyzer-core.NullDereference)
	    cfg->user_ca_key[0] != '/' || cfg->keys_dir[0] != '/' || cfg->docker_socket[0] != '/') {
		snprintf(err, errlen, "host_key, user_ca_key, client_key, keys_dir and docker_socket must be absolute paths");
		return WS_ERR_CONFIG;
	}
	if (cfg->audit_log[0] != '\0' && cfg->audit_log[0] != '/') {
		snprintf(err, errlen, "audit_log must be an absolute path or empty");
		return WS_ERR_CONFIG;
	}
	if (cfg->auth_url[0] != '\0' && strncmp(cfg->auth_url, "http://", 7) != 0 &&
	    strncmp(cfg->auth_url, "https://", 8) != 0) {
		snprintf(err, errlen, "auth_url must start with http:// or https://");
		return WS_ERR_CONFIG;
	}
	return ws_policy_check(cfg->access, cfg->create, err, errlen);
}

void ws_config_write_doc(FILE *out)
{
	const struct ws_option *o;

	fprintf(out, "| setting | type | range | default | meaning |\n");
	fprintf(out, "| --- | --- | --- | --- | --- |\n");
	for (o = ws_options; o->name != NULL; o++) {
		if (o->type == WS_OPT_INT)
			fprintf(out, "| `%s` | integer | %ld to %ld | `%ld` | %s%s |\n",
			    o->name, o->min, o->max, o->def_int, o->help,
			    o->per_account ? " *Per account too.*" : "");
		else if (o->type == WS_OPT_LIST)
			fprintf(out, "| `%s` | list of strings | %ld to %ld entries | `%s%s%s` | %s%s |\n",
			    o->name, o->min, o->max, o->def_str[0] ? "[\"" : "[]", o->def_str,
			    o->def_str[0] ? "\"]" : "", o->help,
			    o->per_account ? " *Per account too.*" : "");
		else
			fprintf(out, "| `%s` | string | %ld to %ld characters | `\"%s\"` | %s%s |\n",
			    o->name, o->min, o->max, o->def_str, o->help,
			    o->per_account ? " *Per account too.*" : "");
	}
}
