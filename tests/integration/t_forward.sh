#!/bin/bash
# Local and dynamic forwarding open their connections from the workspace (so
# localhost is the workspace), many at once and large; VS Code Remote-SSH's
# flow (ssh -T -D PORT host bash, script on stdin, then SOCKS and -L tunnels
# while that first channel stays open, and its socket mode); remote
# forwarding; unix sockets both ways; keepalives both ways; unknown requests
# never hang.
. "$(dirname "$0")/lib.sh"
[ -n "${WS_TRACE:-}" ] && { PS4='+ $(date +%s.%N) '; set -x; }
gw_start main
W=$RUN-fwd
SO=("${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$W")

# A web server inside the workspace, on its loopback only.
out=$(wssh "$W" 'mkdir -p www && head -c 100M /dev/urandom > www/big && echo hello-from-workspace > www/index.html &&
    cd www; setsid nohup python3 -m http.server 8765 --bind 127.0.0.1 >/dev/null 2>&1 < /dev/null &
    for i in $(seq 50); do python3 -c "import socket; socket.create_connection((\"127.0.0.1\", 8765))" 2>/dev/null && break; sleep 0.1; done; echo up')
check "a web server runs in the workspace" is "$out" up
want=$(wssh "$W" 'sha256sum < www/big' | cut -c1-64)

# A service that says one line and closes at once: the workspace's answer to
# the open, the line, EOF and CLOSE can all arrive in one read.
wssh "$W" 'cat > banner.py' <<'PY'
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 8766))
s.listen(64)
while True:
    c, _ = s.accept()
    c.sendall(b"banner\n")
    c.close()
PY
out=$(wssh "$W" 'setsid nohup python3 banner.py >/dev/null 2>&1 < /dev/null &
    for i in $(seq 50); do python3 -c "import socket; socket.create_connection((\"127.0.0.1\", 8766))" 2>/dev/null && break; sleep 0.1; done; echo up')
check "a one-line service runs in the workspace" is "$out" up
good=0
for i in $(seq 20); do
    [ "$(timeout 20 ssh "${SO[@]}" -W 127.0.0.1:8766 127.0.0.1 < /dev/null 2>/dev/null)" = banner ] && good=$((good + 1))
done
check "ssh -W to a service that closes at once: its line, then the end ($good/20)" [ "$good" = 20 ]

lport=$(free_port)
check "ssh -L starts" fwd L "$W" -L "$lport:127.0.0.1:8765"
check "-L reaches the workspace's localhost" is "$(curl -s --max-time 10 "http://127.0.0.1:$lport/")" hello-from-workspace
check "-L: 100 MiB through one forwarded connection" \
    is "$(curl -s --max-time 60 "http://127.0.0.1:$lport/big" | sha256sum | cut -c1-64)" "$want"
pids=()
for i in $(seq 50); do curl -s --max-time 30 "http://127.0.0.1:$lport/" > "$T/par-$i" & pids+=($!); done
wait "${pids[@]}"
good=0; for i in $(seq 50); do [ "$(cat "$T/par-$i")" = hello-from-workspace ] && good=$((good + 1)); done
check "-L: 50 connections in parallel ($good/50)" [ $good = 50 ]
# The client end closing first, in the middle of a transfer.
curl -s --max-time 60 --limit-rate 1M "http://127.0.0.1:$lport/big" -o "$T/partial" &
c=$!
check "a slow download is under way" wait_until 10 eval '[ "$(stat -c %s "$T/partial" 2>/dev/null || echo 0)" -gt 100000 ]'
kill $c; wait $c 2>/dev/null
check "-L still works after a client closed mid-transfer" is "$(curl -s --max-time 10 "http://127.0.0.1:$lport/")" hello-from-workspace
code=$(curl -s --max-time 10 "http://127.0.0.1:$lport/nope" -o /dev/null -w '%{http_code}')
check "-L: the server closing first (404 reply) is relayed" is "$code" 404
# A forward to a closed port: that connection is refused at once (the local
# end is closed or reset: curl's 52 or 56), not left hanging (28), and the
# client is told the open failed; the connection itself lives on. (libssh
# 0.10's server can only refuse with "administratively prohibited", where
# OpenSSH says "connect failed: Connection refused".)
bport=$(free_port)
check "ssh -L to a closed port starts" fwd B "$W" -L "$bport:127.0.0.1:1"
curl -s --max-time 10 "http://127.0.0.1:$bport/" >/dev/null; rc=$?
check "-L to a closed port: curl's connection is closed, not left hanging (exit $rc)" eval '[ "$rc" = 52 ] || [ "$rc" = 56 ]'
check "-L to a closed port: the client is told the open failed" \
    wait_until 10 grep -q "open failed: administratively prohibited" "$T/fwd-B.log"
check "-L to a closed port: the gateway logs the workspace's refusal" \
    contains "$T/main.log" "direct-tcpip to 127.0.0.1:1 refused by the workspace"
check "-L to a closed port: the forwarding connection lives on" fwd_ctl B -O check

dport=$(free_port)
check "ssh -D starts" fwd D "$W" -D "$dport"
check "-D: SOCKS to the workspace's localhost" \
    is "$(curl -s --max-time 10 --socks5-hostname "127.0.0.1:$dport" http://localhost:8765/)" hello-from-workspace

# VS Code Remote-SSH: install script on stdin, server on a random port, its
# port printed, then tunnels while the first channel stays open.
vport=$(free_port)
mkfifo "$T/vsin"
( timeout 60 ssh "${SO[@]}" -T -D "$vport" 127.0.0.1 bash < "$T/vsin" > "$T/vsout" 2>&1 ) &
vs=$!
bg_pid "$vs"
exec 7>"$T/vsin"
cat >&7 <<'SCRIPT'
mkdir -p ~/.vscode-fake && cd ~/.vscode-fake && echo vscode-server-ok > index.html
python3 - <<'PY' &
import http.server, socketserver, os
os.chdir(os.path.expanduser("~/.vscode-fake"))
s = socketserver.TCPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
print("listeningOn==%d==" % s.server_address[1], flush=True)
s.serve_forever()
PY
SCRIPT
wait_until 20 grep -q listeningOn "$T/vsout"
sport=$(grep -o 'listeningOn==[0-9]*' "$T/vsout" | cut -d= -f3)
check "VS Code flow: script ran and printed its port (${sport:-none})" [ -n "$sport" ]
check "VS Code flow: SOCKS tunnel to the server while the exec channel is open" \
    is "$(curl -s --max-time 10 --socks5-hostname "127.0.0.1:$vport" "http://127.0.0.1:${sport:-1}/")" vscode-server-ok
l2=$(free_port)
check "VS Code flow: a second connection with -L starts" fwd V2 "$W" -L "$l2:127.0.0.1:${sport:-1}"
check "VS Code flow: second connection with -L reaches the same server" \
    is "$(curl -s --max-time 10 "http://127.0.0.1:$l2/")" vscode-server-ok
exec 7>&-
kill $vs 2>/dev/null; wait $vs 2>/dev/null

# Remote forwarding: listeners on the workspace, connections back to the client.
mkdir -p "$T/cw" && echo hello-from-client > "$T/cw/index.html"
cport=$(free_port)
(cd "$T/cw" && exec python3 -m http.server "$cport" --bind 127.0.0.1 >/dev/null 2>&1) &
web=$!
bg_pid "$web"
check "the client's web server is up" wait_until 10 listening "$cport"
fetch() { wssh "$W" "python3 -c 'import urllib.request,sys; print(urllib.request.urlopen(\"http://127.0.0.1:$1/\", timeout=10).read().decode().strip())' 2>&1"; }
rport=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
check "ssh -R $rport: starts" fwd R "$W" -R "$rport:127.0.0.1:$cport"
out=$(fetch "$rport"); echo "# $out" | tail -1
check "ssh -R: the workspace's port leads back to the client" is "$out" hello-from-client
# Twelve -R at once: OpenSSH sends them back to back and matches the replies
# by their order; one out of place pins a failure on the wrong forward.
R=() ports=()
for i in $(seq 12); do p=$((rport + i)); ports+=("$p"); R+=(-R "$p:127.0.0.1:$cport"); done
out=$(timeout 60 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$W" \
    -o ExitOnForwardFailure=yes "${R[@]}" 127.0.0.1 \
    "n=0; for p in ${ports[*]}; do (exec 3<>/dev/tcp/127.0.0.1/\$p) 2>/dev/null && n=\$((n + 1)); done; echo \"\$n listening\"" 2>&1)
check "12 -R at once: every reply in its place, all 12 listening" is "$out" "12 listening"
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/id" -p "$GW_PORT" -l "$W" -o ControlMaster=yes -o ControlPath="$T/fwd-R0" \
    -f -N -o ExitOnForwardFailure=yes -R "0:127.0.0.1:$cport" 127.0.0.1 </dev/null >/dev/null 2>"$T/r0.err"
on_exit "ssh -o ControlPath='$T/fwd-R0' -O exit x 2>/dev/null; true"
aport=$(grep -o 'Allocated port [0-9]*' "$T/r0.err" | awk '{print $3}')
check "ssh -R 0:...: the chosen port is reported (${aport:-none})" [ -n "$aport" ]
check "ssh -R 0:...: and it works" is "$(fetch "${aport:-1}")" hello-from-client
# Added and cancelled through a master connection.
cport2=$(( rport + 1 ))
check "a master connection for -O forward" fwd RCM "$W"
check "ssh -O forward -R: accepted" fwd_ctl RCM -O forward -R "$cport2:127.0.0.1:$cport"
check "ssh -O forward -R: added on a running connection" is "$(fetch "$cport2")" hello-from-client
check "ssh -O cancel -R: accepted" fwd_ctl RCM -O cancel -R "$cport2:127.0.0.1:$cport"
out=$(fetch "$cport2")
check "ssh -O cancel -R: the workspace's listener is gone" grep -q "Connection refused" <<< "$out"
kill $web 2>/dev/null

# Unix sockets (OpenSSH's streamlocal): ssh -L /l.sock:/r.sock reaches a
# socket in the workspace; ssh -R /r2.sock:/l2.sock leads one in the
# workspace back to the client's; both added and cancelled on a master.
cat > "$T/usock.py" <<'PY'
import os, socket, sys
path, line = sys.argv[1], sys.argv[2].encode() + b"\n"
try:
    os.unlink(path)
except FileNotFoundError:
    pass
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(16)
print("up", flush=True)
while True:
    c, _ = s.accept()
    c.sendall(line)
    c.close()
PY
ucat() { python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1]); print(s.makefile().readline().strip())' "$1" 2>&1; }
rsock=/tmp/r-$RUN.sock
out=$(wssh "$W" "cat > usock.py; (setsid nohup python3 usock.py $rsock hello-from-workspace-socket >/dev/null 2>&1 < /dev/null &)
    for i in \$(seq 50); do [ -S $rsock ] && { echo up; break; }; sleep 0.1; done" < "$T/usock.py")
check "a unix-socket service runs in the workspace ($rsock)" is "$out" up
check "ssh -L $T/l.sock:$rsock starts" fwd UL "$W" -L "$T/l.sock:$rsock"
check "-L to a socket: the workspace's socket answers through the local one" \
    is "$(ucat "$T/l.sock")" hello-from-workspace-socket
n=0; for i in $(seq 20); do [ "$(ucat "$T/l.sock")" = hello-from-workspace-socket ] && n=$((n + 1)); done
check "-L to a socket: 20 connections in a row ($n/20)" [ "$n" = 20 ]
check "-L to a socket that is not there: the client is told the open failed" \
    eval 'fwd UX "$W" -L "$T/x.sock:/tmp/none-$RUN.sock" && ucat "$T/x.sock" >/dev/null; wait_until 10 grep -q "open failed" "$T/fwd-UX.log"'
check "and that connection lives on" fwd_ctl UX -O check
python3 "$T/usock.py" "$T/l2.sock" hello-from-client-socket > "$T/l2.out" 2>&1 &
bg_pid $!
check "a unix-socket service runs on the client" wait_until 10 grep -q up "$T/l2.out"
r2=/tmp/r2-$RUN.sock
check "ssh -R $r2:$T/l2.sock starts" fwd UR "$W" -R "$r2:$T/l2.sock"
uin() { wssh "$W" "python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.settimeout(10); s.connect(sys.argv[1]); print(s.makefile().readline().strip())' $1 2>&1"; }
check "-R with sockets: the workspace's socket leads back to the client's" is "$(uin "$r2")" hello-from-client-socket
check "a master connection for -O forward with sockets" fwd URM "$W"
r3=/tmp/r3-$RUN.sock
check "ssh -O forward -R $r3:...: accepted" fwd_ctl URM -O forward -R "$r3:$T/l2.sock"
check "ssh -O forward -R with sockets: added on a running connection" is "$(uin "$r3")" hello-from-client-socket
check "ssh -O cancel -R $r3:...: accepted" fwd_ctl URM -O cancel -R "$r3:$T/l2.sock"
check "ssh -O cancel -R with sockets: nothing listens there any more" grep -q "refused\|No such file" <<< "$(uin "$r3")"
# A socket path longer than the 255 bytes the gateway keeps for a listener
# is refused (OpenSSH's client will not send one: paramiko does), and the
# connection goes on.
out=$(timeout 60 /usr/bin/python3 - "$GW_PORT" "$W" "$T/id" <<'PY' 2>&1
import sys, paramiko
t = paramiko.Transport(("127.0.0.1", int(sys.argv[1])))
t.connect(username=sys.argv[2], pkey=paramiko.Ed25519Key.from_private_key_file(sys.argv[3]))
r = t.global_request("streamlocal-forward@openssh.com", ("/tmp/" + "x" * 300 + ".sock",), wait=True)
ch = t.open_session()
ch.exec_command("echo still-here")
print("refused" if r is None else "accepted", ch.makefile().read().decode().strip())
PY
)
check "streamlocal-forward with a 300-byte socket path is refused; the connection goes on ($out)" \
    is "$out" "refused still-here"
check "and the gateway still forwards sockets" is "$(uin "$r2")" hello-from-client-socket
check "the gateway refuses a forwarded-streamlocal nobody asked for (none seen)" \
    lacks "$T/main.log" "refusing a channel the workspace opened (forwarded-streamlocal)"

# VS Code's socket mode (remote.SSH.remoteServerListenOnSocket): the server
# listens on a unix socket in the workspace and is reached through
# direct-streamlocal on the same connection while the first exec channel
# (the install script's bash) stays open.
mkfifo "$T/vsuin"
( timeout 60 ssh "${SO[@]}" -T -o ControlMaster=yes -o ControlPath="$T/vsu" 127.0.0.1 bash < "$T/vsuin" > "$T/vsuout" 2>&1 ) &
vsu=$!
bg_pid "$vsu"
exec 8>"$T/vsuin"
cat >&8 <<'SCRIPT'
mkdir -p ~/.vscode-sock && cd ~/.vscode-sock && echo vscode-socket-server-ok > index.html && rm -f srv.sock
python3 - <<'PY' &
import http.server, os, socketserver
os.chdir(os.path.expanduser("~/.vscode-sock"))
class H(http.server.SimpleHTTPRequestHandler):
    def address_string(self):
        return "unix"
    def log_message(self, *a):
        pass
s = socketserver.UnixStreamServer(os.path.abspath("srv.sock"), H)
print("listeningOn==%s==" % os.path.abspath("srv.sock"), flush=True)
s.serve_forever()
PY
SCRIPT
wait_until 20 grep -q listeningOn "$T/vsuout"
spath=$(grep -o 'listeningOn==[^=]*' "$T/vsuout" | cut -d= -f3)
check "VS Code socket mode: the server printed its socket (${spath:-none})" [ -n "$spath" ]
check "VS Code socket mode: -L to that socket on the same connection" \
    timeout 20 ssh "${SSH_OPTS[@]}" -o ControlPath="$T/vsu" -O forward -L "$T/vsu.sock:${spath:-/none}" x
check "VS Code socket mode: the server answers while the exec channel is open" \
    is "$(curl -s --max-time 10 --unix-socket "$T/vsu.sock" http://vscode/)" vscode-socket-server-ok
exec 8>&-
kill $vsu 2>/dev/null; wait $vsu 2>/dev/null

# Keepalives from the client are answered: with ServerAliveCountMax=2 an
# unanswered client gives up after 2 s, long before its command ends.
timeout 30 ssh "${SO[@]}" -vvv -o ServerAliveInterval=1 -o ServerAliveCountMax=2 127.0.0.1 'sleep 5; echo alive' >"$T/sa.out" 2>"$T/sa.err"
check "ServerAliveInterval keepalives answered over 5 s" is "$(cat "$T/sa.out")" alive
check "the client did send them" grep -q "send packet: type 80" "$T/sa.err"

# The gateway's own keepalives to an idle client.
gw_start alive "client_alive_interval = 1;"
timeout 30 ssh "${SSH_OPTS[@]}" -v -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 'sleep 3.5; echo idle-ok' > "$T/alive.out" 2> "$T/alive.err"
n=$(grep -c "rtype keepalive@openssh.com" "$T/alive.err")
check "client_alive_interval = 1: keepalives reach an idle client ($n in 3.5 s)" [ "$n" -ge 2 ]
check "and the session carries on" is "$(cat "$T/alive.out")" idle-ok
finish
