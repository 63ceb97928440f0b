#include "hostport.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* One line for any malformed value: what it is, and what it must be. */
static ws_err ws_hostport_bad(const char *setting, const char *text, char *why, size_t whylen)
{
	snprintf(why, whylen, "'%s' is '%.80s', must be \"ADDRESS:PORT\" with an IP address (\"127.0.0.1:9810\", \"[::1]:9810\"), or \"\" for none",
	    setting, text);
	return WS_ERR_CONFIG;
}

ws_err ws_hostport_parse(const char *setting, const char *text, char *addr, int *port,
    char *why, size_t whylen)
{
	char host[WS_HOSTPORT_ADDR_MAX];
	unsigned char bin[sizeof(struct in6_addr)];
	const char *colon, *p;
	size_t hlen;
	long v = 0;
	int v6 = text[0] == '[';

	if (v6) {
		const char *close = strchr(text, ']');
		if (close == NULL || close[1] != ':')
			return ws_hostport_bad(setting, text, why, whylen);
		hlen = (size_t)(close - text - 1);
		colon = close + 1;
	} else {
		colon = strrchr(text, ':');
		if (colon == NULL)
			return ws_hostport_bad(setting, text, why, whylen);
		hlen = (size_t)(colon - text);
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return ws_hostport_bad(setting, text, why, whylen);
	memcpy(host, text + v6, hlen);
	host[hlen] = '\0';
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) != 1)
		return ws_hostport_bad(setting, text, why, whylen);
	/* Digits only, at most 5 of them: no sign, no spaces, no overflow. */
	for (p = colon + 1; *p >= '0' && *p <= '9' && p - colon <= 5; p++)
		v = v * 10 + (*p - '0');
	if (p == colon + 1 || *p != '\0' || v < 1 || v > 65535) {
		snprintf(why, whylen, "'%s' is '%.80s': its port must be from 1 to 65535", setting, text);
		return WS_ERR_CONFIG;
	}
	memcpy(addr, host, hlen + 1);
	*port = (int)v;
	return WS_OK;
}

ws_err ws_config_check_metrics(const struct ws_config *cfg, char *err, size_t errlen)
{
	char addr[WS_HOSTPORT_ADDR_MAX];
	int port = 0;

	if (cfg->metrics_listen == NULL || cfg->metrics_listen[0] == '\0')
		return WS_OK;
	if (ws_hostport_parse("metrics_listen", cfg->metrics_listen, addr, &port, err, errlen) != WS_OK)
		return WS_ERR_CONFIG;
	if (port == cfg->listen_port && strcmp(addr, cfg->listen_address) == 0) {
		snprintf(err, errlen, "'metrics_listen' (%s) is the SSH listener's own address and port: pick another port",
		    cfg->metrics_listen);
		return WS_ERR_CONFIG;
	}
	return WS_OK;
}
