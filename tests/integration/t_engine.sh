#!/bin/bash
# The Docker engine itself stops or dies. On a private engine (engine.sh), so
# that the host's engine and anyone's workspaces on it are never touched.
# A login while it is down is told so in one line and the gateway survives;
# once it is back the same workspace (stopped with the engine) starts again
# with its data; creates cut short by the engine dying at a given stage (seen
# in the engine's own event stream) leave a whole workspace or nothing.
WS_PRIVATE_ENGINE=1
. "$(dirname "$0")/lib.sh"
# (a create cut short by the engine's death gives up waiting for sshd soon)
gw_start main "sshd_wait_timeout = 20;"
W=$RUN-engine
check "a workspace on the private engine" is "$(wssh "$W" 'echo kept > /home/workspace/file; echo in')" in

check "the private engine stops (SIGTERM)" pe_kill TERM
check "engine is down" not pe_alive
out=$(wssh_info "$W" echo in 2>"$T/err")
check "login while the engine is down is refused, saying so" \
    refused "$out" "$T/err" "wsgate: workspace '$W' could not be started: the Docker engine is not answering at $PE_SOCK"
check "the gateway survives it" kill -0 "$GW_PID"

check "the private engine comes back" pe_up
check "workspace started again, data intact" is "$(wssh_info "$W" cat /home/workspace/file 2>"$T/err")" kept
check "by this login" contains "$T/err" "wsgate: starting workspace '$W'"

# crash_at STAGE: ws create NAME runs; when the engine reports STAGE for the
# workspace (e.g. "container create"), dockerd is killed with SIGKILL while
# ws is still at work. Then the engine comes back and the verdict is taken.
crash_at() {
    local stage=$1 n=$2 ev p seen=no alive=no
    ev="$T/events-$n"
    # --since replays what happened after that moment: no subscription race.
    docker events --since "$(date +%s)" --format '{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}' > "$ev" 2>/dev/null &
    local evp=$!
    "$WS_BIN" -f "$T/main.conf" create "$n" --owner tester >"$T/ws-$n.out" 2>&1 &
    p=$!
    for _ in $(seq 600); do
        grep -Eq "^$stage (.* )?workspace-$n( |\$)" "$ev" && { seen=yes; break; }
        kill -0 "$p" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$p" 2>/dev/null && alive=yes
    check "$stage: dockerd killed" pe_kill KILL
    wait "$p"; wsrc=$?
    kill "$evp" 2>/dev/null; wait "$evp" 2>/dev/null
    # ws failing proves the create was cut short, not finished before the kill.
    check "$stage: the engine was killed at that stage, with ws at work (seen $seen, ws running $alive, ws exit $wsrc)" \
        eval '[ "$seen:$alive" = yes:yes ] && [ "$wsrc" != 0 ]'
    check "$stage: the private engine comes back" pe_up
    check "create interrupted by the engine dying at '$stage': whole or nothing" whole_or_nothing "$n"
}
crash_at "volume create" "$RUN-crv"
crash_at "container create" "$RUN-crc"
crash_at "container start" "$RUN-crs"
finish
