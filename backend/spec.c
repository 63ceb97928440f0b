#include "spec.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "container.h"
#include "dynbuf.h"
#include "jsonbuild.h"

/* Adds "KEY=value" to the environment array. */
static int ws_env(struct json_object *env, const char *key, const char *value)
{
	struct ws_dynbuf *b = ws_dynbuf_new(strlen(key) + strlen(value) + 2);
	int bad;

	if (b == NULL)
		return 1;
	bad = ws_dynbuf_add(b, key, strlen(key)) != WS_OK || ws_dynbuf_add(b, "=", 1) != WS_OK ||
	    ws_dynbuf_add(b, value, strlen(value)) != WS_OK ||
	    ws_json_push(env, json_object_new_string(ws_dynbuf_ptr(b)));
	ws_dynbuf_free(b);
	return bad;
}

/* Reads one SOURCE:DEST file into "DEST\nCONTENT" for the entrypoint. */
static ws_err ws_file_entry(const char *entry, struct ws_dynbuf *out, size_t *total,
    char *why, size_t whylen)
{
	const char *colon = strchr(entry, ':');
	char src[4096];
	struct ws_dynbuf *content = NULL;
	int fd = -1;
	ws_err rc = WS_ERR_INVALID;

	if (colon == NULL || (size_t)(colon - entry) >= sizeof(src)) {
		snprintf(why, whylen, "files entry '%.100s' is not SOURCE:DEST", entry);
		goto out;
	}
	memcpy(src, entry, (size_t)(colon - entry));
	src[colon - entry] = '\0';
	if ((fd = open(src, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(why, whylen, "credential file %.200s cannot be read: %s; ask an administrator",
		    src, strerror(errno));
		rc = WS_ERR_IO;
		goto out;
	}
	if ((content = ws_dynbuf_new(WS_SPEC_FILE_MAX)) == NULL) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	if ((rc = ws_dynbuf_add_fd(content, fd)) == WS_ERR_TOO_LARGE) {
		snprintf(why, whylen, "credential file %.200s is larger than %zu KiB",
		    src, WS_SPEC_FILE_MAX / 1024);
		goto out;
	}
	if (rc == WS_ERR_NOMEM)
		goto out;
	if (rc == WS_ERR_IO || memchr(ws_dynbuf_ptr(content), '\0', ws_dynbuf_len(content)) != NULL) {
		rc = WS_ERR_INVALID;
		snprintf(why, whylen, "credential file %.200s is unreadable or not text", src);
		goto out;
	}
	*total += ws_dynbuf_len(content);
	if (*total > WS_SPEC_FILES_MAX) {
		snprintf(why, whylen, "credential files add up to more than %zu KiB",
		    WS_SPEC_FILES_MAX / 1024);
		rc = WS_ERR_TOO_LARGE;
		goto out;
	}
	ws_dynbuf_reset(out);
	if (ws_dynbuf_add(out, colon + 1, strlen(colon + 1)) != WS_OK ||
	    ws_dynbuf_add(out, "\n", 1) != WS_OK ||
	    ws_dynbuf_add(out, ws_dynbuf_ptr(content), ws_dynbuf_len(content)) != WS_OK) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	rc = WS_OK;
out:
	if (fd >= 0)
		close(fd);
	ws_dynbuf_free(content);
	return rc;
}

/* Credentials: session environment (and the list of its names, for sshd's
 * SetEnv) and files, each in its own variable. */
static ws_err ws_credentials(const struct ws_spec *s, struct json_object *env,
    char *why, size_t whylen)
{
	struct ws_dynbuf *keys = ws_dynbuf_new(64 * 1024), *file = ws_dynbuf_new(WS_SPEC_FILE_MAX + 4200);
	char var[32], count[16];
	size_t i, total = 0;
	ws_err rc = WS_ERR_NOMEM;

	if (keys == NULL || file == NULL)
		goto out;
	for (i = 0; s->env != NULL && s->env[i] != NULL; i++) {
		if (ws_json_push(env, json_object_new_string(s->env[i])) ||
		    (i > 0 && ws_dynbuf_add(keys, " ", 1) != WS_OK) ||
		    ws_dynbuf_add(keys, s->env[i], strcspn(s->env[i], "=")) != WS_OK)
			goto out;
	}
	if (ws_env(env, "WSGATE_ENV_KEYS", ws_dynbuf_ptr(keys)))
		goto out;
	for (i = 0; s->files != NULL && s->files[i] != NULL; i++) {
		if ((rc = ws_file_entry(s->files[i], file, &total, why, whylen)) != WS_OK)
			goto out;
		rc = WS_ERR_NOMEM;
		snprintf(var, sizeof(var), "WSGATE_FILE_%zu", i + 1);
		if (ws_env(env, var, ws_dynbuf_ptr(file)))
			goto out;
	}
	snprintf(count, sizeof(count), "%zu", i);
	rc = ws_env(env, "WSGATE_FILES", count) ? WS_ERR_NOMEM : WS_OK;
out:
	ws_dynbuf_free(keys);
	ws_dynbuf_free(file);
	return rc;
}

/* A named volume mounted at target. It exists already, made and checked by
 * the workspace layer, so no options: they would apply only to a volume the
 * engine made itself. */
static int ws_mount(struct json_object *mounts, const char *vol, const char *target)
{
	struct json_object *m = json_object_new_object();
	int bad = m == NULL;

	if (bad)
		return 1;
	bad |= ws_json_add(m, "Type", json_object_new_string("volume"));
	bad |= ws_json_add(m, "Source", json_object_new_string(vol));
	bad |= ws_json_add(m, "Target", json_object_new_string(target));
	bad |= ws_json_push(mounts, m);
	return bad;
}

/* What dockerd inside needs short of full privilege (which some hosts, e.g.
 * ones that are containers themselves, cannot grant). */
static int ws_dind_caps(struct json_object *hc)
{
	struct json_object *caps = json_object_new_array(), *sec = json_object_new_array();
	int bad = caps == NULL || sec == NULL;

	if (bad) {
		json_object_put(caps);
		json_object_put(sec);
		return 1;
	}
	bad |= ws_json_push(caps, json_object_new_string("SYS_ADMIN"));
	bad |= ws_json_push(caps, json_object_new_string("NET_ADMIN"));
	bad |= ws_json_push(sec, json_object_new_string("seccomp=unconfined"));
	bad |= ws_json_push(sec, json_object_new_string("apparmor=unconfined"));
	bad |= ws_json_add(hc, "CapAdd", caps);
	bad |= ws_json_add(hc, "SecurityOpt", sec);
	return bad;
}

ws_err ws_spec_body(const struct ws_spec *s, const char *name, int port, const char *priv,
    const char *pub, struct json_object **out, char *why, size_t whylen)
{
	struct json_object *b = json_object_new_object(), *labels = json_object_new_object(),
	    *env = json_object_new_array(), *hc = json_object_new_object(),
	    *pb = json_object_new_object(), *binds = json_object_new_array(),
	    *bind = json_object_new_object(), *mounts = json_object_new_array(),
	    *exposed = json_object_new_object();
	char portstr[8];
	int bad, privileged = s->dind != NULL && strcmp(s->dind, "privileged") == 0;
	int dind = s->dind != NULL && strcmp(s->dind, "off") != 0;
	ws_err rc = WS_ERR_NOMEM;

	bad = b == NULL || labels == NULL || env == NULL || hc == NULL || pb == NULL ||
	    binds == NULL || bind == NULL || mounts == NULL || exposed == NULL;
	if (bad) {
		json_object_put(labels);
		json_object_put(env);
		json_object_put(hc);
		json_object_put(pb);
		json_object_put(binds);
		json_object_put(bind);
		json_object_put(mounts);
		json_object_put(exposed);
		goto out;
	}
	snprintf(portstr, sizeof(portstr), "%d", port);
	/* Children first, so that each add hands ownership to its parent. */
	bad |= ws_json_add(labels, WS_LABEL_WORKSPACE, json_object_new_string(name));
	bad |= ws_json_add(labels, WS_LABEL_PORT, json_object_new_string(portstr));
	bad |= ws_json_add(labels, WS_LABEL_HOSTKEY, json_object_new_string(pub));
	if (s->owner != NULL && s->owner[0] != '\0')
		bad |= ws_json_add(labels, WS_LABEL_OWNER, json_object_new_string(s->owner));
	if (s->clone_url != NULL && s->clone_url[0] != '\0')
		bad |= ws_json_add(labels, WS_LABEL_CLONE, json_object_new_string(s->clone_url));
	bad |= ws_env(env, "WSGATE_HOST_KEY", priv);
	bad |= ws_json_add(labels, WS_LABEL_CA, json_object_new_string(s->ca_id));
	bad |= ws_env(env, "WSGATE_USER_CA", s->user_ca);
	bad |= ws_env(env, "WSGATE_PRINCIPAL", s->principal);
	bad |= ws_env(env, "WSGATE_DIND", dind ? "1" : "0");
	bad |= ws_json_add(exposed, "22/tcp", json_object_new_object());
	bad |= ws_json_add(bind, "HostIp", json_object_new_string(s->publish_address));
	bad |= ws_json_add(bind, "HostPort", json_object_new_string(portstr));
	bad |= ws_json_push(binds, bind);
	bad |= ws_json_add(pb, "22/tcp", binds);
	bad |= ws_mount(mounts, s->home_volume, "/home/workspace");
	bad |= ws_mount(mounts, s->docker_volume, "/var/lib/docker");
	bad |= ws_json_add(hc, "PortBindings", pb);
	bad |= ws_json_add(hc, "Mounts", mounts);
	bad |= ws_json_add(hc, "Init", json_object_new_boolean(1));
	if (s->network != NULL)
		bad |= ws_json_add(hc, "NetworkMode", json_object_new_string(s->network));
	bad |= ws_json_add(hc, "Privileged", json_object_new_boolean(privileged));
	if (dind && !privileged)
		bad |= ws_dind_caps(hc);
	if (s->cpu_millis > 0)
		bad |= ws_json_add(hc, "NanoCpus", json_object_new_int64((int64_t)s->cpu_millis * 1000000));
	if (s->memory_mb > 0)
		bad |= ws_json_add(hc, "Memory", json_object_new_int64((int64_t)s->memory_mb * 1048576));
	bad |= ws_json_add(b, "Image", json_object_new_string(s->image));
	bad |= ws_json_add(b, "Hostname", json_object_new_string(name));
	bad |= ws_json_add(b, "Labels", labels);
	bad |= ws_json_add(b, "ExposedPorts", exposed);
	bad |= ws_json_add(b, "HostConfig", hc);
	if (bad) {
		json_object_put(env);
		goto out;
	}
	if ((rc = ws_credentials(s, env, why, whylen)) != WS_OK) {
		json_object_put(env);
		goto out;
	}
	if (ws_json_add(b, "Env", env)) {
		rc = WS_ERR_NOMEM;
		goto out;
	}
	*out = b;
	b = NULL;
	rc = WS_OK;
out:
	if (rc == WS_ERR_NOMEM)
		snprintf(why, whylen, "out of memory");
	json_object_put(b);
	return rc;
}
