#include "authkeys.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "addrmatch.h"
#include "dynbuf.h"
#include "log.h"

/* Parses "YYYYMMDD[HHMM[SS]]" (local time, as OpenSSH does); returns -1 if bad. */
static time_t ws_parse_expiry(const char *s)
{
	struct tm tm;
	size_t n = strlen(s);
	char buf[32];

	if ((n != 8 && n != 12 && n != 14) || strspn(s, "0123456789") != n)
		return -1;
	memset(&tm, 0, sizeof(tm));
	snprintf(buf, sizeof(buf), "%s%s", s, n == 8 ? "000000" : n == 12 ? "00" : "");
	if (sscanf(buf, "%4d%2d%2d%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	    &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

/* Reads one option name[="value"] at *pp, unquoting the value in place and
 * advancing *pp. Returns 0 when another option follows, 1 after the last one
 * (the key type follows), -1 on a malformed option list. */
static int ws_next_option(char **pp, char **name, char **value)
{
	char *p = *pp, *w;

	*name = p;
	*value = NULL;
	while (*p && *p != '=' && *p != ',' && !isspace((unsigned char)*p))
		p++;
	if (p == *name)
		return -1;
	if (*p == '=') {
		*p++ = '\0';
		if (*p != '"')
			return -1;
		*value = w = ++p;
		while (*p && *p != '"') {
			if (*p == '\\' && p[1] == '"')
				p++;
			*w++ = *p++;
		}
		if (*p != '"')
			return -1;
		*w = '\0';
		p++;
	}
	if (*p == ',') {
		*p++ = '\0';
		*pp = p;
		return 0;
	}
	if (!isspace((unsigned char)*p))
		return -1; /* options with no key after them, or junk */
	*p++ = '\0';
	*pp = p;
	return 1;
}

/* Applies the options at *pp (advancing it past them). Returns 1 when every
 * option is understood and allows this login, 0 otherwise. */
static int ws_apply_options(char **pp, const char *client_ip, time_t now,
    struct ws_authkey_restrict *r)
{
	char *name, *value;
	int last = 0;

	while (!last) {
		last = ws_next_option(pp, &name, &value);
		if (last < 0)
			return 0;
		if (strcasecmp(name, "restrict") == 0 && !value) {
			r->no_pty = r->no_port_forwarding = 1;
			r->no_agent_forwarding = r->no_x11_forwarding = 1;
		} else if (strcasecmp(name, "no-pty") == 0 && !value) {
			r->no_pty = 1;
		} else if (strcasecmp(name, "pty") == 0 && !value) {
			r->no_pty = 0;
		} else if (strcasecmp(name, "no-port-forwarding") == 0 && !value) {
			r->no_port_forwarding = 1;
		} else if (strcasecmp(name, "port-forwarding") == 0 && !value) {
			r->no_port_forwarding = 0;
		} else if (strcasecmp(name, "no-agent-forwarding") == 0 && !value) {
			r->no_agent_forwarding = 1;
		} else if (strcasecmp(name, "agent-forwarding") == 0 && !value) {
			r->no_agent_forwarding = 0;
		} else if (strcasecmp(name, "no-x11-forwarding") == 0 && !value) {
			r->no_x11_forwarding = 1;
		} else if (strcasecmp(name, "x11-forwarding") == 0 && !value) {
			r->no_x11_forwarding = 0;
		} else if (strcasecmp(name, "from") == 0 && value) {
			if (!ws_addr_list_allows(value, client_ip))
				return 0;
		} else if (strcasecmp(name, "expiry-time") == 0 && value) {
			time_t t = ws_parse_expiry(value);
			if (t < 0 || now >= t)
				return 0;
		} else {
			/* command=, environment=, permitopen=, principals=,
			 * cert-authority, no-user-rc...: not honoured yet, so the
			 * line must not grant more than it says. */
			ws_debug("authorized_keys: option '%s' is not supported; line ignored", name);
			return 0;
		}
	}
	return 1;
}

/* Returns 1 when line (modifiable, NUL-terminated) allows key. */
static int ws_line_matches(char *line, const ssh_key key, const char *client_ip,
    time_t now, struct ws_authkey_restrict *restr)
{
	struct ws_authkey_restrict r = { 0, 0, 0, 0 };
	char *p = line, *type, *b64;
	ssh_key cand = NULL;
	enum ssh_keytypes_e kt;
	int ok = 0;

	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return 0;
	type = p;
	p += strcspn(p, " \t");
	if (*p)
		*p++ = '\0';
	kt = ssh_key_type_from_name(type);
	if (kt == SSH_KEYTYPE_UNKNOWN) {
		/* First field is options: restore it and parse. */
		if (p > type && p[-1] == '\0')
			p[-1] = ' ';
		p = type;
		if (!ws_apply_options(&p, client_ip, now, &r))
			return 0;
		while (isspace((unsigned char)*p))
			p++;
		type = p;
		p += strcspn(p, " \t");
		if (*p)
			*p++ = '\0';
		kt = ssh_key_type_from_name(type);
		if (kt == SSH_KEYTYPE_UNKNOWN)
			return 0;
	}
	while (isspace((unsigned char)*p))
		p++;
	b64 = p;
	p += strcspn(p, " \t");
	*p = '\0';
	if (*b64 == '\0' || ssh_pki_import_pubkey_base64(b64, kt, &cand) != SSH_OK)
		return 0;
	if (ssh_key_cmp(cand, key, SSH_KEY_CMP_PUBLIC) == 0) {
		*restr = r;
		ok = 1;
	}
	ssh_key_free(cand);
	return ok;
}

ws_err ws_authkeys_match_text(const char *text, size_t len, const ssh_key key,
    const char *client_ip, time_t now, struct ws_authkey_restrict *restr)
{
	char *line = NULL;
	size_t start = 0, end;
	ws_err rc = WS_ERR_DENIED;

	if (key == NULL || restr == NULL)
		return WS_ERR_INVALID;
	line = malloc(WS_AUTHKEYS_MAX_LINE + 1);
	if (line == NULL)
		return WS_ERR_NOMEM;
	while (start < len) {
		const char *nl = memchr(text + start, '\n', len - start);
		end = nl ? (size_t)(nl - text) : len;
		if (end - start <= WS_AUTHKEYS_MAX_LINE &&
		    memchr(text + start, '\0', end - start) == NULL) {
			memcpy(line, text + start, end - start);
			line[end - start] = '\0';
			if (end > start && line[end - start - 1] == '\r')
				line[end - start - 1] = '\0';
			if (ws_line_matches(line, key, client_ip, now, restr)) {
				rc = WS_OK;
				break;
			}
		}
		start = end + 1;
	}
	free(line);
	return rc;
}

ws_err ws_authkeys_match_file(const char *path, const ssh_key key,
    const char *client_ip, time_t now, struct ws_authkey_restrict *restr)
{
	struct ws_dynbuf *buf = NULL;
	struct stat st;
	int fd = -1;
	ws_err rc;

	/* O_NONBLOCK: a FIFO (or a device) put there by the account's owner
	 * must not hold the login of everyone else; only a regular file is
	 * read. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		ws_warn("cannot read authorized keys %s: %s", path, strerror(errno));
		rc = WS_ERR_IO;
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		ws_warn("ignoring authorized keys %s: not a regular file", path);
		rc = WS_ERR_IO;
		goto out;
	}
	if ((buf = ws_dynbuf_new(WS_AUTHKEYS_MAX_FILE)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	if ((rc = ws_dynbuf_add_fd(buf, fd)) != WS_OK) {
		if (rc != WS_ERR_IO)
			ws_warn("authorized keys %s: %s", path, ws_err_str(rc));
		goto out;
	}
	rc = ws_authkeys_match_text(ws_dynbuf_ptr(buf), ws_dynbuf_len(buf), key,
	    client_ip, now, restr);
out:
	if (fd >= 0)
		close(fd);
	ws_dynbuf_free(buf);
	return rc;
}
