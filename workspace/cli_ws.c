/* cli_ws.c — ws's workspace commands: create, start, adopt (one bring-up,
 * the gateway's own), stop, delete, list and status. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "admin.h"
#include "cli.h"
#include "clock.h"
#include "names.h"
#include "sshdlog.h"
#include "strv.h"
#include "upstream.h"
#include "usage.h"
#include "workspace.h"

/* Maps a backend result to an exit code, saying what went wrong. */
int ws_fail(ws_err rc, const char *name, const char *why)
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

static void ws_output_line(void *arg, int i, const char *line)
{
	if (i == 0)
		fprintf(stderr, "ws: clone of %s: %s\n", (const char *)arg, line);
	else
		fprintf(stderr, "ws: post-start %d of %s: %s\n", i, (const char *)arg, line);
}

/* Checks that the workspace's sshd answers with its pinned host key and
 * lets the gateway's key in, as the gateway will; then lets go. */
static ws_err ws_cli_connect(void *arg, int port, const char *hostkey, char *why, size_t whylen)
{
	struct ws_cli *w = arg;
	struct ws_upstream_params up;
	ssh_session s = NULL;
	ws_err rc;

	memset(&up, 0, sizeof(up));
	up.address = w->cfg->publish_address;
	up.port = port;
	up.user = w->cfg->workspace_user;
	up.hostkey = hostkey;
	up.ca_path = w->cfg->user_ca_key;
	up.name = w->name;
	up.key_id = "ws";
	up.timeout_s = w->cfg->docker_timeout;
	if ((rc = ws_upstream_connect(&up, &s, why, whylen)) == WS_OK) {
		ssh_disconnect(s);
		ssh_free(s);
	}
	return rc;
}

/* The user CA's public half: made by the gateway, never by ws. */
int ws_cli_key(struct ws_cli *w)
{
	ws_err rc = ws_userca_public(w->cfg->user_ca_key, w->ca_pub, sizeof(w->ca_pub), w->ca_fp,
	    sizeof(w->ca_fp));

	if (rc == WS_OK)
		return 0;
	if (rc == WS_ERR_NOT_FOUND)
		fprintf(stderr, "ws: the gateway's certificate authority %s does not exist yet: start wsgate once (it makes it)\n",
		    w->cfg->user_ca_key);
	else
		fprintf(stderr, "ws: cannot read the gateway's certificate authority %s (%s)\n",
		    w->cfg->user_ca_key, ws_err_str(rc));
	return -1;
}

void ws_cli_bringup_init(struct ws_cli *w, const char *name, struct ws_bringup *b)
{
	memset(b, 0, sizeof(*b));
	b->cfg = w->cfg;
	b->user_ca = w->ca_pub;
	b->ca_id = w->ca_fp;
	w->name = name;
	b->image = w->image;
	b->progress = ws_progress_line;
	b->output = ws_output_line;
	b->output_arg = (void *)name;
	b->connect = ws_cli_connect;
	b->connect_arg = w;
}

/* The word for what a bring-up did, for its result line. */
static const char *ws_did(const char *cmd, const struct ws_brought *t)
{
	if (strcmp(cmd, "restore") == 0)
		return "restored";
	if (strcmp(cmd, "rebuild") == 0)
		return "rebuilt";
	if (t->created)
		return strcmp(cmd, "create") == 0 ? "created" : strcmp(cmd, "adopt") == 0 ? "adopted" :
		    "made again";
	return t->started ? "started" : "already running:";
}

/* create, start and adopt (and restore and rebuild, once their work is
 * done): the workspace layer's one bring-up. */
int ws_cli_bring_up(struct ws_cli *w, const char *name, const char *cmd)
{
	struct ws_bringup b;
	struct ws_brought t;
	struct ws_admin_info info;
	char why[600] = "", owner_buf[64];
	const char *owner = w->owner;
	double start = ws_clock_now();
	int create = strcmp(cmd, "create") == 0, adopt = strcmp(cmd, "adopt") == 0;
	ws_err rc;

	rc = ws_admin_info(w->e, name, &info, why, sizeof(why));
	if (rc != WS_OK && rc != WS_ERR_NOT_FOUND)
		return ws_fail(rc, name, why);
	if ((create || adopt) && rc == WS_OK && !(adopt && info.orphan && info.owner[0] == '\0')) {
		if (info.orphan && info.owner[0] != '\0')
			fprintf(stderr, "ws: workspace '%s' has no container, but its volumes remain (owner %s): "
			    "ws start %s makes it again, ws delete %s removes them\n", name, info.owner, name, name);
		else if (info.orphan)
			fprintf(stderr, "ws: workspace '%s' has volumes from an older wsgate: ws adopt %s --owner ACCOUNT\n",
			    name, name);
		else
			fprintf(stderr, "ws: workspace '%s' already exists\n", name);
		return WS_EXIT_EXISTS;
	}
	if (adopt && rc == WS_ERR_NOT_FOUND)
		return ws_fail(rc, name, why);
	if (adopt && owner == NULL) {
		fprintf(stderr, "ws: adopt needs the owner: ws adopt %s --owner ACCOUNT\n", name);
		return WS_EXIT_USAGE;
	}
	/* The default owner is who runs ws, for creating; start keeps its own. */
	if (owner == NULL && create) {
		const char *su = getenv("SUDO_USER");
		struct passwd *pw = getpwuid(getuid());
		snprintf(owner_buf, sizeof(owner_buf), "%s", su && *su ? su : pw ? pw->pw_name : "root");
		owner = owner_buf;
	}
	if (!create && !adopt)
		owner = NULL;   /* start, restore, rebuild: the workspace's own */
	if (owner != NULL && ws_account_check(owner, why, sizeof(why)) != WS_OK) {
		fprintf(stderr, "ws: owner '%s': %s\n", owner, why);
		return WS_EXIT_USAGE;
	}
	if (ws_cli_key(w) != 0)
		return WS_EXIT_FAIL;
	ws_cli_bringup_init(w, name, &b);
	b.entrant = owner != NULL ? owner : "";
	b.may_create = create;
	b.clone_url = w->clone;
	b.adopt_owner = adopt ? owner : NULL;
	b.just_made = strcmp(cmd, "rebuild") == 0;
	if ((rc = ws_workspace_bring_up(&b, name, &t, why, sizeof(why))) != WS_OK)
		return ws_fail(rc, name, why);
	printf("%s workspace %s (port %d) in %.1f s\n", ws_did(cmd, &t), name, t.port,
	    ws_clock_now() - start);
	if (t.note[0] != '\0') {
		fprintf(stderr, "ws: %s\n", t.note);
		return WS_EXIT_FAIL;
	}
	return WS_EXIT_OK;
}

static int ws_confirm(const char *name, const struct ws_admin_info *a)
{
	char line[16];
	FILE *tty = fopen("/dev/tty", "r+");

	if (tty == NULL) {
		fprintf(stderr, "ws: not deleting '%s' without --yes (no terminal to ask)\n", name);
		return 0;
	}
	fprintf(tty, "Delete workspace '%s', its container and volumes %s%s%s? [y/N] ", name,
	    a->home_volume[0] ? a->home_volume : "", a->home_volume[0] && a->docker_volume[0] ? " and " : "",
	    a->docker_volume);
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

/* The state shown for a workspace: its container's, or "orphaned". */
static const char *ws_state_str(const struct ws_admin_info *a)
{
	return a->orphan ? "orphaned" : ws_cstate_str(a->c.state);
}

/* One workspace as JSON (list and status share it). */
static struct json_object *ws_info_json(const char *name, const struct ws_admin_info *a)
{
	struct json_object *o = json_object_new_object(), *vols = json_object_new_array();
	char created[32], used[32], cname[WS_OBJ_NAME_MAX];

	if (o == NULL || vols == NULL) {
		json_object_put(o);
		json_object_put(vols);
		return NULL;
	}
	ws_time_str(ws_sshdlog_time(a->c.created), created, sizeof(created));
	ws_time_str(a->last_used, used, sizeof(used));
	ws_obj_name(WS_OBJ_CONTAINER, name, cname, sizeof(cname));
	if (a->home_volume[0] != '\0')
		json_object_array_add(vols, json_object_new_string(a->home_volume));
	if (a->docker_volume[0] != '\0')
		json_object_array_add(vols, json_object_new_string(a->docker_volume));
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "container", a->orphan ? NULL : json_object_new_string(cname));
	json_object_object_add(o, "id", json_object_new_string(a->c.id));
	json_object_object_add(o, "state", json_object_new_string(ws_state_str(a)));
	json_object_object_add(o, "port", json_object_new_int(a->c.port));
	json_object_object_add(o, "owner", json_object_new_string(a->owner));
	json_object_object_add(o, "image", json_object_new_string(a->c.image));
	json_object_object_add(o, "clone", json_object_new_string(a->c.clone));
	json_object_object_add(o, "created", json_object_new_string(created));
	json_object_object_add(o, "last_used", json_object_new_string(used));
	json_object_object_add(o, "sessions_open", json_object_new_boolean(a->active));
	json_object_object_add(o, "volumes", vols);
	return o;
}

int ws_cmd_status(struct ws_cli *w, int argc, char **argv)
{
	const char *name = argv[0];
	struct ws_admin_info a;
	struct json_object *o;
	char why[600] = "", created[32], used[32];
	ws_err rc;

	(void)argc;
	if ((rc = ws_admin_info(w->e, name, &a, why, sizeof(why))) != WS_OK)
		return ws_fail(rc, name, why);
	if (w->json) {
		if ((o = ws_info_json(name, &a)) == NULL)
			return WS_EXIT_FAIL;
		ws_json_print(o);
		json_object_put(o);
		return WS_EXIT_OK;
	}
	ws_time_str(ws_sshdlog_time(a.c.created), created, sizeof(created));
	ws_time_str(a.last_used, used, sizeof(used));
	if (a.orphan) {
		printf("name:      %s\nstate:     orphaned (no container; ws start %s makes it again)\n"
		    "volumes:   %s (/home/workspace), %s (/var/lib/docker)\nowner:     %s\n",
		    name, name, a.home_volume[0] ? a.home_volume : "-",
		    a.docker_volume[0] ? a.docker_volume : "-", a.owner[0] ? a.owner : "- (ws adopt)");
		return WS_EXIT_OK;
	}
	printf("name:      %s\ncontainer: workspace-%s (%.12s)\nstate:     %s\nport:      %d\n"
	    "image:     %s\nvolumes:   %s (/home/workspace), %s (/var/lib/docker)\n"
	    "owner:     %s\nclone:     %s\ncreated:   %s\nlast used: %s%s\n",
	    name, name, a.c.id, ws_cstate_str(a.c.state), a.c.port, a.c.image,
	    a.home_volume[0] ? a.home_volume : "-", a.docker_volume[0] ? a.docker_volume : "-",
	    a.owner[0] ? a.owner : "-", a.c.clone[0] ? a.c.clone : "-", created, used,
	    a.active ? " (sessions open)" : "");
	return WS_EXIT_OK;
}

/* The disk each workspace uses, for list: one engine call for them all;
 * without it the column says "-" and a warning why. */
static struct ws_du *ws_list_disk(struct ws_cli *w)
{
	struct ws_du *d = NULL;
	char why[600] = "";

	if (ws_engine_disk(w->e, &d, why, sizeof(why)) != WS_OK) {
		fprintf(stderr, "ws: warning: disk use unknown: %s\n", why[0] ? why : "the engine failed");
		return NULL;
	}
	return d;
}

/* An account sees only the workspaces it may enter: the others are dropped
 * from names (the administrator's list stays whole). */
static void ws_list_filter(struct ws_cli *w, char **names)
{
	struct ws_admin_info a;
	char why[600];
	size_t i, k = 0;

	if (w->as == NULL)
		return;
	for (i = 0; names[i] != NULL; i++) {
		if (ws_admin_info(w->e, names[i], &a, why, sizeof(why)) == WS_OK &&
		    ws_cli_allowed(w->as, names[i], a.owner, WS_MAY_READ))
			names[k++] = names[i];
		else
			free(names[i]);
	}
	names[k] = NULL;
}

int ws_cmd_list(struct ws_cli *w, int argc, char **argv)
{
	struct json_object *arr = w->json ? json_object_new_array() : NULL, *o;
	struct ws_admin_info a;
	struct ws_du *du = NULL;
	char **names = NULL, why[600] = "", created[32], used[32], port[8], disk[16];
	int64_t bytes;
	size_t i;
	ws_err rc;

	(void)argc;
	(void)argv;
	if ((rc = ws_admin_list(w->e, &names, why, sizeof(why))) != WS_OK) {
		json_object_put(arr);
		return ws_fail(rc, "", why);
	}
	ws_list_filter(w, names);
	/* --names: one a line, no engine call per workspace (completion). */
	for (i = 0; w->names && names[i] != NULL; i++)
		printf("%s\n", names[i]);
	if (w->names) {
		ws_strv_free(names);
		return WS_EXIT_OK;
	}
	if (names[0] != NULL)
		du = ws_list_disk(w);
	if (!w->json)
		printf("%-24s %-10s %-5s %-12s %-6s %-20s %s\n", "NAME", "STATE", "PORT", "OWNER", "DISK",
		    "CREATED", "LAST USED");
	for (i = 0; names[i] != NULL; i++) {
		if (ws_admin_info(w->e, names[i], &a, why, sizeof(why)) != WS_OK)
			continue; /* removed meanwhile */
		bytes = du != NULL ? ws_usage_disk_of(du, names[i], &a) : -1;
		if (arr != NULL) {
			if ((o = ws_info_json(names[i], &a)) != NULL)
				json_object_object_add(o, "disk_bytes", bytes < 0 ? NULL : json_object_new_int64(bytes));
			json_object_array_add(arr, o);
			continue;
		}
		ws_time_str(ws_sshdlog_time(a.c.created), created, sizeof(created));
		ws_time_str(a.last_used, used, sizeof(used));
		snprintf(port, sizeof(port), a.orphan ? "-" : "%d", a.c.port);
		ws_usage_human(bytes, disk, sizeof(disk));
		printf("%-24s %-10s %-5s %-12s %-6s %-20s %s\n", names[i], ws_state_str(&a), port,
		    a.owner[0] ? a.owner : "-", disk, created, a.active ? "now" : used);
	}
	if (arr != NULL)
		ws_json_print(arr);
	json_object_put(arr);
	ws_du_free(du);
	ws_strv_free(names);
	return WS_EXIT_OK;
}

int ws_cmd_delete(struct ws_cli *w, int argc, char **argv)
{
	const char *name = argv[0];
	struct ws_admin_info a;
	char why[600] = "";
	ws_err rc;

	(void)argc;
	memset(&a, 0, sizeof(a));
	rc = ws_admin_info(w->e, name, &a, why, sizeof(why));
	if (rc != WS_OK && rc != WS_ERR_NOT_FOUND)
		return ws_fail(rc, name, why);
	if (rc == WS_OK && !w->yes && !ws_confirm(name, &a))
		return WS_EXIT_UNCONFIRMED;
	if ((rc = ws_admin_delete(w->e, name, w->force, why, sizeof(why))) != WS_OK)
		return ws_fail(rc, name, why);
	if (a.orphan || a.c.port == 0)
		printf("deleted workspace %s (volumes)\n", name);
	else
		printf("deleted workspace %s (container, volumes and port %d)\n", name, a.c.port);
	return WS_EXIT_OK;
}


int ws_cmd_create(struct ws_cli *w, int argc, char **argv)
{
	(void)argc;
	return ws_cli_bring_up(w, argv[0], "create");
}

int ws_cmd_start(struct ws_cli *w, int argc, char **argv)
{
	int ret;

	(void)argc;
	if ((ret = ws_cli_may(w, argv[0], WS_MAY_READ)) != WS_EXIT_OK)
		return ret;
	return ws_cli_bring_up(w, argv[0], "start");
}

int ws_cmd_adopt(struct ws_cli *w, int argc, char **argv)
{
	(void)argc;
	return ws_cli_bring_up(w, argv[0], "adopt");
}

int ws_cmd_stop(struct ws_cli *w, int argc, char **argv)
{
	char why[600] = "";
	ws_err rc;
	int ret;

	(void)argc;
	if ((ret = ws_cli_may(w, argv[0], WS_MAY_READ)) != WS_EXIT_OK)
		return ret;
	if ((rc = ws_admin_stop(w->e, argv[0], why, sizeof(why))) != WS_OK)
		return ws_fail(rc, argv[0], why);
	printf("stopped workspace %s\n", argv[0]);
	return WS_EXIT_OK;
}
