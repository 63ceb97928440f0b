/* addrmatch.h — matching a client address against OpenSSH-style address
 * lists ("192.0.2.0/24,!192.0.2.7,10.*", IPv4 and IPv6 CIDR, wildcards). */
#ifndef WSGATE_ADDRMATCH_H
#define WSGATE_ADDRMATCH_H

/* Returns 1 when ip is allowed by the comma-separated list with OpenSSH
 * from= semantics: any negated match refuses, otherwise at least one
 * positive match is needed. Host names are not resolved. */
int ws_addr_list_allows(const char *list, const char *ip);

#endif
