#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <libconfig.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hostport.h"
#include "options.h"
#include "strv.h"

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
		if (o->type == WS_OPT_INT || o->type == WS_OPT_BOOL) {
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

static void ws_config_where_free(struct ws_config *cfg)
{
	size_t i;

	for (i = 0; cfg->where != NULL && i < ws_option_count(); i++)
		free(cfg->where[i]);
	free(cfg->where);
	cfg->where = NULL;
}

/* Records where o was set; a failure only loses the location. */
static void ws_config_set_where(struct ws_config *cfg, const struct ws_option *o,
    const char *file, unsigned line)
{
	char loc[8400];
	size_t i = ws_option_index(o);

	if (cfg->where == NULL && (cfg->where = calloc(ws_option_count(), sizeof(char *))) == NULL)
		return;
	snprintf(loc, sizeof(loc), "%s:%u", file, line);
	free(cfg->where[i]);
	cfg->where[i] = strdup(loc);
}

const char *ws_config_where(const struct ws_config *cfg, const char *name)
{
	const struct ws_option *o = ws_option_find(name);

	if (o == NULL || cfg->where == NULL)
		return NULL;
	return cfg->where[ws_option_index(o)];
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
	ws_config_where_free(cfg);
	free(cfg);
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
	if (append)
		k = (int)ws_strv_len(old);
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

/* Applies an integer or boolean setting. */
static ws_err ws_config_apply_int(struct ws_config *cfg, const struct ws_option *o,
    config_setting_t *s, char *err, size_t errlen)
{
	int t = config_setting_type(s);
	long long v;

	if (o->type == WS_OPT_BOOL && t == CONFIG_TYPE_BOOL) {
		*ws_config_int(cfg, o) = config_setting_get_bool(s) ? 1 : 0;
		return WS_OK;
	}
	if (t != CONFIG_TYPE_INT && t != CONFIG_TYPE_INT64) {
		if (o->type == WS_OPT_BOOL)
			snprintf(err, errlen, "'%s' must be true or false", o->name);
		else
			snprintf(err, errlen, "'%s' must be an integer from %ld to %ld", o->name,
			    o->min, o->max);
		return WS_ERR_CONFIG;
	}
	v = config_setting_get_int64(s);
	if (v < o->min || v > o->max) {
		if (o->type == WS_OPT_BOOL)
			snprintf(err, errlen, "'%s' is %lld, must be true or false", o->name, v);
		else
			snprintf(err, errlen, "'%s' is %lld, must be from %ld to %ld", o->name, v,
			    o->min, o->max);
		return WS_ERR_CONFIG;
	}
	*ws_config_int(cfg, o) = (int)v;
	return WS_OK;
}

/* Applies one libconfig setting; on error writes the reason (no location).
 * Values are checked against the table later (ws_config_check_diag). */
static ws_err ws_config_apply(struct ws_config *cfg, config_setting_t *s, int account,
    char *err, size_t errlen)
{
	const char *name = config_setting_name(s);
	const struct ws_option *o = name ? ws_option_find(name) : NULL;
	const char *str;
	char *dup;

	if (o == NULL) {
		snprintf(err, errlen, "unknown setting '%s' (see wsgate --config-doc)",
		    name ? name : "?");
		return WS_ERR_CONFIG;
	}
	if (account && !o->per_account) {
		snprintf(err, errlen, "'%s' cannot be set per account (only env, files, cpu_millis, memory_mb, docker_in_docker, post_start, record)",
		    o->name);
		return WS_ERR_CONFIG;
	}
	if (o->type == WS_OPT_INT || o->type == WS_OPT_BOOL)
		return ws_config_apply_int(cfg, o, s, err, errlen);
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
	if ((dup = strdup(str)) == NULL)
		return WS_ERR_NOMEM;
	free(*ws_config_str(cfg, o));
	*ws_config_str(cfg, o) = dup;
	return WS_OK;
}

/* Loads path into cfg, every problem to d; account files may hold only
 * per-account settings. */
static ws_err ws_config_load_file(struct ws_config *cfg, const char *path, int missing_ok,
    int account, struct ws_diag *d)
{
	config_t lc;
	config_setting_t *root;
	struct stat st;
	char why[512], loc[8400], dir[4096], inc[8300];
	const char *file, *slash;
	ws_err rc = WS_OK, one;
	int i, n;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT && missing_ok)
			return WS_OK;
		ws_diag_add(d, WS_DIAG_ERROR, path, "cannot read: %s", strerror(errno));
		return WS_ERR_IO;
	}
	if (!S_ISREG(st.st_mode)) {
		ws_diag_add(d, WS_DIAG_ERROR, path, "is not a regular file");
		return WS_ERR_IO;
	}
	config_init(&lc);
	/* "@include" is relative to the including file's directory, as sshd's
	 * Include is to /etc/ssh. */
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? path : ".");
	config_set_include_dir(&lc, slash == path ? "/" : dir);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		file = config_error_file(&lc) ? config_error_file(&lc) : path;
		snprintf(loc, sizeof(loc), "%s%s%s:%d", file[0] == '/' || file == path ? "" : dir,
		    file[0] == '/' || file == path ? "" : "/", file, config_error_line(&lc));
		ws_diag_add(d, WS_DIAG_ERROR, loc, "%s", config_error_text(&lc));
		rc = WS_ERR_IO;
		goto out;
	}
	root = config_root_setting(&lc);
	n = config_setting_length(root);
	for (i = 0; i < n; i++) {
		config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
		const struct ws_option *o = config_setting_name(s) ?
		    ws_option_find(config_setting_name(s)) : NULL;
		file = config_setting_source_file(s) ? config_setting_source_file(s) : path;
		/* An included file is named as written: say where it is. */
		if (file[0] != '/' && file != path && strcmp(file, path) != 0) {
			snprintf(inc, sizeof(inc), "%s/%s", slash == path ? "" : dir, file);
			file = inc;
		}
		snprintf(loc, sizeof(loc), "%s:%u", file, config_setting_source_line(s));
		why[0] = '\0';
		if ((one = ws_config_apply(cfg, s, account, why, sizeof(why))) == WS_ERR_NOMEM) {
			rc = one;
			goto out;
		}
		if (one != WS_OK) {
			ws_diag_add(d, WS_DIAG_ERROR, loc, "%s", why[0] ? why : ws_err_str(one));
			rc = WS_ERR_CONFIG;
			continue;
		}
		if (o != NULL)
			ws_config_set_where(cfg, o, file, config_setting_source_line(s));
	}
out:
	config_destroy(&lc);
	return rc;
}

ws_err ws_config_load_diag(struct ws_config *cfg, const char *path, int missing_ok,
    struct ws_diag *d)
{
	return ws_config_load_file(cfg, path, missing_ok, 0, d);
}

/* Runs fn-like loads and checks through a private diag, giving callers
 * that want one line the first error. */
static ws_err ws_first_error(ws_err rc, struct ws_diag *d, char *err, size_t errlen)
{
	if (rc != WS_OK && err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", rc == WS_ERR_NOMEM ? ws_err_str(rc) :
		    ws_diag_first_error(d));
	ws_diag_free(d);
	return rc;
}

ws_err ws_config_load(struct ws_config *cfg, const char *path, int missing_ok,
    char *err, size_t errlen)
{
	struct ws_diag *d = ws_diag_new();
	ws_err rc;

	if (d == NULL)
		return WS_ERR_NOMEM;
	rc = ws_config_load_diag(cfg, path, missing_ok, d);

	return ws_first_error(rc == WS_ERR_IO ? WS_ERR_CONFIG : rc, d, err, errlen);
}

/* Copies a NULL-terminated list; NULL when out of memory. */
static char **ws_list_dup(char *const *src)
{
	char **dst;
	size_t n, i;

	n = ws_strv_len(src);
	if ((dst = calloc(n + 1, sizeof(*dst))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if ((dst[i] = strdup(src[i])) == NULL) {
			ws_strv_free(dst);
			return NULL;
		}
	}
	return dst;
}

struct ws_config *ws_config_dup(const struct ws_config *cfg)
{
	struct ws_config *c = calloc(1, sizeof(*c));
	struct ws_config *src = (struct ws_config *)(uintptr_t)cfg;
	const struct ws_option *o;
	size_t i;

	if (c == NULL)
		return NULL;
	for (o = ws_options; o->name != NULL; o++) {
		int ok = 1;
		if (o->type == WS_OPT_INT || o->type == WS_OPT_BOOL)
			*ws_config_int(c, o) = *ws_config_int(src, o);
		else if (o->type == WS_OPT_STRING)
			ok = (*ws_config_str(c, o) = strdup(*ws_config_str(src, o))) != NULL;
		else
			ok = (*ws_config_list(c, o) = ws_list_dup(*ws_config_list(src, o))) != NULL;
		if (!ok)
			goto fail;
	}
	if (cfg->where != NULL) {
		if ((c->where = calloc(ws_option_count(), sizeof(char *))) == NULL)
			goto fail;
		for (i = 0; i < ws_option_count(); i++)
			if (cfg->where[i] != NULL && (c->where[i] = strdup(cfg->where[i])) == NULL)
				goto fail;
	}
	return c;
fail:
	ws_config_free(c);
	return NULL;
}

static int ws_check_options(const struct ws_config *cfg, int per_account_only,
    struct ws_diag *d);

ws_err ws_config_for_account_diag(const struct ws_config *cfg, const char *account,
    struct ws_config **out, struct ws_diag *d)
{
	struct ws_config *c = ws_config_dup(cfg);
	char path[4200];
	ws_err rc;

	if (c == NULL)
		return WS_ERR_NOMEM;
	snprintf(path, sizeof(path), "%s/%s.conf", cfg->accounts_dir, account);
	rc = account[0] == '\0' ? WS_OK : ws_config_load_file(c, path, 1, 1, d);
	if (rc == WS_ERR_IO)
		rc = WS_ERR_CONFIG;
	if (rc == WS_OK && !ws_check_options(c, 1, d))
		rc = WS_ERR_CONFIG;
	if (rc != WS_OK || out == NULL) {
		ws_config_free(c);
		return rc;
	}
	*out = c;
	return WS_OK;
}

ws_err ws_config_for_account(const struct ws_config *cfg, const char *account,
    struct ws_config **out, char *err, size_t errlen)
{
	struct ws_diag *d = ws_diag_new();

	if (d == NULL)
		return WS_ERR_NOMEM;
	return ws_first_error(ws_config_for_account_diag(cfg, account, out, d), d, err, errlen);
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

/* Is v one of the space-separated words in choices? */
static int ws_is_choice(const char *choices, const char *v)
{
	size_t n = strlen(v), k;
	const char *p = choices;

	while (*p != '\0') {
		k = strcspn(p, " ");
		if (k == n && n > 0 && strncmp(p, v, n) == 0)
			return 1;
		p += k + (p[k] == ' ');
	}
	return 0;
}

/* Checks one option's value(s) against the table. */
static int ws_check_option(const struct ws_config *cfg, const struct ws_option *o,
    struct ws_diag *d)
{
	struct ws_config *c = (struct ws_config *)(uintptr_t)cfg;
	const char *where = cfg->where ? cfg->where[ws_option_index(o)] : NULL;
	char why[400];
	char **list;
	size_t i;
	int ok = 1;

	if (o->type == WS_OPT_STRING) {
		const char *v = *ws_config_str(c, o);
		if (o->choices != NULL && !ws_is_choice(o->choices, v)) {
			ws_diag_add(d, WS_DIAG_ERROR, where, "'%s' is '%s', must be one of: %s",
			    o->name, v, o->choices);
			ok = 0;
		} else if (o->check != NULL && !o->check(v, why, sizeof(why))) {
			ws_diag_add(d, WS_DIAG_ERROR, where, "%s: %s", o->name, why);
			ok = 0;
		}
	} else if (o->type == WS_OPT_LIST && o->check != NULL) {
		list = *ws_config_list(c, o);
		for (i = 0; list != NULL && list[i] != NULL; i++) {
			if (!o->check(list[i], why, sizeof(why))) {
				ws_diag_add(d, WS_DIAG_ERROR, where, "%s entry %zu: %s", o->name, i + 1, why);
				ok = 0;
			}
		}
	}
	return ok;
}

/* metrics_listen apart from its form (the table checks that): not the SSH
 * listener's own address and port. */
static ws_err ws_check_metrics_relation(const struct ws_config *cfg, struct ws_diag *d)
{
	char addr[WS_HOSTPORT_ADDR_MAX], why[300];
	int port;

	if (cfg->metrics_listen[0] == '\0' ||
	    ws_hostport_parse("metrics_listen", cfg->metrics_listen, addr, &port, why,
	    sizeof(why)) != WS_OK)
		return WS_OK;
	if (ws_config_check_metrics(cfg, why, sizeof(why)) != WS_OK) {
		ws_diag_add(d, WS_DIAG_ERROR, ws_config_where(cfg, "metrics_listen"), "%s", why);
		return WS_ERR_CONFIG;
	}
	return WS_OK;
}

/* Checks the values of every option, or of the per-account ones only (an
 * account file can set nothing else: the rest was checked globally). */
static int ws_check_options(const struct ws_config *cfg, int per_account_only,
    struct ws_diag *d)
{
	const struct ws_option *o;
	int ok = 1;

	for (o = ws_options; o->name != NULL; o++)
		if (o->per_account || !per_account_only)
			ok &= ws_check_option(cfg, o, d);
	return ok;
}

ws_err ws_config_check_diag(const struct ws_config *cfg, struct ws_diag *d)
{
	int ok = ws_check_options(cfg, 0, d);

	if (cfg->port_min > cfg->port_max) {
		ws_diag_add(d, WS_DIAG_ERROR, ws_config_where(cfg, "port_max") ?
		    ws_config_where(cfg, "port_max") : ws_config_where(cfg, "port_min"),
		    "port_min (%d) is above port_max (%d)", cfg->port_min, cfg->port_max);
		ok = 0;
	}
	if (ws_check_metrics_relation(cfg, d) != WS_OK)
		ok = 0;
	if (cfg->penalty_min > cfg->penalty_max) {
		ws_diag_add(d, WS_DIAG_ERROR, ws_config_where(cfg, "penalty_min") ?
		    ws_config_where(cfg, "penalty_min") : ws_config_where(cfg, "penalty_max"),
		    "penalty_min (%d) is above penalty_max (%d): no address would ever be refused",
		    cfg->penalty_min, cfg->penalty_max);
		ok = 0;
	}
	return ok ? WS_OK : WS_ERR_CONFIG;
}

ws_err ws_config_check(const struct ws_config *cfg, char *err, size_t errlen)
{
	struct ws_diag *d = ws_diag_new();

	if (d == NULL)
		return WS_ERR_NOMEM;
	return ws_first_error(ws_config_check_diag(cfg, d), d, err, errlen);
}

/* Writes s as a libconfig string literal. */
static void ws_write_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(out, "\\x%02x", (unsigned char)*s);
		else
			fputc(*s, out);
	}
	fputc('"', out);
}

void ws_config_write(const struct ws_config *cfg, FILE *out)
{
	struct ws_config *c = (struct ws_config *)(uintptr_t)cfg;
	const struct ws_option *o;
	char **list;
	size_t i;

	for (o = ws_options; o->name != NULL; o++) {
		fprintf(out, "%s = ", o->name);
		if (o->type == WS_OPT_INT) {
			fprintf(out, "%d", *ws_config_int(c, o));
		} else if (o->type == WS_OPT_BOOL) {
			fprintf(out, "%s", *ws_config_int(c, o) ? "true" : "false");
		} else if (o->type == WS_OPT_STRING) {
			ws_write_string(out, *ws_config_str(c, o));
		} else {
			list = *ws_config_list(c, o);
			fputc('[', out);
			for (i = 0; list != NULL && list[i] != NULL; i++) {
				fprintf(out, "%s", i ? ", " : "");
				ws_write_string(out, list[i]);
			}
			fputc(']', out);
		}
		fprintf(out, ";\n");
	}
}
