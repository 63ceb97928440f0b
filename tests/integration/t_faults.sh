#!/bin/bash
# Things go wrong: the user gets one clear line, the connection ends, and the
# gateway keeps serving someone else whose session runs all along.
. "$(dirname "$0")/lib.sh"
gw_start main
MAIN=$GW_PORT
OK=$RUN-ok
wssh "$OK" true
( wssh "$OK" 'for i in $(seq 40); do sleep 0.5; done; echo still-here' > "$T/bystander" 2>&1 ) &
bystander=$!

# expect_line PORT NAME TEXT DESCRIPTION
expect_line() {
    GW_PORT=$1 wssh_info "$2" true 2>"$T/err"
    local rc=$?
    check "$4: connection ends (rc 255)" [ $rc = 255 ]
    check "$4: says so" contains "$T/err" "$3"
}

# Engine not answering: a socket nobody listens on, as a stopped dockerd leaves.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$T/dead.sock"
gw_start nodocker "docker_socket = \"$T/dead.sock\";"
expect_line "$GW_PORT" "$RUN-x" "the Docker engine is not answering" "engine down"

gw_start noimage "image = \"wsgate-no-such-image:none\";"
expect_line "$GW_PORT" "$RUN-noimg" "could not be created: image wsgate-no-such-image:none not found" "image missing"
check "image missing leaves no container" [ -z "$(docker ps -aq --filter "name=^workspace-$RUN-noimg\$")" ]

# The engine refuses to start it (a device that does not exist): its own
# error reaches the user.
B=$RUN-bad
docker create --name "workspace-$B" --label "org.wsgate.workspace=$B" --label "org.wsgate.owner=tester" \
    --label "org.wsgate.hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U" \
    -p 127.0.0.1::22 --device /dev/wsgate-no-such-device workspace:latest >/dev/null
expect_line "$MAIN" "$B" "workspace '$B' could not be started: error gathering device information" "engine answers an error"

# A container that will not start (its entrypoint fails at once).
N=$RUN-nostart
docker create --name "workspace-$N" --label "org.wsgate.workspace=$N" --label "org.wsgate.owner=tester" --label "org.wsgate.port=2399" \
    --label "org.wsgate.hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U" \
    -p 127.0.0.1::22 --entrypoint /bin/false workspace:latest >/dev/null
expect_line "$MAIN" "$N" "workspace '$N' could not be started: it is exited (exit code 1)" "container that will not start"

# A container whose sshd never answers.
S=$RUN-silent
docker create --name "workspace-$S" --label "org.wsgate.workspace=$S" --label "org.wsgate.owner=tester" \
    --label "org.wsgate.hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U" \
    -p 127.0.0.1::22 --entrypoint /bin/sleep workspace:latest infinity >/dev/null
gw_start impatient "sshd_wait_timeout = 3;"
expect_line "$GW_PORT" "$S" "did not answer within 3 s" "sshd that never answers"

# The workspace killed in the middle of a session.
K=$RUN-kill
GW_PORT=$MAIN
wssh "$K" true
( wssh_info "$K" 'echo started; sleep 60' > "$T/killed.out" 2>"$T/killed.err"; echo $? > "$T/killed.rc" ) &
victim=$!
for _ in $(seq 50); do grep -q started "$T/killed.out" 2>/dev/null && break; sleep 0.2; done
docker kill "workspace-$K" >/dev/null
wait $victim
check "killed mid-session: client ends (rc 255)" [ "$(cat "$T/killed.rc")" = 255 ]
check "killed mid-session: says so" contains "$T/killed.err" "wsgate: connection to workspace '$K' lost"
check "killed workspace comes back on the next login" [ "$(wssh "$K" echo back)" = back ]

wait $bystander
check "a session running through all of this was untouched" [ "$(cat "$T/bystander")" = still-here ]
check "the gateway still lets people in" [ "$(wssh "$OK" echo fine)" = fine ]
finish
