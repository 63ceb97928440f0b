/* ws — manage workspaces with the gateway's own backend code and settings.
 *
 *   ws [-f CONF] create NAME [--clone URL] [--image IMAGE] [--owner ACCOUNT]
 *   ws [-f CONF] start NAME | stop NAME | delete NAME [--yes]
 *   ws [-f CONF] list [--json] | status NAME [--json]
 *
 * Exit codes (for scripts): 0 done, 1 engine or other failure, 2 usage,
 * 3 no such workspace, 4 it already exists, 5 deletion not confirmed. */
#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "clock.h"
#include "config.h"
#include "exec.h"
#include "keys.h"
#include "log.h"
#include "strv.h"
#include "names.h"
#include "workspace.h"

enum { WS_EXIT_OK, WS_EXIT_FAIL, WS_EXIT_USAGE, WS_EXIT_MISSING, WS_EXIT_EXISTS, WS_EXIT_UNCONFIRMED };

struct ws_cli {
	struct ws_config *cfg;
	struct ws_docker *d;
	int json, yes;
	const char *clone, *image, *owner;
};

static int ws_usage(void)
{
	fprintf(stderr,
	    "usage: ws [-f CONF] create NAME [--clone URL] [--image IMAGE] [--owner ACCOUNT]\n"
	    "       ws [-f CONF] start NAME | stop NAME | delete NAME [--yes]\n"
	    "       ws [-f CONF] list [--json] | status NAME [--json]\n");
	return WS_EXIT_USAGE;
}

/* Maps a backend result to an exit code, saying what went wrong. */
static int ws_fail(ws_err rc, const char *name, const char *why)
{
	if (rc == WS_ERR_NOT_FOUND) {
		fprintf(stderr, "ws: no workspace '%s'\n", name);
		return WS_EXIT_MISSING;
	}
	fprintf(stderr, "ws: %s\n", why[0] ? why : ws_err_str(rc));
	return WS_EXIT_FAIL;
}

static void ws_time_str(time_t t, char *out, size_t outlen)
{
	struct tm tm;

	if (t == 0 || gmtime_r(&t, &tm) == NULL)
		snprintf(out, outlen, "-");
	else
		strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void ws_progress_line(void *arg, const char *line)
{
	(void)arg;
	fprintf(stderr, "ws: %s\n", line);
}

static void ws_post_line(void *arg, int i, const char *line)
{
	fprintf(stderr, "ws: post-start %d of %s: %s\n", i, (const char *)arg, line);
}

/* Waits until the workspace's sshd sends its banner. */
static int ws_wait_sshd(const struct ws_config *cfg, int port)
{
	struct addrinfo hints, *res = NULL;
	char portstr[8], banner[8];
	double start = ws_clock_now();
	int fd, ok = 0;

	snprintf(portstr, sizeof(portstr), "%d", port);
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(cfg->publish_address, portstr, &hints, &res) != 0)
		return 0;
	while (!ok && ws_clock_now() - start < cfg->sshd_wait_timeout) {
		fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
			struct timeval tv = { 2, 0 };
			setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
			ok = recv(fd, banner, 4, MSG_WAITALL) == 4 && memcmp(banner, "SSH-", 4) == 0;
		}
		if (fd >= 0)
			close(fd);
		if (!ok)
			ws_clock_sleep_ms(200);
	}
	freeaddrinfo(res);
	return ok;
}

/* create and start share this: ensure, wait for sshd, post-start. */
static int ws_bring_up(struct ws_cli *w, const char *name, int create)
{
	struct ws_workspace_params wp;
	struct ws_workspace_target t;
	struct ws_config *acfg = NULL;
	struct ws_admin_info info;
	ssh_key key = NULL;
	char pub[1024], why[600] = "", owner_buf[64];
	const char *owner = w->owner;
	double start = ws_clock_now();
	int ret = WS_EXIT_FAIL;
	ws_err rc;

	rc = ws_admin_info(w->d, name, &info, why, sizeof(why));
	if (create && rc == WS_OK) {
		fprintf(stderr, "ws: workspace '%s' already exists\n", name);
		return WS_EXIT_EXISTS;
	}
	if (rc != WS_OK && (rc != WS_ERR_NOT_FOUND || !create))
		return ws_fail(rc, name, why);
	/* The default owner is who runs ws, for creating; start keeps the label. */
	if (owner == NULL && create) {
		const char *su = getenv("SUDO_USER");
		struct passwd *pw = getpwuid(getuid());
		snprintf(owner_buf, sizeof(owner_buf), "%s",
		    su && *su ? su : pw ? pw->pw_name : "root");
		owner = owner_buf;
	}
	if (owner != NULL && ws_account_check(owner, why, sizeof(why)) != WS_OK) {
		fprintf(stderr, "ws: owner '%s': %s\n", owner, why);
		return WS_EXIT_USAGE;
	}
	if (!create)
		owner = info.c.owner;
	if (ws_config_for_account(w->cfg, owner, &acfg, why, sizeof(why)) != WS_OK ||
	    ws_key_load_or_create(w->cfg->client_key, &key) != WS_OK ||
	    ws_key_public_line(key, pub, sizeof(pub)) != WS_OK) {
		fprintf(stderr, "ws: %s\n", why[0] ? why : "cannot read the gateway's client key");
		goto out;
	}
	ws_workspace_params_from_config(&wp, acfg, pub, owner);
	if (w->image != NULL)
		wp.spec.image = w->image;
	wp.spec.clone_url = w->clone;
	wp.may_create = create;
	wp.progress = ws_progress_line;
	if ((rc = ws_workspace_ensure(w->d, &wp, name, &t, why, sizeof(why))) != WS_OK) {
		ret = ws_fail(rc, name, why);
		goto out;
	}
	fprintf(stderr, "ws: waiting for the workspace's sshd\n");
	if (!ws_wait_sshd(acfg, t.port)) {
		fprintf(stderr, "ws: workspace '%s' did not answer on port %d within %d s\n", name,
		    t.port, acfg->sshd_wait_timeout);
		goto out;
	}
	ret = WS_EXIT_OK;
	if (t.created || t.started) {
		struct ws_docker *x = ws_docker_new(acfg->docker_socket, acfg->post_start_timeout);
		if (x != NULL && ws_exec_post_start(x, name, acfg->workspace_user, acfg->post_start,
		    ws_post_line, (void *)(uintptr_t)name, why, sizeof(why)) != WS_OK) {
			fprintf(stderr, "ws: %s\n", why);
			ret = WS_EXIT_FAIL;
		}
		ws_docker_free(x);
	}
	printf("%s workspace %s (port %d) in %.1f s\n", t.created ? "created" :
	    t.started ? "started" : "already running:", name, t.port, ws_clock_now() - start);
out:
	ssh_key_free(key);
	ws_config_free(acfg);
	return ret;
}

static int ws_confirm(const char *name)
{
	char line[16];
	FILE *tty = fopen("/dev/tty", "r+");

	if (tty == NULL) {
		fprintf(stderr, "ws: not deleting '%s' without --yes (no terminal to ask)\n", name);
		return 0;
	}
	fprintf(tty, "Delete workspace '%s', its container and volumes workspace-%s and workspace-%s-docker? [y/N] ",
	    name, name, name);
	fflush(tty);
	if (fgets(line, sizeof(line), tty) == NULL)
		line[0] = '\0';
	fclose(tty);
	return line[0] == 'y' || line[0] == 'Y';
}

static void ws_json_print(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
	    JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* One workspace as JSON (list and status share it). */
static struct json_object *ws_info_json(const char *name, const struct ws_admin_info *a)
{
	struct json_object *o = json_object_new_object(), *vols = json_object_new_array();
	char created[32], used[32], v1[96], v2[96];

	if (o == NULL || vols == NULL) {
		json_object_put(o);
		json_object_put(vols);
		return NULL;
	}
	ws_time_str(ws_admin_parse_time(a->c.created), created, sizeof(created));
	ws_time_str(a->last_used, used, sizeof(used));
	snprintf(v1, sizeof(v1), "workspace-%s", name);
	snprintf(v2, sizeof(v2), "workspace-%s-docker", name);
	json_object_array_add(vols, json_object_new_string(v1));
	json_object_array_add(vols, json_object_new_string(v2));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "container", json_object_new_string(v1));
	json_object_object_add(o, "id", json_object_new_string(a->c.id));
	json_object_object_add(o, "state", json_object_new_string(ws_cstate_str(a->c.state)));
	json_object_object_add(o, "port", json_object_new_int(a->c.port));
	json_object_object_add(o, "owner", json_object_new_string(a->c.owner));
	json_object_object_add(o, "image", json_object_new_string(a->c.image));
	json_object_object_add(o, "clone", json_object_new_string(a->c.clone));
	json_object_object_add(o, "created", json_object_new_string(created));
	json_object_object_add(o, "last_used", json_object_new_string(used));
	json_object_object_add(o, "sessions_open", json_object_new_boolean(a->active));
	json_object_object_add(o, "volumes", vols);
	return o;
}

static int ws_cmd_status(struct ws_cli *w, const char *name)
{
	struct ws_admin_info a;
	struct json_object *o;
	char why[400] = "", created[32], used[32];
	ws_err rc;

	if ((rc = ws_admin_info(w->d, name, &a, why, sizeof(why))) != WS_OK)
		return ws_fail(rc, name, why);
	if (w->json) {
		if ((o = ws_info_json(name, &a)) == NULL)
			return WS_EXIT_FAIL;
		ws_json_print(o);
		json_object_put(o);
		return WS_EXIT_OK;
	}
	ws_time_str(ws_admin_parse_time(a.c.created), created, sizeof(created));
	ws_time_str(a.last_used, used, sizeof(used));
	printf("name:      %s\ncontainer: workspace-%s (%.12s)\nstate:     %s\nport:      %d\n"
	    "image:     %s\nvolumes:   workspace-%s (/home/workspace), workspace-%s-docker (/var/lib/docker)\n"
	    "owner:     %s\nclone:     %s\ncreated:   %s\nlast used: %s%s\n",
	    name, name, a.c.id, ws_cstate_str(a.c.state), a.c.port, a.c.image, name, name,
	    a.c.owner[0] ? a.c.owner : "-", a.c.clone[0] ? a.c.clone : "-", created, used,
	    a.active ? " (sessions open)" : "");
	return WS_EXIT_OK;
}

static int ws_cmd_list(struct ws_cli *w)
{
	struct json_object *arr = w->json ? json_object_new_array() : NULL;
	struct ws_admin_info a;
	char **names = NULL, why[400] = "", created[32], used[32];
	size_t i;
	ws_err rc;

	if ((rc = ws_admin_list(w->d, &names, why, sizeof(why))) != WS_OK) {
		json_object_put(arr);
		return ws_fail(rc, "", why);
	}
	if (!w->json)
		printf("%-24s %-10s %-5s %-12s %-20s %s\n", "NAME", "STATE", "PORT", "OWNER", "CREATED",
		    "LAST USED");
	for (i = 0; names[i] != NULL; i++) {
		if (ws_admin_info(w->d, names[i], &a, why, sizeof(why)) != WS_OK)
			continue; /* removed meanwhile */
		if (arr != NULL) {
			json_object_array_add(arr, ws_info_json(names[i], &a));
			continue;
		}
		ws_time_str(ws_admin_parse_time(a.c.created), created, sizeof(created));
		ws_time_str(a.last_used, used, sizeof(used));
		printf("%-24s %-10s %-5d %-12s %-20s %s\n", names[i], ws_cstate_str(a.c.state),
		    a.c.port, a.c.owner[0] ? a.c.owner : "-", created, a.active ? "now" : used);
	}
	if (arr != NULL)
		ws_json_print(arr);
	json_object_put(arr);
	ws_strv_free(names);
	return WS_EXIT_OK;
}

static int ws_run(struct ws_cli *w, const char *cmd, const char *name)
{
	char why[400] = "";
	ws_err rc;

	if (strcmp(cmd, "list") == 0)
		return ws_cmd_list(w);
	if (strcmp(cmd, "status") == 0)
		return ws_cmd_status(w, name);
	if (strcmp(cmd, "create") == 0 || strcmp(cmd, "start") == 0)
		return ws_bring_up(w, name, cmd[1] == 'r');
	if (strcmp(cmd, "stop") == 0) {
		if ((rc = ws_admin_stop(w->d, name, why, sizeof(why))) != WS_OK)
			return ws_fail(rc, name, why);
		printf("stopped workspace %s\n", name);
		return WS_EXIT_OK;
	}
	if (strcmp(cmd, "delete") == 0) {
		struct ws_admin_info a;
		rc = ws_admin_info(w->d, name, &a, why, sizeof(why));
		if (rc != WS_OK && rc != WS_ERR_NOT_FOUND)
			return ws_fail(rc, name, why);
		if (!w->yes && !ws_confirm(name))
			return WS_EXIT_UNCONFIRMED;
		if ((rc = ws_admin_delete(w->d, name, why, sizeof(why))) != WS_OK)
			return ws_fail(rc, name, why);
		printf("deleted workspace %s (container, volumes and port %d)\n", name,
		    rc == WS_OK ? a.c.port : 0);
		return WS_EXIT_OK;
	}
	return ws_usage();
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' }, { "yes", no_argument, NULL, 'y' },
		{ "clone", required_argument, NULL, 'c' }, { "image", required_argument, NULL, 'i' },
		{ "owner", required_argument, NULL, 'o' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ws_cli w;
	const char *conf = "/etc/wsgate/wsgate.conf", *cmd, *name = NULL;
	char err[600], why[200];
	int opt, ret = WS_EXIT_FAIL, needs_name;

	memset(&w, 0, sizeof(w));
	while ((opt = getopt_long(argc, argv, "f:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'f': conf = optarg; break;
		case 'j': w.json = 1; break;
		case 'y': w.yes = 1; break;
		case 'c': w.clone = optarg; break;
		case 'i': w.image = optarg; break;
		case 'o': w.owner = optarg; break;
		default: return ws_usage();
		}
	}
	if (optind >= argc)
		return ws_usage();
	cmd = argv[optind++];
	needs_name = strcmp(cmd, "list") != 0;
	if (needs_name) {
		if (optind >= argc)
			return ws_usage();
		name = argv[optind++];
		if (ws_name_check(name, why, sizeof(why)) != WS_OK) {
			fprintf(stderr, "ws: '%.64s': %s\n", name, why);
			return WS_EXIT_USAGE;
		}
	}
	if (optind != argc)
		return ws_usage();
	if ((w.cfg = ws_config_new()) == NULL)
		return WS_EXIT_FAIL;
	if (ws_config_load(w.cfg, conf, 1, err, sizeof(err)) != WS_OK ||
	    ws_config_check(w.cfg, err, sizeof(err)) != WS_OK) {
		fprintf(stderr, "ws: %s\n", err);
		ret = WS_EXIT_USAGE;
		goto out;
	}
	/* The command speaks for itself; the log only adds warnings. */
	ws_log_set_level(WS_LOG_WARN);
	if ((w.d = ws_docker_new(w.cfg->docker_socket, w.cfg->docker_timeout)) == NULL)
		goto out;
	ret = ws_run(&w, cmd, name);
out:
	ws_docker_free(w.d);
	ws_config_free(w.cfg);
	return ret;
}
