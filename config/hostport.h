/* hostport.h — "ADDRESS:PORT" settings (metrics_listen): an IPv4 literal,
 * or an IPv6 literal in brackets, and a port. */
#ifndef WSGATE_HOSTPORT_H
#define WSGATE_HOSTPORT_H

#include <stddef.h>

#include "wserr.h"

struct ws_config;

/* Longest address part kept (an IPv6 literal with a zone fits). */
#define WS_HOSTPORT_ADDR_MAX 64

/* Parses text ("127.0.0.1:9810", "[::1]:9810") into addr (without the
 * brackets, WS_HOSTPORT_ADDR_MAX bytes) and *port (1 to 65535). Returns
 * WS_OK, or WS_ERR_CONFIG with one line in why naming setting and the form
 * it must have; addr and *port are set only on success. */
ws_err ws_hostport_parse(const char *setting, const char *text, char *addr, int *port,
    char *why, size_t whylen);

/* Checks cfg->metrics_listen: "" (off) or ADDRESS:PORT as above, on a port
 * other than listen_port's when the addresses are the same. Returns WS_OK
 * or WS_ERR_CONFIG with the reason in err. ws_config_check() calls it. */
ws_err ws_config_check_metrics(const struct ws_config *cfg, char *err, size_t errlen);

#endif
