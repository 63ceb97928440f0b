#!/bin/bash
# Idle stop: a workspace with no session for idle_stop seconds is stopped and
# the next ssh starts it again with its data; one with a session open stays
# up all the while. On a private engine (engine.sh): the sweep looks at every
# workspace on its engine, and must never stop anyone's on the host's.
WS_PRIVATE_ENGINE=1
. "$(dirname "$0")/lib.sh"
gw_start idle "idle_stop = 4;"
I=$RUN-idle
B=$RUN-busy
check "a workspace to leave idle" is "$(wssh "$I" 'echo still-here > ~/mark; echo in')" in
check "a workspace to keep busy" is "$(wssh "$B" 'echo in')" in
# The busy session lasts until the test releases it, however slow the machine.
wssh "$B" "echo session-open; while [ ! -e /tmp/release-$RUN ]; do sleep 0.2; done" > "$T/busy.out" &
busy=$!
bg_pid "$busy"
check "the busy workspace's session is open" wait_until 20 contains "$T/busy.out" session-open
t0=$(date +%s)
check "the idle workspace is stopped (within 30 s)" wait_until 30 eval '[ "$(state "$I")" = exited ]'
check "the gateway logs why" wait_until 10 contains "$T/idle.log" "stopped workspace $I: no session for"
# A sweep that looked at the busy workspace once it would have been idle for
# idle_stop seconds but for its session: then it must still run.
wait_until 10 eval '[ $(( $(date +%s) - t0 )) -ge 5 ]'
mark=$(wc -l < "$T/idle.log")
check "a later sweep looked at the busy workspace" \
    wait_until 15 eval 'tail -n +$((mark + 1)) "$T/idle.log" | grep "\[idle\]: docker GET /containers/workspace-$B/top" >/dev/null'
check "the workspace with a session open was not stopped" is "$(state "$B")" running
check "nor was it logged as idle" lacks "$T/idle.log" "stopped workspace $B"
# What the workspaces wrote was read in jails, as the sandbox user.
check "their process lists were read in jails running as wsgate" \
    contains "$T/idle.log" "reading a process list in a jail running as uid $(id -u wsgate)"
check "and the idle one's sshd log too" contains "$T/idle.log" "reading an sshd log in a jail running as uid $(id -u wsgate)"
check "the next ssh starts the idle one, data intact" is "$(wssh "$I" cat mark)" still-here
check "and its session is still open" kill -0 "$busy"
docker exec "workspace-$B" touch "/tmp/release-$RUN"
wait "$busy"; rc=$?
check "the busy session ends normally when released ($rc)" [ "$rc" = 0 ]
finish
