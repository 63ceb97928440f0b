#!/bin/bash
# Hostile clients (paramiko, driven below the API): the none method, skipping
# authentication, a client-sent USERAUTH_SUCCESS, a key offered without a
# signature, a signature over the wrong session, names with NUL or empty. None
# gets in; the gateway keeps serving.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-sec
timeout 120 /usr/bin/python3 - "$GW_PORT" "$W" "$T" > "$T/sec.out" 2>&1 <<'PY'
import sys, socket, paramiko
from paramiko.message import Message
port, user, t = int(sys.argv[1]), sys.argv[2], sys.argv[3]
key = paramiko.Ed25519Key.from_private_key_file(t + "/id")

def transport():
    tr = paramiko.Transport(socket.create_connection(("127.0.0.1", port), timeout=20))
    tr.start_client(timeout=20)
    return tr

def try_session(tr):
    """Asks for a shell command without having logged in; "GOT-IN" means a hole."""
    ch = tr.open_session(timeout=5)
    ch.exec_command("echo GOT-IN")
    return ch.recv(100).decode() or "refused empty"

def userauth_service(tr):
    """Gets the ssh-userauth service started (auth_none is refused, as it must be)."""
    try:
        tr.auth_none(user)
    except paramiko.BadAuthenticationType:
        pass

def result(name, fn):
    try:
        print(name, fn())
    except Exception as e:
        print(name, "refused", type(e).__name__)

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
    tr = transport()
    userauth_service(tr)
    m = Message(); m.add_byte(bytes([50])); m.add_string(user); m.add_string("ssh-connection")
    m.add_string("publickey"); m.add_boolean(False); m.add_string("ssh-ed25519"); m.add_string(key.asbytes())
    tr._send_message(m)
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
        tr = transport()
        tr.auth_publickey(user, key)
        return "GOT-IN" if tr.is_authenticated() else "refused"
    finally:
        paramiko.auth_handler.AuthHandler._get_session_blob = orig
result("wrong-session", wrong_session)

for label, name in [("name-nul", "a\x00b"), ("name-empty", "")]:
    def bad_name():
        tr = transport()
        tr.auth_publickey(name, key)
        return "GOT-IN" if tr.is_authenticated() else "refused"
    result(label, bad_name)

def good():
    tr = transport()
    tr.auth_publickey(user, key)
    ch = tr.open_session(); ch.exec_command("echo still-serving")
    return ch.recv(100).decode().strip()
result("good", good)
PY
sed 's/^/#   /' "$T/sec.out"
check "none method refused, publickey offered" grep -q "^none refused allowed=publickey" "$T/sec.out"
for k in skip fake-success no-signature wrong-session name-nul name-empty; do
    check "$k: not let in" bash -c "grep -q '^$k ' '$T/sec.out' && ! grep '^$k ' '$T/sec.out' | grep -q GOT-IN"
done
check "the gateway still serves a real login" grep -q "^good still-serving" "$T/sec.out"
check "no hostile attempt reached Docker" [ -z "$(docker ps -aq --filter "name=^workspace-a")" ]
# Privilege separation: once logged in, the connection's process is nobody.
wssh "$W" 'sleep 3' &
holder=$!
sleep 1.5
uids=$(for p in $(pgrep -P "${GW_PIDS[-1]}"); do awk '/^Uid:/ {print $2}' "/proc/$p/status"; done | sort -u | tr '\n' ' ')
check "a logged-in connection's process runs as nobody (uids: $uids)" [ "$uids" = "$(id -u nobody) " ]
wait "$holder"
finish
