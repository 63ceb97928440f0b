#!/bin/bash
# Local and dynamic forwarding open their connections from the workspace (so
# localhost is the workspace), many at once and large; VS Code Remote-SSH's
# flow (ssh -T -D PORT host bash, script on stdin, then SOCKS and -L tunnels
# while that first channel stays open); remote forwarding; keepalives both
# ways; unknown requests never hang.
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
