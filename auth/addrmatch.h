/* addrmatch.h — matching a client address against OpenSSH-style address
 * lists ("192.0.2.0/24,!192.0.2.7,10.*", IPv4 and IPv6 CIDR, wildcards). */
#ifndef WSGATE_ADDRMATCH_H
#define WSGATE_ADDRMATCH_H

#include <stddef.h>

#include "wserr.h"

/* Returns 1 when ip is allowed by the comma-separated list with OpenSSH
 * from= semantics: any negated match refuses, otherwise at least one
 * positive match is needed. Host names are not resolved. */
int ws_addr_list_allows(const char *list, const char *ip);

/* Returns WS_OK when every entry of list is one ws_addr_list_allows() can
 * match: an address, a CIDR block with no bits set past its prefix, or a
 * wildcard of address characters ('*', '?'), each maybe negated with '!'.
 * Otherwise WS_ERR_INVALID with a reason in why: a host name (never
 * resolved, so never matched), an empty entry, a bad block. */
ws_err ws_addr_list_check(const char *list, char *why, size_t whylen);

/* Writes ip to out (outlen bytes) with an IPv4-mapped IPv6 address
 * ("::ffff:192.0.2.1", what a socket bound to "::" reports for IPv4
 * clients) written as the IPv4 address it is, like OpenSSH's
 * ipv64_normalise_mapped; any other text is copied as it is. */
void ws_addr_normalise(const char *ip, char *out, size_t outlen);

/* Writes the source ip counts against (per-source limits and penalties) to
 * out: an IPv4 address, also when IPv4-mapped, or an IPv6 address's /64
 * ("2001:db8::/64"). OpenSSH's PerSourceNetBlockSize default counts each
 * IPv6 address alone; one host may hold a whole /64, so it is one source. */
void ws_addr_source(const char *ip, char *out, size_t outlen);

#endif
