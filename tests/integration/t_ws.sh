#!/bin/bash
# The ws command against the real engine: create, start, stop, delete, list,
# status, --json, exit codes; a delete that leaves nothing behind and frees
# the port; creates interrupted half way leave a whole workspace or nothing.
. "$(dirname "$0")/lib.sh"

gw_start main
C="$T/main.conf"
state() { docker inspect -f '{{.State.Status}}' "workspace-$1" 2>/dev/null; }
A=$RUN-a
B=$RUN-b

check "ws create makes a workspace" ws create "$A" --owner tester
check "it is running" [ "$(state "$A")" = running ]
check "owned by the given account" [ "$(ws_owner "$A")" = tester ]
check "with both volumes" docker volume inspect "workspace-$A" "workspace-$A-docker"
check "ssh reaches it through the gateway" [ "$(wssh "$A" hostname)" = "$A" ]
ws create "$A" 2>"$T/err"; rc=$?
check "creating it again: exit 4 ($rc)" [ "$rc" = 4 ]
check "saying so" contains "$T/err" "already exists"
ws status "$RUN-none" 2>"$T/err"; rc=$?
check "status of a missing workspace: exit 3 ($rc)" [ "$rc" = 3 ]
ws start 'Bad/Name' 2>/dev/null; rc=$?
check "an invalid name: exit 2 ($rc)" [ "$rc" = 2 ]
ws frobnicate "$A" 2>/dev/null; rc=$?
check "an unknown command: exit 2 ($rc)" [ "$rc" = 2 ]

check "ws list shows it" bash -c "'$WS_BIN' -f '$C' list | grep -E '^$A +running +[0-9]+ +tester '"
ws list --json > "$T/list.json"
check "ws list --json has name, state, port, owner, created, last used" /usr/bin/python3 -c "
import json, sys
l = [w for w in json.load(open('$T/list.json')) if w['name'] == '$A']
w = l[0]
sys.exit(not (len(l) == 1 and w['state'] == 'running' and w['port'] >= 2200 and w['owner'] == 'tester'
              and w['created'].endswith('Z') and w['last_used'].endswith('Z')))"
ws status "$A" --json > "$T/status.json"
check "ws status --json has id, container, volumes, port, image, state" /usr/bin/python3 -c "
import json, sys
w = json.load(open('$T/status.json'))
sys.exit(not (len(w['id']) == 64 and w['container'] == 'workspace-$A' and w['image'] == 'workspace:latest'
              and w['volumes'] == ['workspace-$A', 'workspace-$A-docker'] and w['state'] == 'running'))"
check "ws status in words" bash -c "'$WS_BIN' -f '$C' status '$A' | grep -q '^volumes:   workspace-$A (/home/workspace), workspace-$A-docker'"

wssh "$A" 'echo kept > ~/data'
check "ws stop stops it" ws stop "$A"
check "it is stopped" [ "$(state "$A")" = exited ]
check "stopping again is fine" ws stop "$A"
check "ws start starts it" ws start "$A"
check "its data survived" [ "$(wssh "$A" cat data)" = kept ]

portA=$(ws_port "$A")
check "ws create of a second one" ws create "$B" --owner tester
portB=$(ws_port "$B")
check "another port ($portA, $portB)" [ "$portA" != "$portB" ]
setsid "$WS_BIN" -f "$C" delete "$A" </dev/null >/dev/null 2>"$T/err"; rc=$?
check "delete without --yes and no terminal: exit 5 ($rc)" [ "$rc" = 5 ]
check "and nothing was deleted" [ "$(state "$A")" = running ]
check "ws delete --yes" ws delete "$A" --yes
check "no container left" bash -c "! docker inspect workspace-$A >/dev/null 2>&1"
check "no volumes left" bash -c "! docker volume inspect workspace-$A >/dev/null 2>&1 && ! docker volume inspect workspace-$A-docker >/dev/null 2>&1"
ws delete "$A" --yes 2>/dev/null; rc=$?
check "deleting it again: exit 3 ($rc)" [ "$rc" = 3 ]
check "a new workspace gets the freed port" ws create "$RUN-c" --owner tester
check "port $portA is reused" [ "$(ws_port "$RUN-c")" = "$portA" ]

# Creates interrupted half way: the ws process killed at various moments, and
# a login whose client vanishes. Each leaves a whole workspace or nothing.
for ms in 5 20 50 100 200 400; do
    n=$RUN-k$ms
    "$WS_BIN" -f "$C" create "$n" --owner tester >/dev/null 2>&1 &
    p=$!
    sleep "0.$(printf '%03d' "$ms")"
    kill -9 "$p" 2>/dev/null; wait "$p" 2>/dev/null
    check "ws create killed after $ms ms: whole or nothing" whole_or_nothing "$n"
done
n=$RUN-gone
timeout 0.3 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$n" 127.0.0.1 true >/dev/null 2>&1
sleep 3
check "a login whose client vanished mid-create: whole or nothing" whole_or_nothing "$n"
finish
