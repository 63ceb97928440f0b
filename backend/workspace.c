#include "workspace.h"

#include <arpa/inet.h>
#include <libssh/libssh.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "container.h"
#include "log.h"
#include "spec.h"

/* Rounds of inspect/act before giving up; each round makes progress unless
 * another gateway races us, so a handful is plenty. */
#define WS_ENSURE_ROUNDS 8
#define WS_MAX_EXCLUDED 16
/* Waits of 50 ms for another gateway's create of the same workspace (10 s). */
#define WS_CREATE_WAITS 200

ws_err ws_workspace_inspect(struct ws_docker *d, const char *name, struct ws_container *c,
    char *why, size_t whylen)
{
	struct json_object *reply = NULL;
	char path[160];
	long status = 0;
	ws_err rc;

	snprintf(path, sizeof(path), "/containers/workspace-%s/json", name);
	if ((rc = ws_docker_request(d, "GET", path, NULL, &status, &reply)) != WS_OK) {
		snprintf(why, whylen, "the Docker engine did not answer (%s); is dockerd running?",
		    ws_err_str(rc));
		rc = rc == WS_ERR_DOCKER_DOWN ? rc : WS_ERR_DOCKER;
		goto out;
	}
	if (status == 404) {
		rc = WS_ERR_NOT_FOUND;
	} else if (status != 200) {
		snprintf(why, whylen, "Docker engine error: %s", ws_docker_message(reply));
		rc = WS_ERR_DOCKER;
	} else if ((rc = ws_container_parse(reply, c)) != WS_OK) {
		snprintf(why, whylen, "the Docker engine sent an unreadable reply");
		rc = WS_ERR_DOCKER;
	}
out:
	json_object_put(reply);
	return rc;
}

/* Tells the person waiting what is happening, when someone listens. */
static void ws_progress(const struct ws_workspace_params *p, const char *verb, const char *name)
{
	char line[200];

	if (p->progress == NULL)
		return;
	snprintf(line, sizeof(line), "%s workspace '%s'", verb, name);
	p->progress(p->progress_arg, line);
}

ws_err ws_workspace_action(struct ws_docker *d, const char *name, const char *action,
    char *msg, size_t msglen)
{
	struct json_object *reply = NULL;
	char path[160];
	long status = 0;
	ws_err rc;

	snprintf(path, sizeof(path), "/containers/workspace-%s/%s", name, action);
	rc = ws_docker_request(d, "POST", path, NULL, &status, &reply);
	if (rc != WS_OK) {
		snprintf(msg, msglen, "the Docker engine did not answer (%s)", ws_err_str(rc));
	} else if (status == 404) {
		rc = WS_ERR_NOT_FOUND;
	} else if (status != 204 && status != 304) {
		snprintf(msg, msglen, "%s", ws_docker_message(reply));
		rc = WS_ERR_DOCKER;
	}
	json_object_put(reply);
	return rc;
}

static void ws_remove(struct ws_docker *d, const char *name)
{
	struct json_object *reply = NULL;
	char path[160];
	long status = 0;

	/* v=0: the home volume is the user's data and always stays. */
	snprintf(path, sizeof(path), "/containers/workspace-%s?force=1&v=0", name);
	if (ws_docker_request(d, "DELETE", path, NULL, &status, &reply) == WS_OK)
		ws_debug("removed workspace-%s (%ld)", name, status);
	json_object_put(reply);
}

/* Returns 1 when nothing on this host listens on addr:port (a quick bind
 * probe; the engine may still refuse it, which ws_workspace_ensure handles). */
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
static ws_err ws_pick_port(struct ws_docker *d, const struct ws_workspace_params *p,
    const int *excluded, int nexcluded, int *port)
{
	struct json_object *reply = NULL;
	unsigned char *used = NULL;
	long status = 0;
	int i, span = p->port_max - p->port_min + 1;
	ws_err rc;

	used = calloc((size_t)span, 1);
	if (used == NULL)
		return WS_ERR_NOMEM;
	rc = ws_docker_request(d, "GET", "/containers/json?all=1", NULL, &status, &reply);
	if (rc == WS_OK && status != 200)
		rc = WS_ERR_DOCKER;
	if (rc == WS_OK)
		rc = ws_container_ports_in_use(reply, p->port_min, p->port_max, used);
	if (rc != WS_OK)
		goto out;
	for (i = 0; i < nexcluded; i++)
		if (excluded[i] >= p->port_min && excluded[i] <= p->port_max)
			used[excluded[i] - p->port_min] = 1;
	rc = WS_ERR_PORTS_EXHAUSTED;
	for (i = 0; i < span; i++) {
		if (!used[i] && ws_port_free_here(p->spec.publish_address, p->port_min + i)) {
			*port = p->port_min + i;
			rc = WS_OK;
			break;
		}
	}
out:
	json_object_put(reply);
	free(used);
	return rc;
}

/* Makes a host key for a new workspace: *priv is the OpenSSH private key text,
 * pub the "type base64" line to pin. */
static ws_err ws_make_hostkey(char **priv, char *pub, size_t publen)
{
	ssh_key key = NULL;
	char *b64 = NULL, *pem = NULL;
	ws_err rc = WS_ERR_SSH;

	if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK)
		goto out;
	if (ssh_pki_export_privkey_base64(key, NULL, NULL, NULL, &pem) != SSH_OK)
		goto out;
	if (ssh_pki_export_pubkey_base64(key, &b64) != SSH_OK)
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

/* One create attempt. WS_ERR_CONFLICT when someone else created it first. */
static ws_err ws_create(struct ws_docker *d, const struct ws_workspace_params *p,
    const char *name, int port, char *why, size_t whylen)
{
	struct json_object *body = NULL, *reply = NULL;
	char pub[512], path[160], *priv = NULL;
	long status = 0;
	ws_err rc;

	if ((rc = ws_make_hostkey(&priv, pub, sizeof(pub))) != WS_OK) {
		snprintf(why, whylen, "could not make a host key for it");
		goto out;
	}
	if ((rc = ws_spec_body(&p->spec, name, port, priv, pub, &body, why, whylen)) != WS_OK)
		goto out;
	snprintf(path, sizeof(path), "/containers/create?name=workspace-%s", name);
	rc = ws_docker_request(d, "POST", path,
	    json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), &status, &reply);
	if (rc != WS_OK) {
		snprintf(why, whylen, "the Docker engine did not answer (%s)", ws_err_str(rc));
	} else if (status == 409) {
		rc = WS_ERR_CONFLICT;
	} else if (status == 404) {
		snprintf(why, whylen, "image %s not found (build it: packaging/image/build.sh)",
		    p->spec.image);
		rc = WS_ERR_IMAGE_MISSING;
	} else if (status != 201) {
		snprintf(why, whylen, "%s", ws_docker_message(reply));
		rc = WS_ERR_DOCKER;
	} else {
		ws_info("created workspace-%s (sshd on port %d)", name, port);
	}
out:
	if (priv != NULL) {
		memset(priv, 0, strlen(priv));
		ssh_string_free_char(priv);
	}
	json_object_put(body);
	json_object_put(reply);
	return rc;
}

/* The line for a workspace that does not stay up. */
static void ws_start_failed(const struct ws_container *c, const char *name, char *why,
    size_t whylen)
{
	if (c->error[0] != '\0')
		snprintf(why, whylen, "workspace '%s' could not be started: %s", name, c->error);
	else
		snprintf(why, whylen, "workspace '%s' could not be started: it is %s (exit code %d); see docker logs workspace-%s",
		    name, ws_cstate_str(c->state), c->exit_code, name);
}

/* Did someone else start it meanwhile? Then its port is its own. */
static int ws_now_running(struct ws_docker *d, const char *name)
{
	struct ws_container c;
	char why[200];

	return ws_workspace_inspect(d, name, &c, why, sizeof(why)) == WS_OK && c.state == WS_CSTATE_RUNNING;
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

ws_err ws_workspace_ensure(struct ws_docker *d, const struct ws_workspace_params *p,
    const char *name, struct ws_workspace_target *out, char *why, size_t whylen)
{
	struct ws_workspace_target t;
	struct ws_container c;
	struct ws_workspace_params remake;
	int excluded[WS_MAX_EXCLUDED], nexcluded = 0, round, port, waits = 0;
	char msg[512], owner[sizeof(c.owner)], clone[sizeof(c.clone)];
	ws_err rc = WS_ERR_CONFLICT;

	memset(&t, 0, sizeof(t));
	for (round = 0; round < WS_ENSURE_ROUNDS; round++) {
		msg[0] = '\0';
		rc = ws_workspace_inspect(d, name, &c, why, whylen);
		if (rc == WS_ERR_NOT_FOUND) {
			if (!p->may_create)
				return WS_ERR_NOT_FOUND;
			if (p->admit != NULL && !p->admit(p->admit_arg, NULL))
				return WS_ERR_DENIED;
			ws_progress(p, "creating", name);
			rc = ws_pick_port(d, p, excluded, nexcluded, &port);
			if (rc != WS_OK) {
				snprintf(why, whylen, "workspace '%s' could not be created: %s",
				    name, ws_err_str(rc));
				return rc;
			}
			rc = ws_create(d, p, name, port, msg, sizeof(msg));
			if (rc == WS_OK) {
				t.created = 1;
			} else if (rc == WS_ERR_CONFLICT && waits < WS_CREATE_WAITS) {
				/* Someone else is creating it: the engine answers 404
				 * to inspect until that is done. Wait, not a round. */
				waits++;
				round--;
				ws_clock_sleep_ms(50);
			} else if (rc != WS_ERR_CONFLICT) {
				goto fail_create;
			}
			continue;
		}
		if (rc != WS_OK)
			return rc;
		if (!t.created && p->admit != NULL && !p->admit(p->admit_arg, &c))
			return WS_ERR_DENIED;
		if (!c.managed) {
			snprintf(why, whylen, "container workspace-%s was not made by wsgate; ask an administrator",
			    name);
			return WS_ERR_CONFLICT;
		}
		switch (c.state) {
		case WS_CSTATE_RUNNING:
			if (c.port == 0 || c.hostkey[0] == '\0') {
				snprintf(why, whylen, "workspace '%s' has no published sshd port or pinned host key",
				    name);
				return WS_ERR_DOCKER;
			}
			t.port = c.port;
			snprintf(t.hostkey, sizeof(t.hostkey), "%s", c.hostkey);
			*out = t;
			return WS_OK;
		case WS_CSTATE_CREATED:
		case WS_CSTATE_EXITED:
			if (t.started) {
				/* We started it and it stopped again: it cannot run. */
				ws_start_failed(&c, name, why, whylen);
				return WS_ERR_DOCKER;
			}
			ws_progress(p, "starting", name);
			rc = ws_workspace_action(d, name, "start", msg, sizeof(msg));
			if (rc == WS_OK) {
				ws_info("started workspace-%s", name);
				t.started = 1;
			} else if (rc == WS_ERR_DOCKER && ws_remakeable(msg) && ws_now_running(d, name)) {
				/* Started by someone else meanwhile: the next round
				 * finds it running. */
			} else if (rc == WS_ERR_DOCKER && ws_remakeable(msg) &&
			    nexcluded < WS_MAX_EXCLUDED) {
				/* Someone else holds its port (a fresh container lost a
				 * race, or a stopped one's port was taken meanwhile), or
				 * the engine died while starting it and its runtime
				 * still holds the id: make the container again. Volumes,
				 * owner and repository stay; the rest is config. */
				ws_warn("workspace-%s: %s; remaking it", name, msg);
				/* Port 0 is never picked; it only counts the remakes. */
				excluded[nexcluded++] = ws_port_conflict(msg) ? c.port : 0;
				if (!t.created) {
					remake = *p;
					snprintf(owner, sizeof(owner), "%s", c.owner);
					snprintf(clone, sizeof(clone), "%s", c.clone);
					remake.spec.owner = owner;
					remake.spec.clone_url = clone[0] ? clone : NULL;
					remake.may_create = 1;
					p = &remake;
				}
				ws_remove(d, name);
				t.created = 0;
			} else if (rc != WS_ERR_NOT_FOUND) {
				snprintf(why, whylen, "workspace '%s' could not be started: %s", name, msg);
				return rc;
			}
			break;
		case WS_CSTATE_PAUSED:
			rc = ws_workspace_action(d, name, "unpause", msg, sizeof(msg));
			if (rc != WS_OK && rc != WS_ERR_NOT_FOUND) {
				snprintf(why, whylen, "workspace '%s' could not be unpaused: %s", name, msg);
				return rc;
			}
			t.started = 1;
			break;
		case WS_CSTATE_RESTARTING:
		case WS_CSTATE_REMOVING:
			ws_clock_sleep_ms(500);
			break;
		default:
			snprintf(why, whylen, "workspace '%s' is %s; ask an administrator",
			    name, ws_cstate_str(c.state));
			return WS_ERR_DOCKER;
		}
	}
	snprintf(why, whylen, "workspace '%s' could not be started: it kept changing state", name);
	return WS_ERR_CONFLICT;
fail_create:
	snprintf(why, whylen, "workspace '%s' could not be created: %s", name, msg);
	return rc;
}

ws_err ws_workspace_check_running(struct ws_docker *d, const char *name,
    char *why, size_t whylen)
{
	struct ws_container c;
	ws_err rc = ws_workspace_inspect(d, name, &c, why, whylen);

	if (rc == WS_ERR_NOT_FOUND) {
		snprintf(why, whylen, "workspace '%s' was removed while starting", name);
		return rc;
	}
	if (rc != WS_OK)
		return rc;
	if (c.state == WS_CSTATE_RUNNING || c.state == WS_CSTATE_RESTARTING)
		return WS_OK;
	ws_start_failed(&c, name, why, whylen);
	return WS_ERR_DOCKER;
}

void ws_workspace_params_from_config(struct ws_workspace_params *wp,
    const struct ws_config *cfg, const char *gateway_key, const char *owner)
{
	memset(wp, 0, sizeof(*wp));
	wp->spec.image = cfg->image;
	wp->spec.publish_address = cfg->publish_address;
	wp->spec.gateway_key = gateway_key;
	wp->spec.owner = owner;
	wp->spec.env = cfg->env;
	wp->spec.files = cfg->files;
	wp->spec.cpu_millis = cfg->cpu_millis;
	wp->spec.memory_mb = cfg->memory_mb;
	wp->spec.dind = cfg->docker_in_docker;
	wp->port_min = cfg->port_min;
	wp->port_max = cfg->port_max;
}
