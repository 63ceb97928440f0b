#!/bin/bash
# The ws command against the real engine: create, start, stop, delete, list,
# status, --json, exit codes, progress on stderr only; a delete that leaves
# nothing behind and frees the port; creates interrupted half way leave a
# whole workspace or nothing.
. "$(dirname "$0")/lib.sh"

gw_start main
C="$T/main.conf"
A=$RUN-a
B=$RUN-b

ws create "$A" --owner tester >"$T/out" 2>"$T/err"; rc=$?
check "ws create makes a workspace ($rc)" [ "$rc" = 0 ] || sed 's/^/#   /' "$T/err"
check "it is running" is "$(state "$A")" running
check "owned by the given account" is "$(ws_owner "$A")" tester
check "with both volumes" eval 'present volume "workspace-$A" && present volume "workspace-$A.docker"'
check "ssh reaches it through the gateway" is "$(wssh "$A" hostname)" "$A"
ws create "$A" 2>"$T/err"; rc=$?
check "creating it again: exit 4 ($rc), saying so" eval '[ "$rc" = 4 ] && contains "$T/err" "ws: workspace '\''$A'\'' already exists"'
ws status "$RUN-none" 2>"$T/err"; rc=$?
check "status of a missing workspace: exit 3 ($rc), saying so" eval '[ "$rc" = 3 ] && contains "$T/err" "ws: no workspace '\''$RUN-none'\''"'
# Exit 2 is also a configuration error: the message tells them apart.
ws start 'Bad/Name' 2>"$T/err"; rc=$?
check "an invalid name: exit 2 ($rc), with the reason" eval '[ "$rc" = 2 ] &&
    contains "$T/err" "ws: '\''Bad/Name'\'': the workspace name may hold only lowercase letters, digits and '\''-'\''"'
ws frobnicate "$A" 2>"$T/err"; rc=$?
check "an unknown command: exit 2 ($rc), saying so" eval '[ "$rc" = 2 ] && contains "$T/err" "ws: unknown command '\''frobnicate'\'' (see '\''ws help'\'')"'

ws list > "$T/list"; rc=$?
check "ws list shows it ($rc)" eval '[ "$rc" = 0 ] && grep -qE "^$A +running +[0-9]+ +tester " "$T/list"'
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
              and w['volumes'] == ['workspace-$A', 'workspace-$A.docker'] and w['state'] == 'running'))"
ws status "$A" > "$T/status"; rc=$?
check "ws status in words ($rc)" eval '[ "$rc" = 0 ] && grep -q "^volumes:   workspace-$A (/home/workspace), workspace-$A.docker (/var/lib/docker)" "$T/status"'

check "data written" is "$(wssh "$A" 'echo kept > ~/data; echo ok')" ok
check "ws stop stops it" ws stop "$A"
check "it is stopped" is "$(state "$A")" exited
check "stopping again is fine" ws stop "$A"
check "ws start starts it" ws start "$A"
check "it runs again" is "$(state "$A")" running
check "its data survived" is "$(wssh "$A" cat data)" kept

# Progress is for people: on stderr, and stdout holds only the result line.
portA=$(ws_port "$A")
ws create "$B" --owner tester >"$T/create.out" 2>"$T/create.err"; rc=$?
check "ws create of a second one ($rc)" [ "$rc" = 0 ]
check "its progress lines are on stderr" eval 'contains "$T/create.err" "ws: creating workspace '\''$B'\''" &&
    contains "$T/create.err" "ws: waiting for the workspace'\''s sshd"'
check "and none of them on stdout, which holds the result" \
    eval 'lacks "$T/create.out" "ws: " && grep -qxE "created workspace $B \(port [0-9]+\) in [0-9.]+ s" "$T/create.out"'
portB=$(ws_port "$B")
check "another port ($portA, $portB)" eval '[ -n "$portA" ] && [ -n "$portB" ] && [ "$portA" != "$portB" ]'
setsid "$WS_BIN" -f "$C" delete "$A" </dev/null >/dev/null 2>"$T/err"; rc=$?
check "delete without --yes and no terminal: exit 5 ($rc)" [ "$rc" = 5 ]
check "and nothing was deleted" is "$(state "$A")" running
check "ws delete --yes" ws delete "$A" --yes
check "no container left" absent container "workspace-$A"
check "no volumes left" eval 'absent volume "workspace-$A" && absent volume "workspace-$A.docker"'
ws delete "$A" --yes 2>"$T/err"; rc=$?
check "deleting it again: exit 3 ($rc)" eval '[ "$rc" = 3 ] && contains "$T/err" "ws: no workspace '\''$A'\''"'
check "a new workspace gets the freed port" ws create "$RUN-c" --owner tester
check "port $portA is reused" eval '[ -n "$portA" ] && [ "$(ws_port "$RUN-c")" = "$portA" ]'

# A workspace-NAME container wsgate did not make is not deleted unless
# --force (and then only it).
F=$RUN-foreign
docker create --name "workspace-$F" --entrypoint /bin/true workspace:latest >/dev/null
ws delete "$F" --yes 2>"$T/err"; rc=$?
check "a container wsgate did not make is refused ($rc)" \
    eval '[ "$rc" = 1 ] && contains "$T/err" "container workspace-$F was not made by wsgate; not deleting it"'
check "and still there" present container "workspace-$F"
ws delete "$F" --yes --force >/dev/null 2>"$T/err"; rc=$?
check "--force deletes it ($rc)" eval '[ "$rc" = 0 ] && absent container "workspace-$F"'

# An orphan (its container gone, its volumes kept): ws create will not make
# another on them, ws list and status show it, ws start makes it whole.
O=$RUN-orph
check "a workspace to orphan" ws create "$O" --owner tester
check "with data" is "$(wssh "$O" 'echo mine > ~/f; echo in')" in
docker rm -f "workspace-$O" >/dev/null
ws create "$O" --owner someone 2>"$T/err"; rc=$?
check "ws create on an orphan: exit 4, saying whose it is ($rc)" \
    eval '[ "$rc" = 4 ] && contains "$T/err" "its volumes remain (owner tester)"'
check_sh "ws list shows it as orphaned" "'$WS_BIN' -f '$C' list | grep -E '^$O +orphaned +- +tester ' >/dev/null"
ws status "$O" > "$T/ostatus"
check "ws status says so" contains "$T/ostatus" "state:     orphaned"
check "ws start makes it whole again" ws start "$O"
check "with its data, still tester's" eval '[ "$(wssh "$O" cat f)" = mine ] && [ "$(ws_owner "$O")" = tester ]'

# Volumes an older wsgate made (a workspace label only, no owner, the Docker
# volume named workspace-NAME-docker): refused until an administrator adopts
# them for an account; then they are used as they are.
L=$RUN-legacy
docker volume create --label "org.wsgate.workspace=$L" "workspace-$L" >/dev/null
docker volume create --label "org.wsgate.workspace=$L" "workspace-$L-docker" >/dev/null
docker run --rm --entrypoint sh -v "workspace-$L:/h" workspace:latest -c 'echo legacy-data > /h/old; chmod 644 /h/old'
out=$(wssh_info "$L" cat old 2>"$T/err")
check "a login to volumes that record no owner is denied, as anywhere" \
    refused "$out" "$T/err" "wsgate: permission denied: account 'tester' may not enter workspace '$L'"
ws start "$L" 2>"$T/err"; rc=$?
check "ws start fails ($rc)" [ "$rc" = 1 ]
check "saying what an administrator can do" contains "$T/err" "its volumes were made by an older wsgate and record no owner; an administrator can adopt them (ws adopt $L --owner ACCOUNT)"
check "nothing was made" absent container "workspace-$L"
ws adopt "$L" 2>"$T/err"; rc=$?
check "ws adopt needs --owner (exit 2: $rc)" eval '[ "$rc" = 2 ] && contains "$T/err" "ws adopt $L --owner ACCOUNT"'
check "ws adopt --owner tester" ws adopt "$L" --owner tester
check "the workspace is tester's, on the old volumes" \
    eval '[ "$(ws_owner "$L")" = tester ] && [ "$(docker container inspect -f "{{range .Mounts}}{{.Name}} {{end}}" "workspace-$L" | tr " " "\n" | grep . | sort | tr "\n" " ")" = "workspace-$L workspace-$L-docker " ]'
check "with the old data" is "$(wssh "$L" cat old)" legacy-data
ws adopt "$L" --owner tester 2>"$T/err"; rc=$?
check "adopting it again: exit 4 ($rc)" [ "$rc" = 4 ]

# Creates interrupted half way. The kill comes when the engine itself reports
# a stage for this workspace (docker events; --since replays what happened
# from that second, so nothing is missed while it subscribes), and the
# verdict waits until the engine has finished whatever it was doing.
# events FILE: the engine's events from now on go to FILE; EVP is that
# docker events process (started here, so $! is docker itself).
events() {
    docker events --since "$(date +%s)" --format '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}' > "$1" 2>/dev/null &
    EVP=$!
    bg_pid "$EVP"
}
# seen FILE STAGE NAME: the engine reported STAGE for workspace-NAME.
seen() { grep -Eq "^$2 (.* )?workspace-$3( |\$)" "$1"; }
# engine_view NAME: the engine's containers and volumes of workspace-NAME.
engine_view() {
    docker ps -a --filter "name=^workspace-$1\$" --format '{{.ID}} {{.State}}' &&
        docker volume ls -q | { grep -xE "workspace-$1(\.docker)?" || true; }
}
# settled NAME: nothing about it changes for a second (a deliberate window).
settled() { local a b; a=$(engine_view "$1") || return 1; sleep 1; b=$(engine_view "$1") || return 1; [ "$a" = "$b" ]; }
# kill_at STAGE NAME: ws create NAME runs; when the engine reports STAGE for
# it, ws is killed with SIGKILL. Its status (137) proves the kill found it
# still at work.
kill_at() {
    local stage=$1 n=$2 ev="$T/events-$2" p s=no rc
    events "$ev"
    "$WS_BIN" -f "$C" create "$n" --owner tester >"$T/ws-$n.out" 2>&1 &
    p=$!
    bg_pid "$p"
    for _ in $(seq 1200); do
        seen "$ev" "$stage" "$n" && { s=yes; break; }
        kill -0 "$p" 2>/dev/null || break
        sleep 0.05
    done
    kill -9 "$p" 2>/dev/null
    wait "$p"; rc=$?
    kill "$EVP" 2>/dev/null; wait "$EVP" 2>/dev/null
    check "ws create killed at '$stage' while still at work (stage seen: $s, ws status $rc)" \
        eval '[ "$s" = yes ] && [ "$rc" = 137 ]' || sed 's/^/#   /' "$ev" "$T/ws-$n.out"
    check "'$stage': the engine has settled" wait_until 60 settled "$n"
    check "ws create killed at '$stage': whole or nothing" whole_or_nothing "$n"
}
kill_at "volume create" "$RUN-kv"
kill_at "container create" "$RUN-kc"
kill_at "container start" "$RUN-ks"

# A login whose client vanishes while the gateway is creating its workspace:
# the client (ssh itself, not a wrapper) is killed once the engine reports
# the container's creation; the gateway carries on alone, and when it is done
# with that connection the workspace is whole or absent.
n=$RUN-gone
ev="$T/events-$n"
events "$ev"
ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/id" -p "$GW_PORT" -l "$n" 127.0.0.1 true >/dev/null 2>"$T/gone.err" &
sp=$!
bg_pid "$sp"
check "the login is creating its workspace" wait_until 60 seen "$ev" "container create" "$n"
kill -9 "$sp" 2>/dev/null
wait "$sp"; rc=$?
kill "$EVP" 2>/dev/null; wait "$EVP" 2>/dev/null
check "its client vanished mid-create (ssh ended by SIGKILL: $rc)" [ "$rc" = 137 ]
check "the gateway is done with that connection" wait_until 120 eval 'kill -0 "$GW_PID" && [ -z "$(pgrep -P "$GW_PID")" ]'
check "the engine has settled" wait_until 60 settled "$n"
check "a login whose client vanished mid-create: whole or nothing" whole_or_nothing "$n"
finish
