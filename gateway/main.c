/* wsgate — the SSH front door for containerized workspaces. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libssh/libssh.h>

#include "confcheck.h"
#include "config.h"
#include "configdoc.h"
#include "keys.h"
#include "listener.h"
#include "log.h"
#include "metrics_http.h"
#include "privsep.h"
#include "version.h"

#define WS_DEFAULT_CONFIG "/etc/wsgate/wsgate.conf"

enum ws_mode { WS_MODE_SERVE, WS_MODE_TEST, WS_MODE_DUMP };

static void ws_usage(FILE *out)
{
	fprintf(out,
	    "usage: wsgate [-f FILE] [-d]\n"
	    "       wsgate [-f FILE] -t\n"
	    "       wsgate [-f FILE] -T [-C account=NAME]\n"
	    "  -f FILE          configuration file (default " WS_DEFAULT_CONFIG ", which may be absent: defaults)\n"
	    "  -t               check the configuration as deeply as sshd -t (keys, addresses, directories,\n"
	    "                   account files, key files) and report every problem with file:line; exit 1 on errors\n"
	    "  -T               print the effective settings as a configuration file, then exit\n"
	    "  -C account=NAME  with -T: the settings account NAME gets (its accounts_dir/NAME.conf applied)\n"
	    "  -d               debug logging\n"
	    "  --config-doc     print the settings reference (Markdown)\n"
	    "  --config-man     print the manual page wsgate.conf(5) (roff)\n"
	    "  -h, --help       this text\n"
	    "  -V, --version    print the version\n"
	    "Signals: SIGHUP reloads the configuration and keys for new connections and reopens the logs;\n"
	    "SIGTERM stops listening (sessions in progress continue).\n");
}

/* Prints what d holds to stderr; for -t, a summary line too. */
static void ws_report(const struct ws_diag *d, const char *path, int summary)
{
	size_t e = ws_diag_count(d, WS_DIAG_ERROR), w = ws_diag_count(d, WS_DIAG_WARNING);

	ws_diag_print(d, stderr);
	if (summary && e > 0)
		fprintf(stderr, "%s: %zu error%s, %zu warning%s: the configuration is not usable\n",
		    path, e, e == 1 ? "" : "s", w, w == 1 ? "" : "s");
}

/* Reads and checks the configuration; deep adds wsgate -t's checks. On
 * success *out holds it. Returns 0, or 1 after printing every error. */
static int ws_load(const char *path, int given, int deep, struct ws_config **out)
{
	struct ws_config *cfg = ws_config_new();
	struct ws_diag *d = ws_diag_new();
	char why[300];
	int ret = 1;
	ws_err rc;

	if (cfg == NULL || d == NULL) {
		fprintf(stderr, "wsgate: out of memory\n");
		goto out;
	}
	/* Only the default file may be missing: a name given is meant. A file
	 * that cannot be read or parsed is one error: nothing more to say. */
	rc = ws_config_load_diag(cfg, path, !given, d);
	if (rc == WS_OK || rc == WS_ERR_CONFIG)
		ws_config_check_diag(cfg, d);
	if (deep && (rc == WS_OK || rc == WS_ERR_CONFIG))
		ws_confcheck(cfg, d, WS_CONFCHECK_KEYS);
	else if (ws_diag_count(d, WS_DIAG_ERROR) == 0 &&
	    ws_privsep_check(cfg->privsep_user, why, sizeof(why)) != WS_OK)
		ws_diag_add(d, WS_DIAG_ERROR, ws_config_where(cfg, "privsep_user"), "%s", why);
	ws_report(d, path, deep);
	if (ws_diag_count(d, WS_DIAG_ERROR) > 0)
		goto out;
	*out = cfg;
	cfg = NULL;
	ret = 0;
out:
	ws_config_free(cfg);
	ws_diag_free(d);
	return ret;
}

/* -T [-C account=NAME]: the settings as a file wsgate reads back. */
static int ws_dump(const struct ws_config *cfg, const char *spec)
{
	struct ws_config *acfg = NULL;
	struct ws_diag *d = NULL;
	int ret = 1;

	if (spec == NULL) {
		ws_config_write(cfg, stdout);
		return 0;
	}
	if (strncmp(spec, "account=", 8) != 0 || spec[8] == '\0') {
		fprintf(stderr, "wsgate: -C takes account=NAME, not '%s'\n", spec);
		return 2;
	}
	if ((d = ws_diag_new()) == NULL)
		return 1;
	if (ws_config_for_account_diag(cfg, spec + 8, &acfg, d) == WS_OK) {
		ws_config_write(acfg, stdout);
		ret = 0;
	}
	ws_diag_print(d, stderr);
	ws_config_free(acfg);
	ws_diag_free(d);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "config-doc", no_argument, NULL, 'D' },
		{ "config-man", no_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 },
	};
	struct ws_listener_opts lo = { WS_DEFAULT_CONFIG, 0, 0 };
	struct ws_listener *l = NULL;
	struct ws_config *cfg = NULL;
	enum ws_mode mode = WS_MODE_SERVE;
	const char *spec = NULL;
	int opt, ret = 1;

	/* The metrics' HTTP process, started afresh by the listener. */
	if (argc > 1 && strcmp(argv[1], WS_METRICS_HTTP_ARG) == 0)
		return ws_metrics_http_main(argc, argv);
	while ((opt = getopt_long(argc, argv, "f:tTC:dhV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': lo.path = optarg; lo.path_given = 1; break;
		case 't': mode = WS_MODE_TEST; break;
		case 'T': mode = WS_MODE_DUMP; break;
		case 'C': spec = optarg; break;
		case 'd': lo.debug = 1; break;
		case 'h': ws_usage(stdout); return 0;
		case 'V': printf("wsgate %s (libssh %s)\n", WS_VERSION, ssh_version(0)); return 0;
		case 'D': ws_config_write_doc(stdout); return 0;
		case 'M': ws_config_write_man(stdout, WS_VERSION); return 0;
		default: ws_usage(stderr); return 2;
		}
	}
	if (optind != argc || (spec != NULL && mode != WS_MODE_DUMP)) {
		ws_usage(stderr);
		return 2;
	}
	if (ws_load(lo.path, lo.path_given, mode == WS_MODE_TEST, &cfg) != 0)
		return 1;
	if (mode == WS_MODE_TEST) {
		printf("%s: configuration OK\n", lo.path);
		ret = 0;
		goto out;
	}
	if (mode == WS_MODE_DUMP) {
		ret = ws_dump(cfg, spec);
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if (ssh_init() != SSH_OK || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		ws_error("library initialisation failed");
		goto out;
	}
	if ((l = ws_listener_new(&lo, cfg)) == NULL)
		goto out;
	cfg = NULL; /* taken */
	ws_key_warm();
	ret = ws_listener_run(l);
out:
	ws_listener_free(l);
	ws_config_free(cfg);
	return ret;
}
