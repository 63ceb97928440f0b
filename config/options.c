#include "options.h"

#include "config.h"

#define OFF(f) offsetof(struct ws_config, f)

const struct ws_option ws_options[] = {
	{ "listen_address", WS_OPT_STRING, OFF(listen_address), 1, 255, 0, "127.0.0.1",
	  "Address the gateway listens on (IPv4 or IPv6 literal, or a host name)." },
	{ "listen_port", WS_OPT_INT, OFF(listen_port), 1, 65535, 2222, NULL,
	  "TCP port the gateway listens on." },
	{ "host_key", WS_OPT_STRING, OFF(host_key), 1, 4095, 0, "/var/lib/wsgate/host_ed25519_key",
	  "Gateway's ed25519 host key; generated on first start when absent." },
	{ "client_key", WS_OPT_STRING, OFF(client_key), 1, 4095, 0, "/var/lib/wsgate/client_ed25519_key",
	  "Key the gateway uses to log in to workspaces; generated when absent. Gateways sharing an engine must share it." },
	{ "authorized_keys", WS_OPT_STRING, OFF(authorized_keys), 1, 4095, 0, "/etc/wsgate/authorized_keys",
	  "OpenSSH authorized_keys file of the people allowed in." },
	{ "docker_socket", WS_OPT_STRING, OFF(docker_socket), 1, 107, 0, "/var/run/docker.sock",
	  "Unix socket of the Docker Engine API." },
	{ "image", WS_OPT_STRING, OFF(image), 1, 255, 0, "workspace:latest",
	  "Image new workspaces are created from." },
	{ "publish_address", WS_OPT_STRING, OFF(publish_address), 1, 255, 0, "127.0.0.1",
	  "Host address workspace sshd ports are published on, and that the gateway connects to." },
	{ "port_min", WS_OPT_INT, OFF(port_min), 1, 65535, 2200, NULL,
	  "Lowest host port for workspace sshd." },
	{ "port_max", WS_OPT_INT, OFF(port_max), 1, 65535, 2400, NULL,
	  "Highest host port for workspace sshd." },
	{ "workspace_user", WS_OPT_STRING, OFF(workspace_user), 1, 32, 0, "workspace",
	  "User the gateway logs in as inside workspaces." },
	{ "docker_timeout", WS_OPT_INT, OFF(docker_timeout), 1, 600, 30, NULL,
	  "Seconds one Docker Engine API call may take." },
	{ "sshd_wait_timeout", WS_OPT_INT, OFF(sshd_wait_timeout), 1, 600, 60, NULL,
	  "Seconds to wait for a started workspace's sshd to answer." },
	{ "login_grace_time", WS_OPT_INT, OFF(login_grace_time), 1, 3600, 60, NULL,
	  "Seconds a client has to authenticate." },
	{ "max_auth_tries", WS_OPT_INT, OFF(max_auth_tries), 1, 100, 6, NULL,
	  "Authentication attempts allowed per connection." },
	{ "max_channels", WS_OPT_INT, OFF(max_channels), 1, 1024, 64, NULL,
	  "Channels open at once on one connection." },
	{ "log_level", WS_OPT_STRING, OFF(log_level), 4, 5, 0, "info",
	  "One of error, warn, info, debug." },
	{ NULL, WS_OPT_INT, 0, 0, 0, 0, NULL, NULL },
};
