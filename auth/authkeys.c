#include "authkeys.h"

#include <ctype.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

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

/* The options a line may carry (restrict and its undoing, from=, expiry-time=). */
#define WS_OPTIONS_HONOURED "restrict, [no-]pty, [no-]port-forwarding, [no-]agent-forwarding, " \
	"[no-]x11-forwarding, from=, expiry-time="

/* Writes a reason into why when there is room for one (a login passes NULL). */
static void ws_why(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ws_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized): va_start is above
	va_end(ap);
}

/* Sets one of the on/off restrictions; returns 0 when name is none of them. */
static int ws_flag_option(const char *name, struct ws_authkey_restrict *r)
{
	static const struct {
		const char *name;
		size_t offset;
	} flags[] = {
		{ "pty", offsetof(struct ws_authkey_restrict, no_pty) },
		{ "port-forwarding", offsetof(struct ws_authkey_restrict, no_port_forwarding) },
		{ "agent-forwarding", offsetof(struct ws_authkey_restrict, no_agent_forwarding) },
		{ "x11-forwarding", offsetof(struct ws_authkey_restrict, no_x11_forwarding) },
	};
	int no = strncasecmp(name, "no-", 3) == 0;
	size_t i;

	for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (strcasecmp(name + (no ? 3 : 0), flags[i].name) == 0) {
			*(int *)(void *)((char *)r + flags[i].offset) = no;
			return 1;
		}
	}
	return 0;
}

/* Applies the options at *pp (advancing it past them). A login passes its
 * client's address; a check passes NULL and gets in why what the gateway
 * would object to. Returns 1 when every option is understood and allows
 * this login (or, checking, could allow one), 0 otherwise. */
static int ws_apply_options(char **pp, const char *client_ip, time_t now,
    struct ws_authkey_restrict *r, char *why, size_t whylen)
{
	char *name, *value;
	int last = 0, flag;

	while (!last) {
		last = ws_next_option(pp, &name, &value);
		if (last < 0) {
			ws_why(why, whylen, "malformed options: write them as name or name=\"value\", "
			    "separated by commas, then a space and the key");
			return 0;
		}
		flag = strcasecmp(name, "restrict") == 0 || ws_flag_option(name, r);
		if (flag && value != NULL) {
			ws_why(why, whylen, "option '%.40s' takes no value", name);
			return 0;
		}
		if (flag) {
			if (strcasecmp(name, "restrict") == 0) {
				r->no_pty = r->no_port_forwarding = 1;
				r->no_agent_forwarding = r->no_x11_forwarding = 1;
			}
		} else if ((strcasecmp(name, "from") == 0 || strcasecmp(name, "expiry-time") == 0) &&
		    value == NULL) {
			ws_why(why, whylen, "option '%.40s' needs a value: %.40s=\"...\"", name, name);
			return 0;
		} else if (strcasecmp(name, "from") == 0) {
			/* A login refuses exactly the lists the check refuses (a
			 * host name, an empty entry, a block with bits past its
			 * prefix: OpenSSH refuses those too), so that ws key and
			 * wsgate -t never call a line dead that still lets in. */
			if (ws_addr_list_check(value, why, whylen) != WS_OK)
				return 0;
			if (client_ip != NULL && !ws_addr_list_allows(value, client_ip))
				return 0;
		} else if (strcasecmp(name, "expiry-time") == 0) {
			time_t t = ws_parse_expiry(value);
			if (t < 0) {
				ws_why(why, whylen, "expiry-time=\"%.40s\" is not YYYYMMDD[HHMM[SS]]", value);
				return 0;
			}
			if (now >= t) {
				ws_why(why, whylen, "expiry-time=\"%.40s\" has passed: the key would never be accepted",
				    value);
				return 0;
			}
		} else {
			/* command=, environment=, permitopen=, principals=,
			 * cert-authority, no-user-rc...: not honoured yet, so the
			 * line must not grant more than it says. */
			ws_debug("authorized_keys: option '%s' is not supported; line ignored", name);
			ws_why(why, whylen, "option '%.40s' is not one wsgate honours, so the gateway ignores "
			    "this line (it honours " WS_OPTIONS_HONOURED ")", name);
			return 0;
		}
	}
	return 1;
}

/* Does the base64 blob say it is a key of type? libssh reads the key by the
 * line's type, so an ecdsa-sha2-nistp384 blob under ecdsa-sha2-nistp256
 * would be taken as a key no client could offer. */
static int ws_blob_type_is(const char *b64, const char *type, char *why, size_t whylen)
{
	unsigned char head[128];
	size_t n = strlen(b64), take = n < 128 ? n / 4 * 4 : 128, tlen, i;
	int printable = 1;

	/* The first 96 bytes hold the type; at most 128 base64 characters. */
	if (take < 8 || EVP_DecodeBlock(head, (const unsigned char *)b64, (int)take) < 4)
		return 1; /* too short to say: libssh has judged it */
	tlen = (size_t)head[0] << 24 | (size_t)head[1] << 16 | (size_t)head[2] << 8 | head[3];
	if (tlen > take / 4 * 3 - 4 || (tlen == strlen(type) && memcmp(head + 4, type, tlen) == 0))
		return 1;
	for (i = 0; i < tlen; i++)
		printable = printable && isgraph(head[4 + i]);
	if (printable && tlen < 64)
		ws_why(why, whylen, "the key is of type %.*s, but the line says %.40s", (int)tlen,
		    (const char *)head + 4, type);
	else
		ws_why(why, whylen, "the data after '%.40s' is not a key of that type", type);
	return 0;
}

/* Cuts the next space-separated field at *pp, advancing *pp past the spaces
 * after it; returns the field ("" at the end of the line). */
static char *ws_field(char **pp)
{
	char *f = *pp, *p = f + strcspn(f, " \t");

	if (*p != '\0')
		*p++ = '\0';
	while (isspace((unsigned char)*p))
		p++;
	*pp = p;
	return f;
}

/* Reads line (modifiable, NUL-terminated) as the gateway does. A login
 * passes its client's address, a check NULL (then why says what is wrong).
 * Returns WS_OK with the key in *key and the restrictions in *r (and the
 * comment, a pointer into line, in *comment when asked); WS_ERR_NOT_FOUND
 * for a blank or comment line; WS_ERR_INVALID when the line is not used. */
static ws_err ws_line_read(char *line, const char *client_ip, time_t now,
    struct ws_authkey_restrict *r, ssh_key *key, char **comment, char *why, size_t whylen)
{
	char *p = line, *type, *b64;
	enum ssh_keytypes_e kt;

	memset(r, 0, sizeof(*r));
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0' || *p == '#')
		return WS_ERR_NOT_FOUND;
	if (strncmp(p, "-----BEGIN", 10) == 0 && strstr(p, "PRIVATE KEY") != NULL) {
		ws_why(why, whylen, "this is a private key: give its public half (the .pub file)");
		return WS_ERR_INVALID;
	}
	if (strncmp(p, "---- BEGIN SSH2 PUBLIC KEY", 26) == 0) {
		ws_why(why, whylen, "an RFC 4716 public key: convert it with ssh-keygen -i -f FILE");
		return WS_ERR_INVALID;
	}
	type = p;
	p += strcspn(p, " \t");
	if (*p)
		*p++ = '\0';
	kt = ssh_key_type_from_name(type);
	if (kt == SSH_KEYTYPE_UNKNOWN) {
		/* A key type we do not know looks like an option: say which. */
		if (client_ip == NULL && strchr(type, '=') == NULL && strchr(type, ',') == NULL &&
		    strcasecmp(type, "restrict") != 0 && !ws_flag_option(type, r) &&
		    strncmp(p + strspn(p, " \t"), "AAAA", 4) == 0) {
			ws_why(why, whylen, "'%.40s' is not a key type wsgate takes (ssh-ed25519, "
			    "ecdsa-sha2-nistp256/384/521, ssh-rsa, their sk- forms)", type);
			return WS_ERR_INVALID;
		}
		/* First field is options: restore it and parse. */
		if (p > type && p[-1] == '\0')
			p[-1] = ' ';
		p = type;
		if (!ws_apply_options(&p, client_ip, now, r, why, whylen))
			return WS_ERR_INVALID;
		while (isspace((unsigned char)*p))
			p++;
		type = ws_field(&p);
		kt = ssh_key_type_from_name(type);
		if (kt == SSH_KEYTYPE_UNKNOWN && *type == '\0')
			ws_why(why, whylen, "no key after the options");
		else if (kt == SSH_KEYTYPE_UNKNOWN)
			ws_why(why, whylen, "'%.40s' is not a key type wsgate takes", type);
		if (kt == SSH_KEYTYPE_UNKNOWN)
			return WS_ERR_INVALID;
	} else {
		while (isspace((unsigned char)*p))
			p++;
	}
	b64 = ws_field(&p);
	if (*b64 == '\0') {
		ws_why(why, whylen, "no key after '%.40s'", type);
		return WS_ERR_INVALID;
	}
	if (client_ip == NULL && !ws_blob_type_is(b64, type, why, whylen))
		return WS_ERR_INVALID;
	if (ssh_pki_import_pubkey_base64(b64, kt, key) != SSH_OK) {
		ws_why(why, whylen, "the %.40s key does not parse (cut short or damaged?)", type);
		return WS_ERR_INVALID;
	}
	if (comment != NULL)
		*comment = p;
	return WS_OK;
}

/* Returns 1 when line (modifiable, NUL-terminated) allows key. */
static int ws_line_matches(char *line, const ssh_key key, const char *client_ip,
    time_t now, struct ws_authkey_restrict *restr)
{
	struct ws_authkey_restrict r;
	ssh_key cand = NULL;
	int ok = 0;

	if (ws_line_read(line, client_ip, now, &r, &cand, NULL, NULL, 0) != WS_OK)
		return 0;
	if (ssh_key_cmp(cand, key, SSH_KEY_CMP_PUBLIC) == 0) {
		*restr = r;
		ok = 1;
	}
	ssh_key_free(cand);
	return ok;
}

ws_err ws_authkeys_parse_line(const char *line, ssh_key *key, char **comment, char *why,
    size_t whylen)
{
	struct ws_authkey_restrict r;
	size_t len = strnlen(line, WS_AUTHKEYS_MAX_LINE + 1), end;
	char *copy = NULL, *c = NULL, *cmt = NULL;
	ssh_key k = NULL;
	ws_err rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (len > WS_AUTHKEYS_MAX_LINE) {
		ws_why(why, whylen, "longer than %d bytes: the gateway skips it", WS_AUTHKEYS_MAX_LINE);
		return WS_ERR_INVALID;
	}
	if ((copy = strndup(line, len)) == NULL)
		return WS_ERR_NOMEM;
	/* A login reads "\r\n" line ends as "\n". */
	if (len > 0 && copy[len - 1] == '\r')
		copy[len - 1] = '\0';
	if ((rc = ws_line_read(copy, NULL, time(NULL), &r, &k, &c, why, whylen)) != WS_OK)
		goto out;
	end = strlen(c);
	while (end > 0 && isspace((unsigned char)c[end - 1]))
		end--;
	if (comment != NULL && (cmt = strndup(c, end)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	if (key != NULL) {
		*key = k;
		k = NULL;
	}
	if (comment != NULL)
		*comment = cmt;
out:
	ssh_key_free(k);
	free(copy);
	return rc;
}

ws_err ws_authkeys_check_line(const char *line, char *why, size_t whylen)
{
	return ws_authkeys_parse_line(line, NULL, NULL, why, whylen);
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
