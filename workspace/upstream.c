#include "upstream.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "keyline.h"
#include "log.h"
#include "userca.h"

/* Loopback to our own workspace: fast AEAD ciphers first; the same hybrid
 * post-quantum key exchange as the client's hop (the image's OpenSSH 9.2
 * picks sntrup761x25519-sha512). */
#define WS_UP_CIPHERS "aes128-gcm@openssh.com,aes256-gcm@openssh.com,chacha20-poly1305@openssh.com,aes128-ctr"
#define WS_UP_KEX "mlkem768x25519-sha256,sntrup761x25519-sha512,sntrup761x25519-sha512@openssh.com,curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512"

void ws_upstream_cert_req(const struct ws_upstream_params *p, char *principal, size_t plen,
    struct ws_usercert_req *req)
{
	ws_userca_principal(p->name, principal, plen);
	memset(req, 0, sizeof(*req));
	req->principal = principal;
	req->key_id = p->key_id;
	req->now = time(NULL);
	req->lifetime_s = WS_UPSTREAM_CERT_LIFETIME;
	req->no_pty = p->no_pty;
	req->no_port_forwarding = p->no_port_forwarding;
	req->no_agent_forwarding = p->no_agent_forwarding;
	req->no_x11_forwarding = p->no_x11_forwarding;
}

/* Logs s in with a fresh key certified for p->name's principal. */
static ws_err ws_upstream_login(ssh_session s, const struct ws_upstream_params *p, char *why,
    size_t whylen)
{
	struct ws_usercert_req req;
	char principal[WS_USERCA_PRINCIPAL_MAX + 1];
	ssh_key key = NULL;
	ws_err rc;

	if (p->key != NULL) {
		rc = ssh_userauth_publickey(s, NULL, p->key) == SSH_AUTH_SUCCESS ? WS_OK : WS_ERR_DENIED;
		goto out;
	}
	ws_upstream_cert_req(p, principal, sizeof(principal), &req);
	if ((rc = ws_userca_session_key(p->ca_path, &req, &key)) != WS_OK) {
		ws_error("cannot sign a certificate with %s: %s", p->ca_path, ws_err_str(rc));
		snprintf(why, whylen, "the gateway cannot sign its certificate; ask an administrator");
		return rc;
	}
	rc = ssh_userauth_publickey(s, NULL, key) == SSH_AUTH_SUCCESS ? WS_OK : WS_ERR_DENIED;
	ssh_key_free(key);
out:
	if (rc != WS_OK)
		snprintf(why, whylen, "the workspace refused the gateway's certificate: %s",
		    ssh_get_error(s));
	return rc;
}

ws_err ws_upstream_connect(const struct ws_upstream_params *p, ssh_session *out,
    char *why, size_t whylen)
{
	ssh_session s = NULL;
	ssh_key srv = NULL, pin = NULL;
	unsigned int port = (unsigned int)p->port;
	long timeout = p->timeout_s;
	int no = 0, yes = 1;
	ws_err rc = WS_ERR_SSH, prc;

	if ((s = ssh_new()) == NULL) {
		if (p->use_fd)
			close(p->fd);
		return WS_ERR_NOMEM;
	}
	/* Given a socket, the session owns it from here (ssh_free closes it). */
	if (p->use_fd && ssh_options_set(s, SSH_OPTIONS_FD, &p->fd) < 0) {
		close(p->fd);
		snprintf(why, whylen, "internal error setting up the workspace connection");
		goto out;
	}
	/* Never read ~/.ssh/config or /etc/ssh/ssh_config: the target is ours.
	 * The directory is named so that libssh never looks up a home (a
	 * sandboxed process cannot open /etc/passwd); nothing is read there. */
	if (ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &no) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_SSH_DIR, "/nonexistent") < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_HOST, p->address) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_PORT, &port) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_USER, p->user) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout) < 0 ||
	    (!p->use_fd && ssh_options_set(s, SSH_OPTIONS_NODELAY, &yes) < 0) ||
	    ssh_options_set(s, SSH_OPTIONS_HOSTKEYS, "ssh-ed25519") < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_KEY_EXCHANGE, WS_UP_KEX) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_CIPHERS_C_S, WS_UP_CIPHERS) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_CIPHERS_S_C, WS_UP_CIPHERS) < 0 ||
	    ssh_options_set(s, SSH_OPTIONS_COMPRESSION, "no") < 0) {
		snprintf(why, whylen, "internal error setting up the workspace connection");
		goto out;
	}
	if (ssh_connect(s) != SSH_OK) {
		ws_debug("upstream %s:%d: %s", p->address, p->port, ssh_get_error(s));
		snprintf(why, whylen, "its sshd did not answer: %s", ssh_get_error(s));
		rc = WS_ERR_IO;
		goto out;
	}
	/* Pin check: the key must be the one recorded when the workspace was made. */
	prc = ws_keyline_parse(p->hostkey, &pin);
	if (prc == WS_ERR_INVALID) {
		snprintf(why, whylen, "its pinned host key is malformed");
		rc = WS_ERR_HOSTKEY;
		goto out;
	}
	if (prc != WS_OK || ssh_get_server_publickey(s, &srv) != SSH_OK ||
	    ssh_key_cmp(srv, pin, SSH_KEY_CMP_PUBLIC) != 0) {
		snprintf(why, whylen, "the server on port %d does not have the workspace's host key; refusing to connect",
		    p->port);
		rc = WS_ERR_HOSTKEY;
		goto out;
	}
	rc = ws_upstream_login(s, p, why, whylen);
out:
	ssh_key_free(srv);
	ssh_key_free(pin);
	if (rc == WS_OK) {
		*out = s;
	} else {
		ssh_disconnect(s);
		ssh_free(s);
	}
	return rc;
}
