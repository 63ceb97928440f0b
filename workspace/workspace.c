/* workspace.c — ws_workspace_ensure(): the container of a workspace, from any
 * state to running, as a loop of named steps over what the engine shows:
 *
 *   find     inspect the container (and finish a remake cut short)
 *   make     no container: a new workspace, or an orphan made whole again,
 *            on volumes checked (or made) for this workspace and owner
 *   run      a container: admit, then start, unpause or take it as it is
 *   remake   a start the engine refuses for good (its port taken, its id
 *            stuck after a crash): a replacement beside it, then the swap
 *
 * Each round looks afresh, so another gateway doing the same meanwhile is
 * met, not fought. */
#include "workspace.h"

#include <arpa/inet.h>
#include <libssh/libssh.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "log.h"

/* Rounds of look-then-act; each makes progress unless someone races us. */
#define WS_ENSURE_ROUNDS 8
#define WS_MAX_EXCLUDED 16
/* Waits of 50 ms for another gateway's create of the same workspace (10 s). */
#define WS_CREATE_WAITS 200

enum ws_next { WS_NEXT_AGAIN, WS_NEXT_DONE, WS_NEXT_FAIL };

/* One ensure: what it has learnt and done so far. */
struct ws_run {
	struct ws_engine *e;
	const struct ws_bringup *p;
	const char *name;
	struct ws_container c;          /* the container, as last seen */
	struct ws_brought t;            /* the result so far */
	int excluded[WS_MAX_EXCLUDED];  /* ports not to pick again */
	int nexcluded, waits, remade;
	ws_err rc;
	char *why;
	size_t whylen;
};

struct ws_engine *ws_workspace_engine(const struct ws_config *cfg, int timeout_s)
{
	return ws_engine_new("docker", cfg->docker_socket, timeout_s);
}

static enum ws_next ws_fail(struct ws_run *r, ws_err rc)
{
	r->rc = rc;
	return WS_NEXT_FAIL;
}

static void ws_progress(struct ws_run *r, const char *verb)
{
	char line[200];

	if (r->p->progress == NULL)
		return;
	snprintf(line, sizeof(line), "%s workspace '%s'", verb, r->name);
	r->p->progress(r->p->progress_arg, line);
}

static int ws_admitted(struct ws_run *r, const char *owner)
{
	return r->p->admit == NULL || r->p->admit(r->p->admit_arg, owner);
}

/* Checks that volume vname is NAME's volume of role and owner's. One made
 * before volumes carried roles and owners (an older wsgate) passes only when
 * legacy_ok (the container being replaced mounted it). */
static ws_err ws_volume_check(struct ws_run *r, const char *vname, const char *role,
    const char *owner, int legacy_ok, struct ws_volume *out)
{
	struct ws_volume v;
	ws_err rc;

	if ((rc = ws_engine_volume(r->e, vname, &v, r->why, r->whylen)) != WS_OK)
		return rc;
	if (!v.labelled || strcmp(v.workspace, r->name) != 0) {
		snprintf(r->why, r->whylen,
		    "workspace '%s' cannot be made: volume %s is not its own (%s%s%s); an administrator must move it away first",
		    r->name, vname, v.labelled ? "it belongs to workspace '" : "wsgate did not make it",
		    v.labelled ? v.workspace : "", v.labelled ? "'" : "");
		return WS_ERR_CONFLICT;
	}
	if (v.role[0] == '\0' && !legacy_ok) {
		snprintf(r->why, r->whylen,
		    "workspace '%s': volume %s was made by an older wsgate and records no owner; an administrator can adopt it (ws adopt %s --owner ACCOUNT)",
		    r->name, vname, r->name);
		return WS_ERR_CONFLICT;
	}
	if (v.role[0] != '\0' && (strcmp(v.role, role) != 0 || strcmp(v.owner, owner) != 0)) {
		snprintf(r->why, r->whylen,
		    "workspace '%s': volume %s is the %s volume of account '%s', not the %s volume of '%s'; ask an administrator",
		    r->name, vname, v.role, v.owner, role, owner);
		return WS_ERR_CONFLICT;
	}
	if (out != NULL)
		*out = v;
	return WS_OK;
}

/* What the volumes of a workspace with no container say. */
struct ws_orphan {
	enum { WS_ORPHAN_NONE, WS_ORPHAN_OWNED, WS_ORPHAN_LEGACY } kind;
	char owner[33];                  /* OWNED: whose */
	char clone[256];                 /* OWNED: the repository they record */
	char home[WS_OBJ_NAME_MAX];      /* LEGACY: the volumes to adopt */
	char docker[WS_OBJ_NAME_MAX];
};

/* Reads NAME's volumes when it has no container: none (a new workspace),
 * owned (labelled with an owner: that owner's orphan), or legacy (made by
 * an older wsgate: workspace label only, adopted by an administrator).
 * Anything else is refused with a line in why. */
static ws_err ws_orphan_read(struct ws_run *r, struct ws_orphan *o)
{
	static const enum ws_obj kinds[] = { WS_OBJ_HOME, WS_OBJ_DOCKER, WS_OBJ_LEGACY_DOCKER };
	char vname[WS_OBJ_NAME_MAX], why[300];
	struct ws_volume v;
	size_t i;
	ws_err rc;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		ws_obj_name(kinds[i], r->name, vname, sizeof(vname));
		rc = ws_engine_volume(r->e, vname, &v, why, sizeof(why));
		if (rc == WS_ERR_NOT_FOUND)
			continue;
		if (rc != WS_OK) {
			snprintf(r->why, r->whylen, "%s", why);
			return rc;
		}
		if (!v.labelled || strcmp(v.workspace, r->name) != 0) {
			/* workspace-NAME-docker may well be workspace NAME-docker's
			 * home volume: only its own labels make it NAME's. */
			if (kinds[i] == WS_OBJ_LEGACY_DOCKER)
				continue;
			return ws_volume_check(r, vname, WS_ROLE_HOME, "", 0, NULL);
		}
		if (v.role[0] == '\0' || v.owner[0] == '\0') {
			o->kind = WS_ORPHAN_LEGACY;
			snprintf(kinds[i] == WS_OBJ_HOME ? o->home : o->docker, WS_OBJ_NAME_MAX, "%s", vname);
			continue;
		}
		if (o->kind == WS_ORPHAN_LEGACY || (o->owner[0] != '\0' && strcmp(o->owner, v.owner) != 0)) {
			snprintf(r->why, r->whylen,
			    "workspace '%s': its volumes disagree about their owner; ask an administrator", r->name);
			return WS_ERR_CONFLICT;
		}
		o->kind = WS_ORPHAN_OWNED;
		snprintf(o->owner, sizeof(o->owner), "%s", v.owner);
		if (o->clone[0] == '\0')
			snprintf(o->clone, sizeof(o->clone), "%s", v.clone);
	}
	return WS_OK;
}

/* Makes (when missing) and checks NAME's two volumes for owner. *fresh
 * tells whether there were none before (a new workspace). */
static ws_err ws_volumes_ready(struct ws_run *r, const char *owner, const char *clone,
    char *home, char *docker, size_t len, int *fresh)
{
	struct ws_volume v;
	char why[200];
	ws_err rc;

	ws_obj_name(WS_OBJ_HOME, r->name, home, len);
	ws_obj_name(WS_OBJ_DOCKER, r->name, docker, len);
	*fresh = ws_engine_volume(r->e, home, &v, why, sizeof(why)) == WS_ERR_NOT_FOUND &&
	    ws_engine_volume(r->e, docker, &v, why, sizeof(why)) == WS_ERR_NOT_FOUND;
	if ((rc = ws_engine_volume_create(r->e, r->name, WS_OBJ_HOME, owner, clone, r->why,
	    r->whylen)) != WS_OK ||
	    (rc = ws_engine_volume_create(r->e, r->name, WS_OBJ_DOCKER, owner, NULL, r->why,
	    r->whylen)) != WS_OK)
		return rc;
	/* Made now or long ago, by us or a racing gateway: the labels decide. */
	if ((rc = ws_volume_check(r, home, WS_ROLE_HOME, owner, 0, NULL)) != WS_OK ||
	    (rc = ws_volume_check(r, docker, WS_ROLE_DOCKER, owner, 0, NULL)) != WS_OK)
		return rc;
	return WS_OK;
}

/* Returns 1 when nothing on this host listens on addr:port (a quick bind
 * probe; the engine may still refuse it, which the start step handles). */
static int ws_port_free_here(const char *addr, int port)
{
	struct sockaddr_in sin;
	int fd, ok;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1)
		return 1; /* not an IPv4 literal: leave it to the engine */
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return 1;
	/* As the engine's proxy binds: connections in TIME_WAIT do not count. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &(int){ 1 }, sizeof(int));
	ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

/* Lowest port of the range that no container uses and that is not excluded. */
static ws_err ws_pick_port(struct ws_run *r, const struct ws_config *acfg, int *port)
{
	int i, span = acfg->port_max - acfg->port_min + 1;
	unsigned char *used = calloc((size_t)span, 1);
	ws_err rc;

	if (used == NULL)
		return WS_ERR_NOMEM;
	rc = ws_engine_ports_in_use(r->e, acfg->port_min, acfg->port_max, used, r->why, r->whylen);
	for (i = 0; rc == WS_OK && i < r->nexcluded; i++)
		if (r->excluded[i] >= acfg->port_min && r->excluded[i] <= acfg->port_max)
			used[r->excluded[i] - acfg->port_min] = 1;
	if (rc == WS_OK) {
		rc = WS_ERR_PORTS_EXHAUSTED;
		for (i = 0; i < span; i++)
			if (!used[i] && ws_port_free_here(acfg->publish_address, acfg->port_min + i)) {
				*port = acfg->port_min + i;
				rc = WS_OK;
				break;
			}
		if (rc != WS_OK)
			snprintf(r->why, r->whylen, "no free port in %d-%d", acfg->port_min, acfg->port_max);
	}
	free(used);
	return rc;
}

/* A host key for a new container: *priv the private key text (free with
 * ssh_string_free_char after wiping), pub the "type base64" line to pin. */
static ws_err ws_make_hostkey(char **priv, char *pub, size_t publen)
{
	ssh_key key = NULL;
	char *b64 = NULL, *pem = NULL;
	ws_err rc = WS_ERR_SSH;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK ||
	    ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &pem) != SSH_OK ||
	    ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
		goto out;
	snprintf(pub, publen, "%s %s", ssh_key_type_to_char(ssh_key_type(key)), b64);
	*priv = pem;
	pem = NULL;
	rc = WS_OK;
out:
	ssh_string_free_char(pem);
	ssh_string_free_char(b64);
	ssh_key_free(key);
	return rc;
}

/* Creates NAME's container of kind for owner with the owner's settings, on
 * volumes home and docker, sshd on a port picked now. */
static ws_err ws_create(struct ws_run *r, enum ws_obj kind, const char *owner, const char *clone,
    const char *home, const char *docker)
{
	struct ws_config *acfg = NULL;
	struct ws_spec spec;
	char pub[512], *priv = NULL, why[400];
	int port = 0;
	ws_err rc;

	/* The owner's settings, whoever triggered this: never the entrant's. */
	if ((rc = ws_config_for_account(r->p->cfg, owner, &acfg, why, sizeof(why))) != WS_OK) {
		ws_error("account %s: %s", owner, why);
		snprintf(r->why, r->whylen, "the settings of account '%s' are invalid; ask an administrator",
		    owner);
		return rc;
	}
	memset(&spec, 0, sizeof(spec));
	spec.image = kind == WS_OBJ_CONTAINER && r->p->image != NULL ? r->p->image : acfg->image;
	spec.publish_address = acfg->publish_address;
	spec.gateway_key = r->p->gateway_key;
	spec.owner = owner;
	spec.clone_url = clone != NULL && clone[0] != '\0' ? clone : NULL;
	spec.home_volume = home;
	spec.docker_volume = docker;
	spec.env = acfg->env;
	spec.files = acfg->files;
	spec.cpu_millis = acfg->cpu_millis;
	spec.memory_mb = acfg->memory_mb;
	spec.dind = acfg->docker_in_docker;
	if ((rc = ws_pick_port(r, acfg, &port)) != WS_OK)
		goto out;
	if ((rc = ws_make_hostkey(&priv, pub, sizeof(pub))) != WS_OK) {
		snprintf(r->why, r->whylen, "could not make a host key for it");
		goto out;
	}
	rc = ws_engine_create(r->e, r->name, kind, &spec, port, priv, pub, r->why, r->whylen);
	if (rc == WS_OK)
		ws_info("created %s of workspace %s for %s (sshd on port %d)",
		    kind == WS_OBJ_REMAKE ? "a replacement container" : "the container", r->name, owner, port);
out:
	if (priv != NULL) {
		explicit_bzero(priv, strlen(priv));
		ssh_string_free_char(priv);
	}
	ws_config_free(acfg);
	return rc;
}

/* find: the container as it is now. A replacement left by a remake cut
 * short (the old one gone, the new not yet renamed) is finished first. */
static enum ws_next ws_step_find(struct ws_run *r, int *present)
{
	struct ws_container rc_c;
	char why[300];
	ws_err rc;

	rc = ws_engine_inspect(r->e, r->name, WS_OBJ_CONTAINER, &r->c, r->why, r->whylen);
	*present = rc == WS_OK;
	if (rc == WS_OK)
		return WS_NEXT_AGAIN;
	if (rc != WS_ERR_NOT_FOUND)
		return ws_fail(r, rc);
	if (ws_engine_inspect(r->e, r->name, WS_OBJ_REMAKE, &rc_c, why, sizeof(why)) == WS_OK &&
	    rc_c.managed) {
		ws_warn("workspace %s: finishing a replacement left half done", r->name);
		if ((rc = ws_engine_promote(r->e, r->name, r->why, r->whylen)) != WS_OK &&
		    rc != WS_ERR_CONFLICT && rc != WS_ERR_NOT_FOUND)
			return ws_fail(r, rc);
		*present = -1;   /* look again */
	}
	return WS_NEXT_AGAIN;
}

/* make: no container. A new workspace for the entrant, or its owner's
 * orphaned volumes made whole again, or (an administrator's ws adopt)
 * volumes an older wsgate made; never someone else's volumes. */
static enum ws_next ws_step_make(struct ws_run *r)
{
	char owner[33], home[WS_OBJ_NAME_MAX], docker[WS_OBJ_NAME_MAX], msg[512];
	const char *clone = NULL;
	struct ws_orphan o;
	int fresh = 0;
	ws_err rc;

	if ((rc = ws_orphan_read(r, &o)) != WS_OK)
		return ws_fail(r, rc);
	switch (o.kind) {
	case WS_ORPHAN_NONE:
		/* Nothing there: a new workspace, if this entrant may make one. */
		if (!r->p->may_create)
			return ws_fail(r, WS_ERR_NOT_FOUND);
		if (!ws_admitted(r, NULL))
			return ws_fail(r, WS_ERR_DENIED);
		snprintf(owner, sizeof(owner), "%s", r->p->adopt_owner ? r->p->adopt_owner : r->p->entrant);
		clone = r->p->clone_url;
		break;
	case WS_ORPHAN_OWNED:
		/* An orphan: its owner's, whoever asks, if they may enter it. */
		if (!ws_admitted(r, o.owner))
			return ws_fail(r, WS_ERR_DENIED);
		snprintf(owner, sizeof(owner), "%s", o.owner);
		clone = o.clone;
		ws_info("workspace %s has no container; making it again for its owner %s", r->name, owner);
		break;
	case WS_ORPHAN_LEGACY:
		if (r->p->adopt_owner == NULL) {
			snprintf(r->why, r->whylen,
			    "workspace '%s': its volumes were made by an older wsgate and record no owner; an administrator can adopt them (ws adopt %s --owner ACCOUNT)",
			    r->name, r->name);
			return ws_fail(r, WS_ERR_CONFLICT);
		}
		snprintf(owner, sizeof(owner), "%s", r->p->adopt_owner);
		break;
	}
	ws_progress(r, "creating");
	if (o.kind == WS_ORPHAN_LEGACY) {
		/* The container records the owner of volumes that cannot. */
		if (o.home[0] == '\0')
			ws_obj_name(WS_OBJ_HOME, r->name, o.home, sizeof(o.home));
		if (o.docker[0] == '\0') {
			ws_obj_name(WS_OBJ_DOCKER, r->name, o.docker, sizeof(o.docker));
			if ((rc = ws_engine_volume_create(r->e, r->name, WS_OBJ_DOCKER, owner, NULL, r->why,
			    r->whylen)) != WS_OK)
				return ws_fail(r, rc);
		}
		snprintf(home, sizeof(home), "%s", o.home);
		snprintf(docker, sizeof(docker), "%s", o.docker);
	} else if ((rc = ws_volumes_ready(r, owner, clone, home, docker, sizeof(home), &fresh)) != WS_OK) {
		return ws_fail(r, rc);
	}
	rc = ws_create(r, WS_OBJ_CONTAINER, owner, clone, home, docker);
	if (rc == WS_OK) {
		r->t.created = 1;
		return WS_NEXT_AGAIN;
	}
	if (rc == WS_ERR_CONFLICT && r->waits < WS_CREATE_WAITS) {
		/* Someone else made it first; the engine answers 404 to inspect
		 * until that is done. Wait, without using up a round. */
		r->waits++;
		ws_clock_sleep_ms(50);
		return WS_NEXT_AGAIN;
	}
	if (rc == WS_ERR_CONFLICT)
		snprintf(r->why, r->whylen, "it kept being created by someone else");
	/* A new workspace that could not be made leaves nothing behind (an
	 * orphan's volumes, or ones someone else made meanwhile, stay). */
	if (fresh && rc != WS_ERR_CONFLICT) {
		char why[200];
		ws_engine_volume_remove(r->e, home, NULL, why, sizeof(why));
		ws_engine_volume_remove(r->e, docker, NULL, why, sizeof(why));
	}
	snprintf(msg, sizeof(msg), "%s", r->why);
	snprintf(r->why, r->whylen, "workspace '%s' could not be created: %s", r->name, msg);
	return ws_fail(r, rc);
}

/* The line for a workspace that does not stay up. */
static void ws_start_failed(struct ws_run *r)
{
	if (r->c.error[0] != '\0')
		snprintf(r->why, r->whylen, "workspace '%s' could not be started: %s", r->name, r->c.error);
	else
		snprintf(r->why, r->whylen,
		    "workspace '%s' could not be started: it is %s (exit code %d); see docker logs workspace-%s",
		    r->name, ws_cstate_str(r->c.state), r->c.exit_code, r->name);
}

static int ws_port_conflict(const char *msg)
{
	return strstr(msg, "port is already allocated") != NULL ||
	    strstr(msg, "address already in use") != NULL;
}

/* Start errors that making the container again cures. */
static int ws_remakeable(const char *msg)
{
	return ws_port_conflict(msg) || strstr(msg, "id already in use") != NULL;
}

/* remake: a replacement container beside the old one, on the same volumes,
 * with the owner's settings and repository and a port of its own; only
 * once it exists is the old one removed and the new one renamed. When the
 * replacement cannot be made the workspace stays as it was. */
static enum ws_next ws_step_remake(struct ws_run *r, const char *msg)
{
	char why[512];
	ws_err rc;

	ws_warn("workspace %s: %s; making its container again", r->name, msg);
	if (r->nexcluded >= WS_MAX_EXCLUDED)
		goto cannot;
	/* Port 0 is never picked; it only counts the remakes. */
	r->excluded[r->nexcluded++] = ws_port_conflict(msg) ? r->c.port : 0;
	if (r->c.home_volume[0] == '\0' || r->c.docker_volume[0] == '\0' ||
	    ws_volume_check(r, r->c.home_volume, WS_ROLE_HOME, r->c.owner, 1, NULL) != WS_OK ||
	    ws_volume_check(r, r->c.docker_volume, WS_ROLE_DOCKER, r->c.owner, 1, NULL) != WS_OK) {
		if (r->c.home_volume[0] == '\0' || r->c.docker_volume[0] == '\0')
			snprintf(r->why, r->whylen, "workspace '%s' has no volumes to make it again on", r->name);
		return ws_fail(r, WS_ERR_CONFLICT);
	}
	/* A replacement left by an earlier attempt goes first. */
	if (ws_engine_remove(r->e, r->name, WS_OBJ_REMAKE, NULL, why, sizeof(why)) != WS_OK)
		goto cannot;
	rc = ws_create(r, WS_OBJ_REMAKE, r->c.owner, r->c.clone, r->c.home_volume, r->c.docker_volume);
	if (rc == WS_ERR_CONFLICT)
		return WS_NEXT_AGAIN;   /* someone else is remaking it */
	if (rc != WS_OK) {
		snprintf(why, sizeof(why), "%s", r->why);
		snprintf(r->why, r->whylen, "workspace '%s' could not be started (%s) nor made again: %s",
		    r->name, msg, why);
		return ws_fail(r, rc);
	}
	if ((rc = ws_engine_remove(r->e, r->name, WS_OBJ_CONTAINER, NULL, r->why, r->whylen)) != WS_OK ||
	    (rc = ws_engine_promote(r->e, r->name, r->why, r->whylen)) != WS_OK)
		return ws_fail(r, rc);
	r->remade = 1;
	r->t.created = 1;
	return WS_NEXT_AGAIN;
cannot:
	snprintf(r->why, r->whylen, "workspace '%s' could not be started: %s", r->name, msg);
	return ws_fail(r, WS_ERR_DOCKER);
}

/* Did someone else start it meanwhile? Then its port is its own. */
static int ws_now_running(struct ws_run *r)
{
	struct ws_container c;
	char why[200];

	return ws_engine_inspect(r->e, r->name, WS_OBJ_CONTAINER, &c, why, sizeof(why)) == WS_OK &&
	    c.state == WS_CSTATE_RUNNING;
}

/* start: a stopped container, once. */
static enum ws_next ws_step_start(struct ws_run *r)
{
	char msg[512] = "";
	ws_err rc;

	if (r->t.started) {
		/* We started it and it stopped again: it cannot run. */
		ws_start_failed(r);
		return ws_fail(r, WS_ERR_DOCKER);
	}
	ws_progress(r, "starting");
	rc = ws_engine_action(r->e, r->name, WS_OBJ_CONTAINER, "start", msg, sizeof(msg));
	if (rc == WS_OK) {
		ws_info("started workspace-%s", r->name);
		r->t.started = 1;
		return WS_NEXT_AGAIN;
	}
	if (rc == WS_ERR_NOT_FOUND)
		return WS_NEXT_AGAIN;
	if (rc == WS_ERR_DOCKER && ws_remakeable(msg)) {
		if (ws_now_running(r))
			return WS_NEXT_AGAIN;   /* started by someone else meanwhile */
		return ws_step_remake(r, msg);
	}
	snprintf(r->why, r->whylen, "workspace '%s' could not be started: %s", r->name, msg);
	return ws_fail(r, rc);
}

/* run: a container is there. Admit on its owner, then act on its state. */
static enum ws_next ws_step_run(struct ws_run *r)
{
	char msg[512];
	ws_err rc;

	if (!r->c.managed) {
		snprintf(r->why, r->whylen, "container workspace-%s was not made by wsgate; ask an administrator",
		    r->name);
		return ws_fail(r, WS_ERR_CONFLICT);
	}
	if (!r->t.created && !ws_admitted(r, r->c.owner))
		return ws_fail(r, WS_ERR_DENIED);
	switch (r->c.state) {
	case WS_CSTATE_RUNNING:
		if (r->c.port == 0 || r->c.hostkey[0] == '\0') {
			snprintf(r->why, r->whylen, "workspace '%s' has no published sshd port or pinned host key",
			    r->name);
			return ws_fail(r, WS_ERR_DOCKER);
		}
		r->t.port = r->c.port;
		snprintf(r->t.hostkey, sizeof(r->t.hostkey), "%s", r->c.hostkey);
		snprintf(r->t.owner, sizeof(r->t.owner), "%s", r->c.owner);
		snprintf(r->t.clone, sizeof(r->t.clone), "%s", r->c.clone);
		return WS_NEXT_DONE;
	case WS_CSTATE_CREATED:
	case WS_CSTATE_EXITED:
		return ws_step_start(r);
	case WS_CSTATE_PAUSED:
		rc = ws_engine_action(r->e, r->name, WS_OBJ_CONTAINER, "unpause", msg, sizeof(msg));
		if (rc != WS_OK && rc != WS_ERR_NOT_FOUND) {
			snprintf(r->why, r->whylen, "workspace '%s' could not be unpaused: %s", r->name, msg);
			return ws_fail(r, rc);
		}
		r->t.started = 1;
		return WS_NEXT_AGAIN;
	case WS_CSTATE_RESTARTING:
	case WS_CSTATE_REMOVING:
		ws_clock_sleep_ms(500);
		return WS_NEXT_AGAIN;
	default:
		snprintf(r->why, r->whylen, "workspace '%s' is %s; ask an administrator", r->name,
		    ws_cstate_str(r->c.state));
		return ws_fail(r, WS_ERR_DOCKER);
	}
}

ws_err ws_workspace_ensure(struct ws_engine *e, const struct ws_bringup *p, const char *name,
    struct ws_brought *out, char *why, size_t whylen)
{
	struct ws_run *r = calloc(1, sizeof(*r));
	enum ws_next next = WS_NEXT_AGAIN;
	int round, present = 0;
	ws_err rc;

	if (r == NULL)
		return WS_ERR_NOMEM;
	r->e = e;
	r->p = p;
	r->name = name;
	r->why = why;
	r->whylen = whylen;
	for (round = 0; round < WS_ENSURE_ROUNDS && next == WS_NEXT_AGAIN; round++) {
		int waits = r->waits;

		next = ws_step_find(r, &present);
		if (next == WS_NEXT_AGAIN && present == 1)
			next = ws_step_run(r);
		else if (next == WS_NEXT_AGAIN && present == 0)
			next = ws_step_make(r);
		if (r->waits > waits)
			round--;   /* waiting for someone else's create is not a round */
	}
	if (next == WS_NEXT_DONE) {
		*out = r->t;
		rc = WS_OK;
	} else if (next == WS_NEXT_FAIL) {
		rc = r->rc;
	} else {
		snprintf(why, whylen, "workspace '%s' could not be started: it kept changing state", name);
		rc = WS_ERR_CONFLICT;
	}
	free(r);
	return rc;
}
