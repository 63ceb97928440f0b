#include "addrmatch.h"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Matches one address against "a.b.c.d/len" (IPv4 or IPv6). */
static int ws_cidr_match(const char *ip, const char *cidr)
{
	char net[INET6_ADDRSTRLEN + 8];
	unsigned char a[16], b[16];
	const char *slash = strchr(cidr, '/');
	int fam, bits, maxbits, i;
	char *end;
	long l;

	if (slash == NULL || (size_t)(slash - cidr) >= sizeof(net))
		return 0;
	memcpy(net, cidr, (size_t)(slash - cidr));
	net[slash - cidr] = '\0';
	fam = strchr(net, ':') ? AF_INET6 : AF_INET;
	maxbits = fam == AF_INET6 ? 128 : 32;
	l = strtol(slash + 1, &end, 10);
	if (*end != '\0' || l < 0 || l > maxbits)
		return 0;
	bits = (int)l;
	if (inet_pton(fam, net, b) != 1 || inet_pton(fam, ip, a) != 1)
		return 0;
	for (i = 0; bits > 0; i++, bits -= 8) {
		unsigned char mask = bits >= 8 ? 0xff : (unsigned char)(0xff << (8 - bits));
		if ((a[i] & mask) != (b[i] & mask))
			return 0;
	}
	return 1;
}

void ws_addr_normalise(const char *ip, char *out, size_t outlen)
{
	struct in6_addr a6;
	char v4[INET_ADDRSTRLEN];

	if (inet_pton(AF_INET6, ip, &a6) == 1 && IN6_IS_ADDR_V4MAPPED(&a6) &&
	    inet_ntop(AF_INET, a6.s6_addr + 12, v4, sizeof(v4)) != NULL) {
		snprintf(out, outlen, "%s", v4);
		return;
	}
	snprintf(out, outlen, "%s", ip);
}

void ws_addr_source(const char *addr, char *out, size_t outlen)
{
	struct in6_addr a6;
	char ip[INET6_ADDRSTRLEN + 1], net[INET6_ADDRSTRLEN];

	ws_addr_normalise(addr, ip, sizeof(ip));
	if (inet_pton(AF_INET6, ip, &a6) != 1) {
		snprintf(out, outlen, "%s", ip);
		return;
	}
	memset(a6.s6_addr + 8, 0, 8);
	if (inet_ntop(AF_INET6, &a6, net, sizeof(net)) == NULL)
		snprintf(out, outlen, "%s", ip);
	else
		snprintf(out, outlen, "%s/64", net);
}

int ws_addr_list_allows(const char *list, const char *addr)
{
	char *copy = strdup(list), *save = NULL, *pat, ip[64];
	int ok = 0;

	if (copy == NULL || addr == NULL)
		goto out;
	/* "::ffff:10.1.2.3" is 10.1.2.3: it must meet "!10.0.0.0/8" and "10.*". */
	ws_addr_normalise(addr, ip, sizeof(ip));
	for (pat = strtok_r(copy, ",", &save); pat; pat = strtok_r(NULL, ",", &save)) {
		int neg = pat[0] == '!';
		const char *p = neg ? pat + 1 : pat;
		int hit = strchr(p, '/') ? ws_cidr_match(ip, p) : fnmatch(p, ip, 0) == 0;
		if (hit && neg) {
			ok = 0;
			goto out;
		}
		if (hit)
			ok = 1;
	}
out:
	free(copy);
	return ok;
}

/* Checks one element of a list: [!]CIDR, [!]address, or [!]wildcard. */
static int ws_addr_element_check(const char *el, char *why, size_t whylen)
{
	const char *p = el[0] == '!' ? el + 1 : el, *slash = strchr(p, '/');
	unsigned char a[16];
	char net[INET6_ADDRSTRLEN + 8];
	int fam, maxbits, i, bits;
	char *end;
	long l;

	if (*p == '\0') {
		snprintf(why, whylen, "the list has an empty entry");
		return 0;
	}
	if (slash != NULL) {
		if ((size_t)(slash - p) >= sizeof(net))
			goto bad;
		memcpy(net, p, (size_t)(slash - p));
		net[slash - p] = '\0';
		fam = strchr(net, ':') ? AF_INET6 : AF_INET;
		maxbits = fam == AF_INET6 ? 128 : 32;
		l = strtol(slash + 1, &end, 10);
		if (slash[1] == '\0' || *end != '\0' || l < 0 || l > maxbits ||
		    inet_pton(fam, net, a) != 1)
			goto bad;
		/* As OpenSSH: 192.0.2.1/24 is a typo for 192.0.2.0/24 or /32. */
		for (i = 0, bits = (int)l; i < maxbits / 8; i++, bits -= 8) {
			unsigned char mask = bits >= 8 ? 0xff : bits <= 0 ? 0 : (unsigned char)(0xff << (8 - bits));
			if (a[i] & (unsigned char)~mask) {
				snprintf(why, whylen, "'%s' has bits set past its /%ld prefix", p, l);
				return 0;
			}
		}
		return 1;
	}
	if (strpbrk(p, "*?") != NULL) {
		if (p[strspn(p, "0123456789abcdefABCDEF.:*?")] == '\0')
			return 1;
		goto bad;
	}
	if (inet_pton(AF_INET, p, a) == 1 || inet_pton(AF_INET6, p, a) == 1)
		return 1;
bad:
	snprintf(why, whylen, "'%s' is not an address, a CIDR block (192.0.2.0/24, 2001:db8::/32) or a wildcard (10.*); host names are not matched",
	    p);
	return 0;
}

ws_err ws_addr_list_check(const char *list, char *why, size_t whylen)
{
	const char *p = list;
	char el[INET6_ADDRSTRLEN + 16];
	size_t len;

	do {
		len = strcspn(p, ",");
		if (len >= sizeof(el)) {
			snprintf(why, whylen, "'%.*s...' is too long for an address", 40, p);
			return WS_ERR_INVALID;
		}
		memcpy(el, p, len);
		el[len] = '\0';
		if (!ws_addr_element_check(el, why, whylen))
			return WS_ERR_INVALID;
		p += len;
	} while (*p++ == ',');
	return WS_OK;
}
