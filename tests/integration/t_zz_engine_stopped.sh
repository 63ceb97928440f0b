#!/bin/bash
# The Docker engine itself stops: a login is told so in one line, the gateway
# survives, and once the engine is back the same workspace (stopped with the
# engine) is started again with its data. Runs last: it restarts dockerd.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-engine
wssh "$W" 'echo kept > /home/workspace/file'

if [ -d /run/systemd/system ] && systemctl is-active -q docker 2>/dev/null; then
    systemctl stop docker.socket docker
else
    pkill -TERM -x dockerd
fi
for _ in $(seq 100); do pgrep -x dockerd >/dev/null || break; sleep 0.3; done
check "engine is down" bash -c '! docker info >/dev/null 2>&1'

wssh_info "$W" true 2>"$T/err"
check "login while the engine is down ends (rc 255)" [ $? = 255 ]
check "login while the engine is down says so" contains "$T/err" "the Docker engine is not answering"

"$WSGATE_SRC/scripts/docker-up.sh" >/dev/null
check "engine is back" docker info
check "workspace started again, data intact" [ "$(wssh "$W" cat /home/workspace/file)" = kept ]

# A create cut short by the engine dying: whole or nothing once it is back.
for ms in 30 150; do
    n=$RUN-crash$ms
    "$WS_BIN" -f "$T/main.conf" create "$n" --owner tester >/dev/null 2>&1 &
    p=$!
    sleep "0.$(printf '%03d' "$ms")"
    pkill -KILL -x dockerd
    wait "$p" 2>/dev/null
    for _ in $(seq 100); do pgrep -x dockerd >/dev/null || break; sleep 0.3; done
    "$WSGATE_SRC/scripts/docker-up.sh" >/dev/null
    check "create interrupted by the engine dying after $ms ms: whole or nothing" whole_or_nothing "$n"
done
finish
