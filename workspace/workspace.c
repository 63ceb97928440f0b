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
#include "names.h"
#include "userca.h"
#include "volumes.h"

/* Rounds of look-then-act; each makes progress unless someone races us. */
#define WS_ENSURE_ROUNDS 8
#define WS_MAX_EXCLUDED 16
/* Waits of 50 ms for another gateway's create of the same workspace (10 s). */
#define WS_CREATE_WAITS 200
/* Longest wait for a backup that has paused the workspace (s). */
#define WS_BACKUP_WAIT_S 60

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
	int fixed_port;                 /* ws rebuild: the port kept, else 0 */
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

/* A phase ended (next: how the step went; done: it did its work): told
 * to the caller when it failed or was done, not when someone else did the
 * work meanwhile (next is WS_NEXT_AGAIN then, with nothing done). */
static void ws_phase_end(struct ws_run *r, enum ws_phase ph, double since, enum ws_next next,
    int done)
{
	if (r->p->phase != NULL && (next == WS_NEXT_FAIL || done))
		r->p->phase(r->p->phase_arg, ph, ws_clock_now() - since, next != WS_NEXT_FAIL);
}

static int ws_admitted(struct ws_run *r, const char *owner)
{
	return r->p->admit == NULL || r->p->admit(r->p->admit_arg, owner);
}

/* A refusal over volumes. The person gets one line naming the volume (its
 * name comes from the workspace's) but nothing of anyone else's; the ws
 * command (an administrator) and the log get the detail. */
static enum ws_next ws_refuse_volumes(struct ws_run *r, const char *detail)
{
	ws_warn("workspace %s: %s", r->name, detail);
	if (r->p->admit == NULL)
		snprintf(r->why, r->whylen, "workspace '%s': %s; an administrator must move it away first",
		    r->name, detail);
	else
		snprintf(r->why, r->whylen,
		    "workspace '%s' cannot be used: a volume of its name is not its own; ask an administrator (the gateway log says which)",
		    r->name);
	return ws_fail(r, WS_ERR_FOREIGN);
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

	if (ssh_pki_generate_key(SSH_KEYTYPE_ED25519, NULL, &key) != SSH_OK ||
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
	char principal[WS_USERCA_PRINCIPAL_MAX + 1];
	char pub[512], *priv = NULL, why[400];
	int port = 0;
	ws_err rc;

	/* The owner's settings, whoever triggered this: never the entrant's.
	 * An owner label that is no account name is no owner. */
	if (ws_account_check(owner, why, sizeof(why)) != WS_OK ||
	    ws_config_for_account(r->p->cfg, owner, &acfg, why, sizeof(why)) != WS_OK) {
		rc = WS_ERR_CONFIG;
		ws_error("account %s: %s", owner, why);
		snprintf(r->why, r->whylen, "the settings of account '%s' are invalid; ask an administrator",
		    owner);
		return rc;
	}
	memset(&spec, 0, sizeof(spec));
	spec.image = r->p->image != NULL && (kind == WS_OBJ_CONTAINER || r->fixed_port > 0) ?
	    r->p->image : acfg->image;
	spec.publish_address = acfg->publish_address;
	spec.user_ca = r->p->user_ca;
	spec.ca_id = r->p->ca_id;
	ws_userca_principal(r->name, principal, sizeof(principal));
	spec.principal = principal;
	spec.owner = owner;
	spec.clone_url = clone != NULL && clone[0] != '\0' ? clone : NULL;
	spec.home_volume = home;
	spec.docker_volume = docker;
	spec.network = WS_NETWORK;
	spec.env = acfg->env;
	spec.files = acfg->files;
	spec.cpu_millis = acfg->cpu_millis;
	spec.memory_mb = acfg->memory_mb;
	spec.dind = acfg->docker_in_docker;
	if (r->fixed_port > 0)
		port = r->fixed_port;
	else if ((rc = ws_pick_port(r, acfg, &port)) != WS_OK)
		goto out;
	if ((rc = ws_engine_network(r->e, r->why, r->whylen)) != WS_OK)
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

/* The container just made mounts exactly the volumes checked, and they
 * still say what they said (a volume removed meanwhile is made again by the
 * engine, unlabelled): otherwise it goes. */
static ws_err ws_verify(struct ws_run *r, enum ws_obj kind, const char *owner, const char *home,
    const char *docker, int legacy_ok, char *detail, size_t len)
{
	struct ws_container c;
	char why[300];
	ws_err rc;

	if ((rc = ws_engine_inspect(r->e, r->name, kind, &c, why, sizeof(why))) != WS_OK) {
		snprintf(detail, len, "%s", why);
		return rc;
	}
	if (strcmp(c.home_volume, home) != 0 || strcmp(c.docker_volume, docker) != 0) {
		snprintf(detail, len, "the container mounts %s and %s, not %s and %s", c.home_volume,
		    c.docker_volume, home, docker);
		rc = WS_ERR_FOREIGN;
	} else if ((rc = ws_vols_check(r->e, r->name, home, WS_ROLE_HOME, owner, legacy_ok, detail, len)) == WS_OK) {
		rc = ws_vols_check(r->e, r->name, docker, WS_ROLE_DOCKER, owner, legacy_ok, detail, len);
	}
	if (rc != WS_OK)
		ws_engine_remove(r->e, r->name, kind, NULL, why, sizeof(why));
	return rc;
}

/* find: the container as it is now. A replacement left by a remake cut
 * short (the old one gone, the new not yet renamed) is finished first, for
 * an entrant its owner admits. */
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
		if (!ws_admitted(r, rc_c.owner))
			return ws_fail(r, WS_ERR_DENIED);
		ws_warn("workspace %s: finishing a replacement left half done", r->name);
		if ((rc = ws_engine_promote(r->e, r->name, r->why, r->whylen)) != WS_OK &&
		    rc != WS_ERR_CONFLICT && rc != WS_ERR_NOT_FOUND)
			return ws_fail(r, rc);
		*present = -1;   /* look again */
	}
	return WS_NEXT_AGAIN;
}

/* make: no container. A new workspace for the entrant, its owner's orphan
 * made whole again, or (an administrator's ws adopt) wsgate 0.1's volumes;
 * never on anyone else's volumes. Admission comes first, so someone who may
 * not enter learns nothing of what is there. */
static enum ws_next ws_make_on(struct ws_run *r, const char *owner, const char *clone,
    struct ws_vols *v);

static enum ws_next ws_step_make(struct ws_run *r)
{
	char owner[33];
	const char *clone = NULL;
	struct ws_vols v;
	enum ws_next next;
	int was = r->t.created;
	double since;
	ws_err rc;

	if ((rc = ws_vols_read(r->e, r->name, &v, r->why, r->whylen)) != WS_OK)
		return ws_fail(r, rc);
	switch (v.state) {
	case WS_VOLS_NONE:
		if (!r->p->may_create)
			return ws_fail(r, WS_ERR_NOT_FOUND);
		if (!ws_admitted(r, NULL))
			return ws_fail(r, WS_ERR_DENIED);
		snprintf(owner, sizeof(owner), "%s", r->p->adopt_owner ? r->p->adopt_owner : r->p->entrant);
		clone = r->p->clone_url;
		break;
	case WS_VOLS_OWNED:
		/* An orphan: its owner's, whoever asks, if they may enter it. */
		if (!ws_admitted(r, v.owner))
			return ws_fail(r, WS_ERR_DENIED);
		snprintf(owner, sizeof(owner), "%s", v.owner);
		clone = v.clone;
		ws_info("workspace %s has no container; making it again for its owner %s", r->name, owner);
		break;
	case WS_VOLS_LEGACY:
		if (!ws_admitted(r, ""))
			return ws_fail(r, WS_ERR_DENIED);
		if (r->p->adopt_owner == NULL) {
			snprintf(r->why, r->whylen,
			    "workspace '%s': its volumes were made by an older wsgate and record no owner; an administrator can adopt them (ws adopt %s --owner ACCOUNT)",
			    r->name, r->name);
			return ws_fail(r, WS_ERR_FOREIGN);
		}
		snprintf(owner, sizeof(owner), "%s", r->p->adopt_owner);
		break;
	case WS_VOLS_BUSY:
		if (!ws_admitted(r, v.owner))
			return ws_fail(r, WS_ERR_DENIED);
		snprintf(r->why, r->whylen, "workspace '%s' is being restored; try again when that is done",
		    r->name);
		return ws_fail(r, WS_ERR_CONFLICT);
	default:
		if (!ws_admitted(r, ""))
			return ws_fail(r, WS_ERR_DENIED);
		return ws_refuse_volumes(r, v.detail);
	}
	ws_progress(r, "creating");
	since = ws_clock_now();
	next = ws_make_on(r, owner, clone, &v);
	ws_phase_end(r, WS_PHASE_CREATE, since, next, r->t.created && !was);
	return next;
}

/* The create itself: the volumes (checked or made), then the container. */
static enum ws_next ws_make_on(struct ws_run *r, const char *owner, const char *clone,
    struct ws_vols *v)
{
	char msg[512], detail[300];
	int fresh = 0;
	ws_err rc;

	rc = ws_vols_make(r->e, r->name, owner, clone, v, &fresh, detail, sizeof(detail));
	if (rc == WS_ERR_FOREIGN && fresh)
		return WS_NEXT_AGAIN;   /* someone else claimed the name first: look again */
	if (rc == WS_ERR_FOREIGN)
		return ws_refuse_volumes(r, detail);
	if (rc != WS_OK) {
		snprintf(r->why, r->whylen, "workspace '%s' could not be created: %s", r->name, detail);
		return ws_fail(r, rc);
	}
	rc = ws_create(r, WS_OBJ_CONTAINER, owner, clone, v->home, v->docker);
	if (rc == WS_OK)
		rc = ws_verify(r, WS_OBJ_CONTAINER, owner, v->home, v->docker, v->state == WS_VOLS_LEGACY,
		    detail, sizeof(detail));
	if (rc == WS_OK) {
		r->t.created = 1;
		return WS_NEXT_AGAIN;
	}
	if (rc == WS_ERR_FOREIGN)
		return ws_refuse_volumes(r, detail);
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
		ws_engine_volume_remove(r->e, v->home, NULL, why, sizeof(why));
		ws_engine_volume_remove(r->e, v->docker, NULL, why, sizeof(why));
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
static enum ws_next ws_remake(struct ws_run *r, const char *msg);

static enum ws_next ws_step_remake(struct ws_run *r, const char *msg)
{
	int was = r->t.created;
	double since = ws_clock_now();
	enum ws_next next = ws_remake(r, msg);

	ws_phase_end(r, WS_PHASE_CREATE, since, next, r->t.created && !was);
	return next;
}

static enum ws_next ws_remake(struct ws_run *r, const char *msg)
{
	char why[512];
	ws_err rc;

	ws_warn("workspace %s: %s; making its container again", r->name, msg);
	if (r->nexcluded >= WS_MAX_EXCLUDED)
		goto cannot;
	/* Port 0 is never picked; it only counts the remakes. */
	r->excluded[r->nexcluded++] = ws_port_conflict(msg) ? r->c.port : 0;
	if (r->c.home_volume[0] == '\0' || r->c.docker_volume[0] == '\0') {
		snprintf(r->why, r->whylen, "workspace '%s' could not be started (%s) and has no volumes to make it again on",
		    r->name, msg);
		return ws_fail(r, WS_ERR_CONFLICT);
	}
	/* (its volumes were checked when it was let in: ws_step_run) */
	/* A replacement left by an earlier attempt goes first. */
	if (ws_engine_remove(r->e, r->name, WS_OBJ_REMAKE, NULL, why, sizeof(why)) != WS_OK)
		goto cannot;
	rc = ws_create(r, WS_OBJ_REMAKE, r->c.owner, r->c.clone, r->c.home_volume, r->c.docker_volume);
	if (rc == WS_ERR_CONFLICT)
		return WS_NEXT_AGAIN;   /* someone else is remaking it */
	if (rc == WS_OK &&
	    (rc = ws_verify(r, WS_OBJ_REMAKE, r->c.owner, r->c.home_volume, r->c.docker_volume, 1, why,
	    sizeof(why))) == WS_ERR_FOREIGN)
		return ws_refuse_volumes(r, why);
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
	double since;
	ws_err rc;

	if (r->t.started) {
		/* We started it and it stopped again: it cannot run. */
		ws_start_failed(r);
		return ws_fail(r, WS_ERR_DOCKER);
	}
	ws_progress(r, "starting");
	since = ws_clock_now();
	rc = ws_engine_action(r->e, r->name, WS_OBJ_CONTAINER, "start", msg, sizeof(msg));
	if (rc == WS_OK) {
		ws_info("started workspace-%s", r->name);
		r->t.started = 1;
		ws_phase_end(r, WS_PHASE_START, since, WS_NEXT_AGAIN, 1);
		return WS_NEXT_AGAIN;
	}
	if (rc == WS_ERR_NOT_FOUND)
		return WS_NEXT_AGAIN;
	if (rc == WS_ERR_DOCKER && ws_remakeable(msg)) {
		if (ws_now_running(r))
			return WS_NEXT_AGAIN;   /* started by someone else meanwhile */
		ws_phase_end(r, WS_PHASE_START, since, WS_NEXT_FAIL, 0);
		return ws_step_remake(r, msg);
	}
	snprintf(r->why, r->whylen, "workspace '%s' could not be started: %s", r->name, msg);
	ws_phase_end(r, WS_PHASE_START, since, WS_NEXT_FAIL, 0);
	return ws_fail(r, rc);
}

/* Waits (at most WS_BACKUP_WAIT_S) while a backup's helper runs beside the
 * paused workspace, so that a login does not unpause it mid-copy. 0 when
 * none runs (any more), -1 with why when it still does. */
static int ws_backup_wait(struct ws_run *r, int *waited)
{
	struct ws_container h;
	char why[200];
	double start = ws_clock_now();
	int said = 0;

	while (ws_engine_inspect(r->e, r->name, WS_OBJ_HELPER, &h, why, sizeof(why)) == WS_OK &&
	    h.state == WS_CSTATE_RUNNING) {
		if (ws_clock_now() - start > WS_BACKUP_WAIT_S) {
			snprintf(r->why, r->whylen, "workspace '%s' is paused while it is backed up; try again when that is done",
			    r->name);
			return -1;
		}
		if (!said++)
			ws_progress(r, "waiting for a backup of");
		ws_clock_sleep_ms(250);
	}
	*waited = said > 0;
	return 0;
}

/* run: a container is there. Admission first (on its owner; one wsgate did
 * not make has none), then what it mounts must be this workspace's and its
 * owner's (wsgate 0.1's volumes pass), then act on its state. */
static enum ws_next ws_step_run(struct ws_run *r)
{
	char msg[512], detail[300];
	int waited = 0;
	double since;
	ws_err rc;

	if (!r->t.created && !ws_admitted(r, r->c.managed ? r->c.owner : ""))
		return ws_fail(r, WS_ERR_DENIED);
	if (!r->c.managed) {
		snprintf(r->why, r->whylen, "container workspace-%s was not made by wsgate; ask an administrator",
		    r->name);
		return ws_fail(r, WS_ERR_CONFLICT);
	}
	if (!r->t.created &&
	    ((r->c.home_volume[0] != '\0' && ws_vols_check(r->e, r->name, r->c.home_volume, WS_ROLE_HOME,
	    r->c.owner, 1, detail, sizeof(detail)) == WS_ERR_FOREIGN) ||
	    (r->c.docker_volume[0] != '\0' && ws_vols_check(r->e, r->name, r->c.docker_volume, WS_ROLE_DOCKER,
	    r->c.owner, 1, detail, sizeof(detail)) == WS_ERR_FOREIGN)))
		return ws_refuse_volumes(r, detail);
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
		snprintf(r->t.ca, sizeof(r->t.ca), "%s", r->c.ca);
		return WS_NEXT_DONE;
	case WS_CSTATE_CREATED:
	case WS_CSTATE_EXITED:
		/* Made before the gateway's CA (or for another one): its next
		 * start is the moment to move it, on the same volumes. One
		 * without them (not made by a bring-up) is started as it is. */
		if (r->p->ca_id != NULL && strcmp(r->c.ca, r->p->ca_id) != 0 && !r->remade &&
		    r->c.home_volume[0] != '\0' && r->c.docker_volume[0] != '\0')
			return ws_step_remake(r, r->c.ca[0] == '\0' ?
			    "it trusts the gateway's old key, not its certificate authority" :
			    "it trusts another certificate authority");
		return ws_step_start(r);
	case WS_CSTATE_PAUSED:
		/* Paused by a backup: it unpauses when done (soon, usually);
		 * then look again. */
		if (ws_backup_wait(r, &waited) != 0)
			return ws_fail(r, WS_ERR_CONFLICT);
		if (waited)
			return WS_NEXT_AGAIN;
		since = ws_clock_now();
		rc = ws_engine_action(r->e, r->name, WS_OBJ_CONTAINER, "unpause", msg, sizeof(msg));
		if (rc != WS_OK && rc != WS_ERR_NOT_FOUND) {
			snprintf(r->why, r->whylen, "workspace '%s' could not be unpaused: %s", r->name, msg);
			ws_phase_end(r, WS_PHASE_START, since, WS_NEXT_FAIL, 0);
			return ws_fail(r, rc);
		}
		ws_phase_end(r, WS_PHASE_START, since, WS_NEXT_AGAIN, rc == WS_OK);
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

ws_err ws_workspace_replacement(struct ws_engine *e, const struct ws_bringup *p, const char *name,
    const struct ws_container *c, char *why, size_t whylen)
{
	struct ws_run *r = NULL;
	char detail[400], gone[200];
	ws_err rc;

	if (c->port <= 0 || c->home_volume[0] == '\0' || c->docker_volume[0] == '\0') {
		snprintf(why, whylen, "workspace '%s' has no port or volumes to rebuild on", name);
		return WS_ERR_CONFLICT;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return WS_ERR_NOMEM;
	r->e = e;
	r->p = p;
	r->name = name;
	r->why = why;
	r->whylen = whylen;
	r->c = *c;
	r->fixed_port = c->port;
	/* One left by a rebuild cut short goes first. */
	if ((rc = ws_engine_remove(e, name, WS_OBJ_REMAKE, NULL, why, whylen)) == WS_OK &&
	    (rc = ws_create(r, WS_OBJ_REMAKE, c->owner, c->clone, c->home_volume, c->docker_volume)) == WS_OK &&
	    (rc = ws_verify(r, WS_OBJ_REMAKE, c->owner, c->home_volume, c->docker_volume, 1, detail,
	    sizeof(detail))) != WS_OK)
		snprintf(why, whylen, "workspace '%s': %s", name, detail);
	if (rc == WS_ERR_IMAGE_MISSING)
		ws_engine_remove(e, name, WS_OBJ_REMAKE, NULL, gone, sizeof(gone));
	free(r);
	return rc;
}
