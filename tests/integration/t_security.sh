#!/bin/bash
# Hostile clients (paramiko, driven below the API): the none method, skipping
# authentication, a client-sent USERAUTH_SUCCESS, a key offered without a
# signature, a signature over the wrong session, names with NUL or empty, a
# key asked about without end. None gets in; the gateway keeps serving.
. "$(dirname "$0")/lib.sh"
gw_start main "audit_log = \"$T/audit.log\";"
W=$RUN-sec
# Asking "would this key do?" without ever signing is no failed attempt,
# but it reads key files (or asks auth_url) each time: twice max_auth_tries
# (6) such questions are answered, then the connection ends, and the audit
# log has one line for the key, not one per question.
kb=$(grep -c "result=key-ok" "$T/audit.log")
timeout 120 /usr/bin/python3 "$(dirname "$0")/pkquery.py" "$GW_PORT" "$W" "$T/id" 50 >"$T/pkq.out" 2>"$T/pkq.err"
check "50 unsigned key questions: 12 answered, then the connection ends ($(head -1 "$T/pkq.out"))" \
    is "$(head -1 "$T/pkq.out")" "pk_ok=12 closed=yes"
check "the client is told why" contains "$T/pkq.out" "wsgate: too many authentication requests"
check "the key is audited once as good, once as too many questions" \
    is "$(( $(grep -c "result=key-ok" "$T/audit.log") - kb )):$(grep -c "result=too-many-queries" "$T/audit.log")" 1:1

# Then hostile attempts: none of them may make the workspace.
timeout 120 /usr/bin/python3 - "$GW_PORT" "$W" "$T" > "$T/sec.out" 2>"$T/sec.err" <<'PY'
import sys, socket, time, paramiko
from paramiko.message import Message
port, user, t = int(sys.argv[1]), sys.argv[2], sys.argv[3]
key = paramiko.Ed25519Key.from_private_key_file(t + "/id")
# What a refusal may look like on the wire, as paramiko reports it. Anything
# else (a NameError in this script, say) is reported as a script error, and
# fails the check: a broken test never counts as a refusal.
REFUSALS = (paramiko.SSHException, EOFError, ConnectionResetError, socket.timeout)

def transport():
    tr = paramiko.Transport(socket.create_connection(("127.0.0.1", port), timeout=20))
    tr.start_client(timeout=20)
    tr.auth_timeout = 5   # libssh 0.10 sends no answer to some (see the checks)
    return tr

def try_session(tr):
    """Asks for a shell command without having logged in; "GOT-IN" means a hole."""
    ch = tr.open_session(timeout=5)
    ch.exec_command("echo GOT-IN")
    return ch.recv(100).decode() or "empty"

def userauth_service(tr):
    """Gets the ssh-userauth service started (auth_none is refused, as it must be)."""
    try:
        tr.auth_none(user)
    except paramiko.BadAuthenticationType:
        pass

def result(name, fn):
    t0 = time.time()
    try:
        out = fn()
    except REFUSALS as e:
        out = "refused %s: %s" % (type(e).__name__, str(e).replace("\n", " ")[:80])
    except Exception as e:
        out = "SCRIPT-ERROR %s: %s" % (type(e).__name__, e)
    print(name, out, "(%.1f s)" % (time.time() - t0), flush=True)

def none_method():
    tr = transport()
    try:
        tr.auth_none(user)
        return "GOT-IN"
    except paramiko.BadAuthenticationType as e:
        return "refused allowed=" + ",".join(e.allowed_types)
result("none", none_method)

def skip_auth():
    return try_session(transport())
result("skip", skip_auth)

def fake_success():
    tr = transport()
    userauth_service(tr)
    m = Message(); m.add_byte(bytes([52])); tr._send_message(m)   # USERAUTH_SUCCESS
    return try_session(tr)
result("fake-success", fake_success)

def no_signature():
    """A key offered without a signature: the server may answer PK_OK (60)
    and nothing more; a session must still be refused. Its answer is awaited
    (a gateway that wrongly lets it in first brings the workspace up, which
    takes a while) before the session is asked for."""
    tr = transport()
    userauth_service(tr)
    seen = []
    table = paramiko.auth_handler.AuthHandler._client_handler_table
    orig = {k: table[k] for k in (51, 52, 60)}
    table[60] = lambda self, m: seen.append("pk-ok")      # PK_OK shares 60 with INFO_REQUEST
    table[51] = lambda self, m: seen.append("failure")
    def success(self, m):
        seen.append("success")
        orig[52](self, m)
    table[52] = success
    try:
        m = Message(); m.add_byte(bytes([50])); m.add_string(user); m.add_string("ssh-connection")
        m.add_string("publickey"); m.add_boolean(False); m.add_string("ssh-ed25519"); m.add_string(key.asbytes())
        tr._send_message(m)
        for _ in range(600):
            if seen:
                break
            time.sleep(0.1)
    finally:
        table.update(orig)
    print("no-signature-answer", seen[0] if seen else "none", flush=True)
    return try_session(tr)
result("no-signature", no_signature)

def wrong_session():
    orig = paramiko.auth_handler.AuthHandler._get_session_blob
    def bad(self, k, service, username, algorithm):
        blob = orig(self, k, service, username, algorithm)
        sid = self.transport.session_id
        return blob.replace(sid, bytes(len(sid)), 1)
    paramiko.auth_handler.AuthHandler._get_session_blob = bad
    try:
        return login_then_session("wrong-session", user)
    finally:
        paramiko.auth_handler.AuthHandler._get_session_blob = orig

def login_then_session(label, name):
    """A login attempt that must fail; then, on the same connection, a
    session that must be refused (so a slow success is never taken for a
    refusal)."""
    tr = transport()
    try:
        tr.auth_publickey(name, key)
    except paramiko.AuthenticationException as e:
        print(label + "-auth", type(e).__name__ + ":", e, flush=True)
    return "GOT-IN" if tr.is_authenticated() else try_session(tr)
result("wrong-session", wrong_session)

for label, name in [("name-nul", "a\x00b"), ("name-empty", "")]:
    result(label, lambda: login_then_session(label, name))
PY
sed 's/^/#   /' "$T/sec.out"
check "none method refused, publickey offered" grep -q "^none refused allowed=publickey" "$T/sec.out"
# Each attempt ends in the refusal it should get, never in GOT-IN or a
# script error: a session asked for without a login is refused ...
# (a client-sent USERAUTH_SUCCESS may also get the connection dropped)
for k in skip fake-success no-signature; do
    check "$k: no session without a login" grep -qE "^$k refused SSHException: (Unable to open channel|SSH session not active)" "$T/sec.out"
done
check "a key offered without a signature gets PK_OK and no more" grep -q "^no-signature-answer pk-ok" "$T/sec.out"
# ... a login with a signature over another session, or a name with a NUL,
# is not authenticated and gets no session on that connection either.
# (libssh 0.10.6 drops such a request without an answer, so the client sees
# its own timeout; OpenSSH answers a failure.)
for k in wrong-session name-nul name-empty; do
    check "$k: not authenticated" grep -qE "^$k-auth AuthenticationException: Authentication (timeout|failed)" "$T/sec.out"
    check "$k: and no session on that connection" grep -qE "^$k refused (SSHException: (Unable to open channel|SSH session not active)|EOFError|ConnectionResetError)" "$T/sec.out"
done
check "name-empty: refused as an invalid name" contains "$T/audit.log" "result=invalid-name"
check "no hostile attempt was accepted" lacks "$T/audit.log" "result=accepted"
check "no hostile attempt reached Docker" absent container "workspace-$W"

# A real login still works, and makes the workspace.
timeout 60 /usr/bin/python3 - "$GW_PORT" "$W" "$T" > "$T/good.out" 2>&1 <<'PY'
import sys, paramiko
port, user, t = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = paramiko.SSHClient(); c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", port, user, key_filename=t + "/id", allow_agent=False, look_for_keys=False, timeout=30)
print(c.exec_command("echo still-serving")[1].read().decode().strip())
PY
check "the gateway still serves a real login" grep -qx still-serving "$T/good.out"
# MACs: encrypt-then-MAC only (ssh-audit lists hmac-sha2-256/512 for
# removal): a client that offers only those finds none in common.
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256,hmac-sha2-512 \
    -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 true > "$T/mac.out" 2>&1
check "encrypt-and-MAC (hmac-sha2-256/512) is not offered" contains "$T/mac.out" "no matching MAC found"
check "hmac-sha2-256-etm with aes128-ctr still works" \
    is "$(timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -o Ciphers=aes128-ctr -o MACs=hmac-sha2-256-etm@openssh.com \
        -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 echo etm)" etm
# ssh-audit (Debian's 2.5.0) finds nothing to warn about or fail, apart from
# its own notice that it does not know names newer than itself: strict KEX
# (kex-strict-s-v00, the Terrapin counter-measure) and the post-quantum key
# exchanges OpenSSH 9.9 named (mlkem768x25519-sha256, sntrup761x25519-sha512),
# and its view of sntrup761 (OpenSSH's default since 9.0) as experimental.
timeout 60 ssh-audit -n -p "$GW_PORT" 127.0.0.1 > "$T/audit-ssh.out" 2>&1
check "ssh-audit ran against the gateway" contains "$T/audit-ssh.out" "(gen) banner: SSH-2.0-wsgate_"
bad=$(grep -E '\[(warn|fail)\]' "$T/audit-ssh.out" |
    grep -vE '(kex-strict-s-v00@openssh\.com|mlkem768x25519-sha256|sntrup761x25519-sha512) +-- \[warn\] unknown algorithm$' |
    grep -vE 'sntrup761x25519-sha512@openssh\.com +-- \[warn\] using experimental algorithm$' || true)
check "ssh-audit: no warning or failure but names newer than it" is "$bad" ""
check "and strict KEX is offered" contains "$T/audit-ssh.out" "(kex) kex-strict-s-v00@openssh.com"
kex=$(sed -n 's/^(kex) \([^ ]*\).*/\1/p' "$T/audit-ssh.out" | head -4 | tr '\n' ' ')
check "the key exchange offered is post-quantum first: mlkem768, sntrup761 (both names), then curve25519 ($kex)" \
    is "$kex" "mlkem768x25519-sha256 sntrup761x25519-sha512 sntrup761x25519-sha512@openssh.com curve25519-sha256 "

# IPv4 clients of a gateway listening on "::" arrive IPv4-mapped
# (::ffff:127.0.0.1); from= must still see 127.0.0.1: a key barred from
# 127.0.0.0/8 stays barred, and one limited to it still works.
ssh-keygen -q -t ed25519 -N '' -f "$T/barred" -C barred
ssh-keygen -q -t ed25519 -N '' -f "$T/local" -C local
echo "from=\"!127.0.0.0/8,*\" $(cat "$T/barred.pub")" > "$T/keys/barred"
echo "from=\"127.0.0.0/8\" $(cat "$T/local.pub")" > "$T/keys/local"
gw_start dual "listen_address = \"::\";"
out=$(kssh "$T/barred" "$W" echo in 2>"$T/barred.err")
check "on \"::\", a key with from=\"!127.0.0.0/8,*\" is refused from 127.0.0.1" refused "$out" "$T/barred.err" "Permission denied"
check "the gateway names the client 127.0.0.1, not ::ffff:127.0.0.1" eval \
    'grep -qE "refused key SHA256:[^ ]* for $W from 127\.0\.0\.1 port" "$T/dual.log" && lacks "$T/dual.log" "::ffff:"'
check "a key with from=\"127.0.0.0/8\" logs in from 127.0.0.1" is "$(kssh "$T/local" "$RUN-v6" echo in 2>"$T/local.err")" in || {
    sed 's/^/#   /' "$T/local.err"; tail -15 "$T/dual.log" | sed 's/^/#   /'; }
finish
