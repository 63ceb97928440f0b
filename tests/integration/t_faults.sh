#!/bin/bash
# Things go wrong: the user gets one clear line, the connection ends, and the
# gateway keeps serving someone else whose session runs all along.
. "$(dirname "$0")/lib.sh"
gw_start main
MAIN=$GW_PORT
OK=$RUN-ok
check "the bystander's workspace is up" is "$(wssh "$OK" echo in)" in
# The bystander's session stays open until the test releases it (bounded at
# 10 min), so it surely runs through every fault below.
timeout 600 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$OK" 127.0.0.1 \
    "echo up; for i in \$(seq 3000); do [ -e /tmp/release-$RUN ] && break; sleep 0.2; done; echo still-here" > "$T/bystander" 2>&1 &
bystander=$!
bg_pid "$bystander"
check "the bystander's session is open" wait_until 30 grep -qx up "$T/bystander"

# expect_line PORT NAME TEXT DESCRIPTION: the login fails (255), prints
# nothing on stdout, and the client is told TEXT (wssh_info shows banners).
# (The eval runs inside check, where $1.. are check's: TEXT goes by name.)
expect_line() {
    local text=$3 rc
    GW_PORT=$1 wssh_info "$2" echo in >"$T/out" 2>"$T/err"
    rc=$?
    check "$4: refused with its reason, connection ended (rc $rc)" \
        eval '[ "$rc" = 255 ] && [ ! -s "$T/out" ] && contains "$T/err" "$text"'
}

# Engine not answering: a socket nobody listens on, as a stopped dockerd leaves.
python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.close()' "$T/dead.sock"
gw_start nodocker "docker_socket = \"$T/dead.sock\";"
expect_line "$GW_PORT" "$RUN-x" \
    "wsgate: workspace '$RUN-x' could not be started: the Docker engine is not answering at $T/dead.sock" "engine down"

gw_start noimage "image = \"wsgate-no-such-image:none\";"
expect_line "$GW_PORT" "$RUN-noimg" \
    "wsgate: workspace '$RUN-noimg' could not be created: image wsgate-no-such-image:none not found" "image missing"
check "image missing leaves no container" absent container "workspace-$RUN-noimg"
check "image missing leaves no volume" \
    eval 'absent volume "workspace-$RUN-noimg" && absent volume "workspace-$RUN-noimg.docker"'

# The engine refuses to start it (a device that does not exist): its own
# error reaches the user.
B=$RUN-bad
docker create --name "workspace-$B" --label "org.wsgate.workspace=$B" --label "org.wsgate.owner=tester" \
    --label "org.wsgate.hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U" \
    -p 127.0.0.1::22 --device /dev/wsgate-no-such-device workspace:latest >/dev/null
check "a container the engine cannot start exists" present container "workspace-$B"
expect_line "$MAIN" "$B" "wsgate: workspace '$B' could not be started: error gathering device information" "engine answers an error"

# A container that will not start (its entrypoint fails at once).
N=$RUN-nostart
docker create --name "workspace-$N" --label "org.wsgate.workspace=$N" --label "org.wsgate.owner=tester" --label "org.wsgate.port=2399" \
    --label "org.wsgate.hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U" \
    -p 127.0.0.1::22 --entrypoint /bin/false workspace:latest >/dev/null
check "a container that will not start exists" present container "workspace-$N"
expect_line "$MAIN" "$N" \
    "wsgate: workspace '$N' could not be started: it is exited (exit code 1); see docker logs workspace-$N" "container that will not start"

# A container whose sshd never answers.
S=$RUN-silent
docker create --name "workspace-$S" --label "org.wsgate.workspace=$S" --label "org.wsgate.owner=tester" \
    --label "org.wsgate.hostkey=ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U" \
    -p 127.0.0.1::22 --entrypoint /bin/sleep workspace:latest infinity >/dev/null
check "a container without sshd exists" present container "workspace-$S"
gw_start impatient "sshd_wait_timeout = 3;"
expect_line "$GW_PORT" "$S" \
    "wsgate: workspace '$S' did not answer within 3 s: its sshd sent no SSH banner on port " "sshd that never answers"

# The workspace killed in the middle of a session.
K=$RUN-kill
GW_PORT=$MAIN
check "the victim's workspace is up" is "$(wssh "$K" echo in)" in
# Two sessions on one connection (ControlMaster): each is told.
cm="$T/cm-kill"
( wssh_info "$K" -o ControlMaster=yes -o ControlPath="$cm" 'echo started; sleep 60' \
    > "$T/killed.out" 2>"$T/killed.err"; echo $? > "$T/killed.rc" ) &
victim=$!
bg_pid "$victim"
check "the victim session is running" wait_until 20 grep -qx started "$T/killed.out"
( wssh_info "$K" -o ControlPath="$cm" 'echo started2; sleep 60' \
    > "$T/killed2.out" 2>"$T/killed2.err"; echo $? > "$T/killed2.rc" ) &
victim2=$!
bg_pid "$victim2"
check "a second session on its connection is running" wait_until 20 grep -qx started2 "$T/killed2.out"
check "the workspace is killed" docker kill "workspace-$K"
wait $victim $victim2
rc=$(cat "$T/killed.rc" 2>/dev/null)
# The line goes to the channel's stderr and the channel closes without an
# exit status: the client ends with 255.
msg="wsgate: connection to workspace '$K' lost"
check "killed mid-session: the client is told, and ends (rc $rc)" \
    eval '[ "$rc" = 255 ] && contains "$T/killed.err" "$msg"'
check "and so is the second session on that connection" contains "$T/killed2.err" "$msg"
check "killed workspace comes back on the next login" is "$(wssh "$K" echo back)" back

check "the bystander's session was still open after all the faults" \
    eval 'kill -0 "$bystander" && [ "$(cat "$T/bystander")" = up ]'
wssh "$OK" "touch /tmp/release-$RUN"
wait "$bystander"; rc=$?
check "a session running through all of this was untouched (rc $rc)" \
    eval '[ "$rc" = 0 ] && [ "$(cat "$T/bystander")" = "$(printf "up\nstill-here")" ]'
check "the gateway still lets people in" is "$(wssh "$OK" echo fine)" fine
finish
