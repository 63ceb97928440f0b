#include "options.h"

#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "addrmatch.h"
#include "hostport.h"
#include "policy.h"
#include "recording.h"

/* Validators of single values (ws_opt_check_fn): the table names them. */

static int ws_check_abs_path(const char *v, char *why, size_t whylen)
{
	if (v[0] == '/')
		return 1;
	snprintf(why, whylen, "'%s' is not an absolute path (write it from /)", v);
	return 0;
}

static int ws_check_abs_path_or_empty(const char *v, char *why, size_t whylen)
{
	return v[0] == '\0' || ws_check_abs_path(v, why, whylen);
}

/* An address literal or a host name; whether it resolves is wsgate -t's. */
static int ws_check_host(const char *v, char *why, size_t whylen)
{
	unsigned char a[16];
	size_t n = strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-");

	if (inet_pton(AF_INET6, v, a) == 1 || inet_pton(AF_INET, v, a) == 1)
		return 1;
	if (v[n] == '\0' && v[0] != '-' && v[0] != '.' && strspn(v, "0123456789.") != n)
		return 1;
	snprintf(why, whylen, "'%s' is neither an IPv4 or IPv6 address nor a host name", v);
	return 0;
}

static int ws_check_pam_service(const char *v, char *why, size_t whylen)
{
	if (v[strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")] == '\0' &&
	    v[0] != '.')
		return 1;
	snprintf(why, whylen, "'%s' is not a PAM service name (a file name in /etc/pam.d)", v);
	return 0;
}

static int ws_check_user_name(const char *v, char *why, size_t whylen)
{
	if (v[strspn(v, "abcdefghijklmnopqrstuvwxyz0123456789_-")] == '\0' && v[0] != '-')
		return 1;
	snprintf(why, whylen, "'%s' is not a user name (lowercase letters, digits, _ and -)", v);
	return 0;
}

static int ws_check_auth_url(const char *v, char *why, size_t whylen)
{
	if (v[0] == '\0' || strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0)
		return 1;
	snprintf(why, whylen, "'%s' must start with http:// or https://", v);
	return 0;
}

static int ws_check_access(const char *v, char *why, size_t whylen)
{
	return ws_policy_access_entry_check(v, why, whylen) == WS_OK;
}

static int ws_check_create(const char *v, char *why, size_t whylen)
{
	return ws_policy_create_entry_check(v, why, whylen) == WS_OK;
}

static int ws_check_addr_list(const char *v, char *why, size_t whylen)
{
	return ws_addr_list_check(v, why, whylen) == WS_OK;
}

/* KEY=VALUE that sshd's SetEnv can carry; WSGATE_* is the gateway's own. */
static int ws_check_env(const char *v, char *why, size_t whylen)
{
	size_t k = strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789");

	if (k == 0 || (v[0] >= '0' && v[0] <= '9') || v[k] != '=' ||
	    strpbrk(v + k + 1, "\"\\\n\r") != NULL || strncmp(v, "WSGATE_", 7) == 0) {
		snprintf(why, whylen, "must be KEY=VALUE (KEY of letters, digits and _, not WSGATE_*; VALUE without quotes, backslashes or newlines)");
		return 0;
	}
	return 1;
}

static int ws_check_files(const char *v, char *why, size_t whylen)
{
	const char *colon = strchr(v, ':');

	if (v[0] != '/' || colon == NULL || colon[1] != '/' || strchr(colon + 1, ':') != NULL) {
		snprintf(why, whylen, "'%s' must be SOURCE:DEST, both absolute paths", v);
		return 0;
	}
	return 1;
}

static int ws_check_max_startups(const char *v, char *why, size_t whylen)
{
	struct ws_startups su;

	return ws_startups_parse(v, &su, why, whylen) == WS_OK;
}

static int ws_check_record_workspace(const char *v, char *why, size_t whylen)
{
	return ws_recording_entry_check(v, why, whylen) == WS_OK;
}

static int ws_check_record_dir(const char *v, char *why, size_t whylen)
{
	if (v[0] == '/' && strcmp(v, "/") != 0)
		return 1;
	snprintf(why, whylen, "'%s' must be an absolute directory other than / (like /var/lib/wsgate/recordings)", v);
	return 0;
}

static int ws_check_backup_dir(const char *v, char *why, size_t whylen)
{
	if (v[0] == '/' && strcmp(v, "/") != 0)
		return 1;
	snprintf(why, whylen, "'%s' must be an absolute directory other than / (like /var/lib/wsgate/backups)", v);
	return 0;
}

static int ws_check_metrics_listen(const char *v, char *why, size_t whylen)
{
	char addr[WS_HOSTPORT_ADDR_MAX];
	int port;

	return v[0] == '\0' ||
	    ws_hostport_parse("metrics_listen", v, addr, &port, why, whylen) == WS_OK;
}

static int ws_check_log_target(const char *v, char *why, size_t whylen)
{
	if (strcmp(v, "stderr") == 0 || strcmp(v, "syslog") == 0 || strcmp(v, "journal") == 0 ||
	    v[0] == '/')
		return 1;
	snprintf(why, whylen, "'%s' must be stderr, syslog, journal or an absolute path", v);
	return 0;
}

#define OFF(f) offsetof(struct ws_config, f)

const struct ws_option ws_options[] = {
	{ "listen_address", WS_OPT_STRING, OFF(listen_address), 1, 255, 0, "127.0.0.1",
	  "Address the gateway listens on (IPv4 or IPv6 literal, or a host name).", 0, NULL, ws_check_host },
	{ "listen_port", WS_OPT_INT, OFF(listen_port), 1, 65535, 2222, NULL,
	  "TCP port the gateway listens on.", 0, NULL, NULL },
	{ "host_key", WS_OPT_STRING, OFF(host_key), 1, 4095, 0, "/var/lib/wsgate/host_ed25519_key",
	  "Gateway's ed25519 host key; generated on first start when absent.", 0, NULL, ws_check_abs_path },
	{ "user_ca_key", WS_OPT_STRING, OFF(user_ca_key), 1, 4095, 0, "/var/lib/wsgate/user_ca_ed25519_key",
	  "The user certificate authority workspaces trust (an unencrypted ed25519 OpenSSH key; made with its .pub when absent): each connection logs in to its workspace with a fresh key and a certificate valid 60 s for that workspace only. Gateways sharing an engine must share it.", 0, NULL, ws_check_abs_path },
	{ "client_key", WS_OPT_STRING, OFF(client_key), 1, 4095, 0, "/var/lib/wsgate/client_ed25519_key",
	  "No longer used: the one key of wsgate before its certificate authority. Workspaces made then are moved to the CA (a running one is told to trust it, a stopped one is made anew at its next start); delete the file.", 0, NULL, ws_check_abs_path },
	{ "keys_dir", WS_OPT_STRING, OFF(keys_dir), 1, 4095, 0, "/etc/wsgate/keys",
	  "Directory of per-account key files: the file named ACCOUNT holds that account's public keys in authorized_keys format.", 0, NULL, ws_check_abs_path },
	{ "host_accounts", WS_OPT_BOOL, OFF(host_accounts), 0, 1, 0, NULL,
	  "true = host accounts (uid from host_uid_min) are accounts too: their ~/.ssh/authorized_keys, and their passwords through PAM. Off by default: with it, every host user with a password or a key can log in (and, with create and docker_in_docker, make a root-equivalent workspace) as soon as the listener is reachable; turn it on knowingly (wsgate -t warns about the combination).", 0, NULL, NULL },
	{ "host_uid_min", WS_OPT_INT, OFF(host_uid_min), 0, 2147483647, 1000, NULL,
	  "Lowest uid of a host account wsgate accepts (root and system accounts stay out by default).", 0, NULL, NULL },
	{ "pam_service", WS_OPT_STRING, OFF(pam_service), 0, 64, 0, "wsgate",
	  "PAM service for passwords and keyboard-interactive, and the account stage of host accounts; empty = no PAM.", 0, NULL, ws_check_pam_service },
	{ "auth_url", WS_OPT_STRING, OFF(auth_url), 0, 2047, 0, "",
	  "HTTP(S) endpoint asked about logins no local source accepts (see docs/auth.md); empty = none.", 0, NULL, ws_check_auth_url },
	{ "auth_url_timeout", WS_OPT_INT, OFF(auth_url_timeout), 1, 120, 10, NULL,
	  "Seconds one call to auth_url may take.", 0, NULL, NULL },
	{ "access", WS_OPT_LIST, OFF(access), 0, 1000, 0, "",
	  "Who may enter workspaces besides their owner: entries \"WORKSPACE: ACCOUNT @GROUP ...\"; WORKSPACE * means every workspace.", 0, NULL, ws_check_access },
	{ "create", WS_OPT_LIST, OFF(create), 0, 1000, 0, "*",
	  "Who may create a workspace by logging in to one that does not exist: * (everyone), ACCOUNT or @GROUP entries; [] = nobody.", 0, NULL, ws_check_create },
	{ "docker_socket", WS_OPT_STRING, OFF(docker_socket), 1, 107, 0, "/var/run/docker.sock",
	  "Unix socket of the Docker Engine API.", 0, NULL, ws_check_abs_path },
	{ "image", WS_OPT_STRING, OFF(image), 1, 255, 0, "workspace:latest",
	  "Image new workspaces are created from.", 0, NULL, NULL },
	{ "publish_address", WS_OPT_STRING, OFF(publish_address), 1, 255, 0, "127.0.0.1",
	  "Host address workspace sshd ports are published on, and that the gateway connects to.", 0, NULL, ws_check_host },
	{ "port_min", WS_OPT_INT, OFF(port_min), 1, 65535, 2200, NULL,
	  "Lowest host port for workspace sshd.", 0, NULL, NULL },
	{ "port_max", WS_OPT_INT, OFF(port_max), 1, 65535, 2400, NULL,
	  "Highest host port for workspace sshd.", 0, NULL, NULL },
	{ "workspace_user", WS_OPT_STRING, OFF(workspace_user), 1, 32, 0, "workspace",
	  "User the gateway logs in as inside workspaces.", 0, NULL, ws_check_user_name },
	{ "env", WS_OPT_LIST, OFF(env), 0, 256, 0, "",
	  "Environment of every session in new workspaces: \"KEY=VALUE\" entries (credentials, tokens). Account files add theirs.", 1, NULL, ws_check_env },
	{ "files", WS_OPT_LIST, OFF(files), 0, 64, 0, "",
	  "Files copied into new workspaces: \"SOURCE:DEST\" (SOURCE on the gateway host, at most 64 KiB of text; DEST absolute; under /home/workspace owned by the user). Account files add theirs.", 1, NULL, ws_check_files },
	{ "cpu_millis", WS_OPT_INT, OFF(cpu_millis), 0, 1024000, 0, NULL,
	  "CPU limit of new workspaces in thousandths of a CPU (1500 = 1.5 CPUs); 0 = none.", 1, NULL, NULL },
	{ "memory_mb", WS_OPT_INT, OFF(memory_mb), 0, 4194304, 0, NULL,
	  "Memory limit of new workspaces in MiB; 0 = none.", 1, NULL, NULL },
	{ "docker_in_docker", WS_OPT_STRING, OFF(docker_in_docker), 2, 10, 0, "off",
	  "Docker daemon inside new workspaces: \"caps\" (CAP_SYS_ADMIN and CAP_NET_ADMIN, unconfined seccomp and AppArmor), \"privileged\" (the engine's privileged mode), or \"off\". Either on is root-equivalent on the host, so it is off unless an administrator turns it on, for everyone here or per account (scripts/run.sh does so for the account it makes, whose user is root-equivalent already).", 1, "caps privileged off", NULL },
	{ "post_start", WS_OPT_LIST, OFF(post_start), 0, 64, 0, "",
	  "Shell commands run inside a workspace (as its user, bash -lc) each time wsgate or ws starts it; output goes to the log.", 1, NULL, NULL },
	{ "post_start_timeout", WS_OPT_INT, OFF(post_start_timeout), 1, 3600, 300, NULL,
	  "Seconds all post_start commands of one start may take.", 0, NULL, NULL },
	{ "clone_timeout", WS_OPT_INT, OFF(clone_timeout), 1, 3600, 600, NULL,
	  "Seconds the clone of a workspace's repository (ws create --clone) may take at one start.", 0, NULL, NULL },
	{ "idle_stop", WS_OPT_INT, OFF(idle_stop), 0, 2592000, 0, NULL,
	  "Stop a running workspace after this many seconds without any session (0 = never).", 0, NULL, NULL },
	{ "accounts_dir", WS_OPT_STRING, OFF(accounts_dir), 1, 4095, 0, "/etc/wsgate/accounts",
	  "Directory of per-account settings: ACCOUNT.conf may set env, files, cpu_millis, memory_mb, docker_in_docker, post_start, record.", 0, NULL, ws_check_abs_path },
	{ "docker_timeout", WS_OPT_INT, OFF(docker_timeout), 1, 600, 30, NULL,
	  "Seconds one Docker Engine API call may take.", 0, NULL, NULL },
	{ "sshd_wait_timeout", WS_OPT_INT, OFF(sshd_wait_timeout), 1, 600, 60, NULL,
	  "Seconds to wait for a started workspace's sshd to answer.", 0, NULL, NULL },
	{ "login_grace_time", WS_OPT_INT, OFF(login_grace_time), 1, 3600, 60, NULL,
	  "Seconds a client has to authenticate.", 0, NULL, NULL },
	{ "max_auth_tries", WS_OPT_INT, OFF(max_auth_tries), 1, 100, 6, NULL,
	  "Authentication attempts allowed per connection.", 0, NULL, NULL },
	{ "max_channels", WS_OPT_INT, OFF(max_channels), 1, 1024, 256, NULL,
	  "Channels open or opening at once on one connection (sessions, forwards, agent, X11); each holds at most about 4 MiB in flight (its windows).", 0, NULL, NULL },
	{ "max_session_memory", WS_OPT_INT, OFF(max_session_memory), 16, 65536, 1536, NULL,
	  "MiB a connection's process may reach; past it the connection is ended with a line (a peer that stops reading while sending requests libssh answers by itself makes it grow; libssh's buffers grow by doubling, so the peak may reach about twice this). About 20 MiB is typical; keep it above max_channels times 4 MiB for busy connections.", 0, NULL, NULL },
	{ "max_startups", WS_OPT_STRING, OFF(max_startups), 1, 20, 0, "10:30:100",
	  "Connections not yet authenticated at once, as OpenSSH MaxStartups: \"START:RATE:FULL\" drops a new one with probability RATE% once START are authenticating, rising to 100% at FULL; \"N\" (or the integer N) drops from N on.", 0, NULL, ws_check_max_startups },
	{ "per_source_max_startups", WS_OPT_INT, OFF(per_source_max_startups), 0, 100000, 6, NULL,
	  "Connections not yet authenticated at once from one source (an IPv4 address or an IPv6 /64), as OpenSSH PerSourceMaxStartups; more from it are dropped, so one address cannot fill max_startups. 0 = no per-source cap.", 0, NULL, NULL },
	{ "penalty_authfail", WS_OPT_INT, OFF(penalty_authfail), 0, 3600, 5, NULL,
	  "Seconds of penalty an address earns for a connection that ends with failed logins (0 = no penalties).", 0, NULL, NULL },
	{ "penalty_grace", WS_OPT_INT, OFF(penalty_grace), 0, 3600, 10, NULL,
	  "Seconds of penalty an address earns for a connection still not logged in when login_grace_time ends (OpenSSH's grace-exceeded), added to penalty_authfail when it also failed; 0 = none.", 0, NULL, NULL },
	{ "penalty_crash", WS_OPT_INT, OFF(penalty_crash), 0, 3600, 90, NULL,
	  "Seconds of penalty a source earns when a connection's process dies of a signal before login (OpenSSH's crash penalty: someone probing for memory errors); 0 = none.", 0, NULL, NULL },
	{ "penalty_min", WS_OPT_INT, OFF(penalty_min), 1, 3600, 15, NULL,
	  "An address is refused while its penalty has at least this many seconds left.", 0, NULL, NULL },
	{ "penalty_max", WS_OPT_INT, OFF(penalty_max), 1, 86400, 600, NULL,
	  "Longest penalty an address can accumulate, in seconds.", 0, NULL, NULL },
	{ "penalty_exempt", WS_OPT_LIST, OFF(penalty_exempt), 0, 256, 0, "",
	  "Addresses never penalised, like OpenSSH PerSourcePenaltyExemptList: entries \"192.0.2.0/24\", \"2001:db8::/32\", \"10.*\".", 0, NULL, ws_check_addr_list },
	{ "client_alive_interval", WS_OPT_INT, OFF(client_alive_interval), 0, 86400, 0, NULL,
	  "Seconds between the gateway's keepalives to an idle client (0 = off), as OpenSSH ClientAliveInterval.", 0, NULL, NULL },
	{ "client_alive_count_max", WS_OPT_INT, OFF(client_alive_count_max), 1, 100, 3, NULL,
	  "Keepalive intervals a client may leave unacknowledged before its connection is dropped.", 0, NULL, NULL },
	{ "privsep_user", WS_OPT_STRING, OFF(privsep_user), 0, 32, 0, "wsgate",
	  "The unprivileged user of a session's sandbox: once a connection has logged in and reached its workspace, the process that bridges its channels runs as this user, with no groups, chrooted to an empty directory, with only its sockets open, under a seccomp filter; a root parent keeps the audit log and the rest. scripts/setup.sh makes the user. Empty = no sandbox (the bridge stays root).", 0, NULL, ws_check_user_name },
	{ "record", WS_OPT_STRING, OFF(record), 3, 6, 0, "off",
	  "Session recording of this account's pty sessions (docs/recording.md): \"off\", \"output\" (what the terminal shows) or \"input\" (that, and every key typed: passwords at prompts that do not echo too). Asciicast v2 files in record_dir, written by the gateway's root side.", 1, "off output input", NULL },
	{ "record_workspaces", WS_OPT_LIST, OFF(record_workspaces), 0, 1000, 0, "",
	  "Workspaces whose pty sessions are recorded for every account: entries \"NAME\" (output) or \"NAME:input\"; an account's own record, if stronger, wins.", 0, NULL, ws_check_record_workspace },
	{ "record_dir", WS_OPT_STRING, OFF(record_dir), 2, 4095, 0, "/var/lib/wsgate/recordings",
	  "Directory of the recordings, made 0700 root when absent; each file 0600 root, named TIME_ACCOUNT_WORKSPACE_PID-N.cast.", 0, NULL, ws_check_record_dir },
	{ "record_max_mb", WS_OPT_INT, OFF(record_max_mb), 1, 65536, 64, NULL,
	  "MiB one recording may reach; past it a marker ends the file, one line is logged and the session goes on unrecorded.", 0, NULL, NULL },
	{ "backup_dir", WS_OPT_STRING, OFF(backup_dir), 2, 4095, 0, "/var/lib/wsgate/backups",
	  "Directory of the backup ws rebuild takes before it changes anything (NAME-TIME.tar.zst, 0600 root; the directory is made 0700 root when absent). ws backup writes where -o says.", 0, NULL, ws_check_backup_dir },
	{ "restore_max_mb", WS_OPT_INT, OFF(restore_max_mb), 1, 16777216, 65536, NULL,
	  "MiB of volume data (the parts' tar bytes) one restore may unpack; past it the restore stops and leaves nothing. A restore over SSH sends whatever its sender likes, and zstd makes a few MB of zeros into gigabytes; the engine's disk is every workspace's.", 0, NULL, NULL },
	{ "backup_idle_timeout", WS_OPT_INT, OFF(backup_idle_timeout), 5, 3600, 120, NULL,
	  "Seconds a backup waits for its archive's reader, or a restore for its archive's sender, to move a byte before it gives up: a stalled pipe or SSH client must not keep a workspace paused, or a helper and its volumes, for ever.", 0, NULL, NULL },
	{ "audit_log", WS_OPT_STRING, OFF(audit_log), 0, 4095, 0, "",
	  "File that gets one line per authentication attempt and per session start and end (appended); empty = stderr.", 0, NULL, ws_check_abs_path_or_empty },
	{ "metrics_listen", WS_OPT_STRING, OFF(metrics_listen), 0, 80, 0, "",
	  "Address and port of the metrics and health endpoints (/metrics in Prometheus text, /healthz, /readyz; see docs/metrics.md): \"127.0.0.1:9810\", \"[::1]:9810\"; served by a process of its own as privsep_user. Empty = off. Anyone who can reach it sees the counts: keep it on loopback or a management network.", 0, NULL, ws_check_metrics_listen },
	{ "log_level", WS_OPT_STRING, OFF(log_level), 4, 5, 0, "info",
	  "One of error, warn, info, debug.", 0, "error warn info debug", NULL },
	{ "log_format", WS_OPT_STRING, OFF(log_format), 4, 4, 0, "text",
	  "Form of log lines: \"text\" (LEVEL message) or \"json\" (one object per line: time, level, tag, msg).", 0, "text json", NULL },
	{ "log_target", WS_OPT_STRING, OFF(log_target), 1, 4095, 0, "stderr",
	  "Where log lines go: \"stderr\" (with a time stamp, unless stderr is the systemd journal, which has its own), \"syslog\" (facility daemon), \"journal\" (systemd's journal, with its priority), or an absolute path of a file (appended; reopened on SIGHUP for rotation).", 0, NULL, ws_check_log_target },
	{ NULL, WS_OPT_INT, 0, 0, 0, 0, NULL, NULL, 0, NULL, NULL },
};

const struct ws_option *ws_option_find(const char *name)
{
	const struct ws_option *o;

	for (o = ws_options; o->name != NULL; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

size_t ws_option_index(const struct ws_option *o)
{
	return (size_t)(o - ws_options);
}

size_t ws_option_count(void)
{
	return sizeof(ws_options) / sizeof(ws_options[0]) - 1;
}
