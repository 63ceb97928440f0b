/* userca.h — the user certificate authority workspaces trust instead of one
 * gateway key (OpenSSH PROTOCOL.certkeys). Each connection logs in to its
 * workspace with a key of its own and a certificate valid about a minute,
 * for that workspace's principal only, so a process that is taken over can
 * reach only the workspace its person already had. The CA's private key is
 * an ordinary unencrypted OpenSSH ed25519 key file (ssh-keygen -s can use
 * it); it is read only to sign, and wiped from memory at once. */
#ifndef WSGATE_USERCA_H
#define WSGATE_USERCA_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <libssh/libssh.h>

#include "wserr.h"

/* "ssh-ed25519 BASE64" and "SHA256:..." fit these. */
#define WS_USERCA_PUB_MAX 128
#define WS_USERCA_FP_MAX 64

/* Longest principal and key id signed. */
#define WS_USERCA_PRINCIPAL_MAX 96
#define WS_USERCA_KEYID_MAX 256

/* Makes the CA key at path (mode 0600, parent directories 0700) and path.pub
 * when path does not exist. Returns WS_OK, or WS_ERR_IO / WS_ERR_SSH with
 * the reason logged. */
ws_err ws_userca_ensure(const char *path);

/* Reads the CA key at path and writes its public half to pub ("ssh-ed25519
 * BASE64") and fp ("SHA256:..."); either may be NULL. The key's private
 * bytes are checked against its public half and wiped. WS_ERR_NOT_FOUND
 * when there is no file, WS_ERR_SSH when it is no unencrypted ed25519
 * OpenSSH key. */
ws_err ws_userca_public(const char *path, char *pub, size_t publen, char *fp, size_t fplen);

/* The same on the file's text (len bytes, need not be NUL-terminated): the
 * parser alone, for the fuzzer. */
ws_err ws_userca_parse(const char *text, size_t len, char *pub, size_t publen, char *fp,
    size_t fplen);

/* What one certificate says. */
struct ws_usercert_req {
	const char *principal;   /* the one principal (a workspace's) */
	const char *key_id;      /* shown in the workspace sshd's log */
	time_t now;
	int lifetime_s;          /* valid from now - 30 s to now + lifetime_s */
	/* What the person's key may not do (authorized_keys options): the
	 * certificate leaves out those permit-* extensions, so the workspace's
	 * sshd refuses it too, not only the gateway's bridge. */
	int no_pty, no_port_forwarding, no_agent_forwarding, no_x11_forwarding;
};

/* Signs a user certificate for the public key blob (SSH wire format,
 * ed25519 only) with the CA key at path. On WS_OK *out is the certificate's
 * base64 (free()). The private key is wiped before returning. */
ws_err ws_userca_sign(const char *path, const unsigned char *blob, size_t bloblen,
    const struct ws_usercert_req *req, char **out);

/* ws_userca_sign() for the public key in base64 (as ssh_pki_export_pubkey_base64
 * writes it). WS_ERR_INVALID when it is no base64 of at most 256 bytes. */
ws_err ws_userca_sign_b64(const char *path, const char *pub64, const struct ws_usercert_req *req,
    char **out);

/* Makes a fresh ed25519 key and has the CA at path certify it for req. On
 * WS_OK *key is the key with its certificate attached, ready for
 * ssh_userauth_publickey() (free with ssh_key_free()). */
ws_err ws_userca_session_key(const char *path, const struct ws_usercert_req *req, ssh_key *key);

/* The principal that workspace NAME's sshd accepts: "workspace-NAME". */
void ws_userca_principal(const char *name, char *out, size_t outlen);

#endif
