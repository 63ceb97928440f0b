/* spec.h — what a workspace container is made of, as one POST
 * /containers/create body: image, labels, both volumes (which exist already,
 * labelled: the workspace layer checks them first), sshd port, host key, the
 * user CA its sshd trusts for its own principal, credentials (environment and files), limits and privilege. */
#ifndef WSGATE_SPEC_H
#define WSGATE_SPEC_H

#include <json-c/json.h>
#include <stddef.h>

#include "wserr.h"

/* Largest file copied in, and all of them together (they travel in the
 * container's environment, which the engine keeps). */
#define WS_SPEC_FILE_MAX ((size_t)64 * 1024)
#define WS_SPEC_FILES_MAX ((size_t)512 * 1024)

struct ws_spec {
	const char *image;
	const char *publish_address; /* host address the sshd port is published on */
	const char *user_ca;         /* "type base64" of the CA whose certificates its sshd
	                                accepts, for principal only */
	const char *ca_id;           /* the CA's fingerprint, kept as a label */
	const char *principal;       /* the one principal its sshd accepts */
	const char *owner;           /* account recorded as owner, or NULL */
	const char *clone_url;       /* repository cloned into ~/repo, or NULL */
	const char *home_volume;     /* engine volume mounted at /home/workspace */
	const char *docker_volume;   /* engine volume mounted at /var/lib/docker */
	const char *network;         /* the engine network it is on, or NULL (the default) */
	char *const *env;            /* "KEY=VALUE" for every session, or NULL */
	char *const *files;          /* "SOURCE:DEST", or NULL */
	int cpu_millis;              /* 0 = no limit */
	int memory_mb;               /* 0 = no limit */
	const char *dind;            /* "caps", "privileged" or "off" (Docker-in-Docker) */
};

/* Builds the create body for workspace NAME with sshd on host port, its host
 * key priv (OpenSSH private key text) and pub ("type base64", pinned in a
 * label), mounting s->home_volume and s->docker_volume. Reads the files. On
 * WS_OK *out is the body (json_object_put it); otherwise why (size whylen)
 * says what is wrong, for the user. */
ws_err ws_spec_body(const struct ws_spec *s, const char *name, int port, const char *priv,
    const char *pub, struct json_object **out, char *why, size_t whylen);

#endif
