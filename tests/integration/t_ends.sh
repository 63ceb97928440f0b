#!/bin/bash
# How sessions end: client killed mid-transfer, the workspace command exiting
# while the client still sends, ssh -N, ssh -f, the ~. escape; then 500
# sessions, after which the gateway holds no more descriptors, memory or
# processes than before, and the workspace no more sshd sessions.
. "$(dirname "$0")/lib.sh"
gw_start main "max_startups = \"100\";" "per_source_max_startups = 0;"
W=$RUN-ends
check "the workspace is up" is "$(wssh "$W" echo in)" in
gw=$GW_PID
started=$(docker container inspect -f '{{.State.StartedAt}}' "workspace-$W")
count_children() { pgrep -P "$gw" | wc -l; }
# sshd session processes in the workspace: a number, or nothing (and failure).
ws_sshd() { local n; n=$(docker exec "workspace-$W" pgrep -c -f '^sshd: workspace'); [ -n "$n" ] && echo "$n"; }
no_sessions() { [ "$(ws_sshd)" = 0 ]; }

n=$(wssh "$W" "echo \$\$ > /tmp/mid-$RUN; exec head -c 2G /dev/zero" | head -c 20M | wc -c)
pid=$(docker exec "workspace-$W" cat "/tmp/mid-$RUN")
check "client killed mid-transfer: it had read 20 MiB ($n) from the command (pid ${pid:-none})" \
    eval '[ "$n" = 20971520 ] && [ -n "$pid" ]'
# (the workspace's head ends on SIGPIPE/EOF once the gateway closes)
# (sh -c "! test": 0 only when the process is gone, 125+ when docker fails)
check "client killed mid-transfer: the workspace command is gone" \
    wait_until 15 docker exec "workspace-$W" sh -c "! test -d /proc/${pid:-1}"
head -c 300M /dev/zero | wssh "$W" 'head -c 1M > /dev/null; echo done' > "$T/out"
rc=${PIPESTATUS[1]}
check "command exits while the client still sends: output arrives" is "$(cat "$T/out")" done
check "command exits while the client still sends: status 0 ($rc)" [ "$rc" = 0 ]

check "no sshd session in the workspace at rest" wait_until 10 no_sessions
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$W" -N 127.0.0.1 &
n=$!
check "ssh -N: the connection reached the workspace" wait_until 20 eval '[ "$(ws_sshd)" -ge 1 ]'
kill $n; wait $n 2>/dev/null
check "ssh -N: its connection ends when the client does" wait_until 10 eval '[ "$(count_children)" = 0 ]'
check "ssh -N: and its sshd session in the workspace" wait_until 10 no_sessions
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$W" -f 127.0.0.1 \
    'sleep 1; echo f-done > /home/workspace/f' </dev/null >/dev/null 2>&1
check "ssh -f: the backgrounded command ran" wait_until 20 eval '[ "$(docker exec "workspace-$W" cat /home/workspace/f)" = f-done ]'
# ~. : the client ends at once (not after the 20 s of sleep), and the
# session's command in the workspace goes with it (its pty hangs up).
t0=$(date +%s)
# ~. is typed once the session's command has printed its marker.
( wait_until 30 contains "$T/tilde.out" marker-42; printf '\n~.' ) | timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -tt -e '~' -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 \
    'echo marker-$((6*7)); sleep 20' >"$T/tilde.out" 2>&1
rc=$? took=$(( $(date +%s) - t0 ))
check "~.: the session had started" contains "$T/tilde.out" marker-42
check "~. ends the session at once (rc $rc after $took s)" eval '[ "$rc" = 255 ] && [ "$took" -lt 10 ]'
check "~.: the command in the workspace is gone" \
    wait_until 10 eval '[ "$(docker exec "workspace-$W" pgrep -c -f "^sleep 20$")" = 0 ]'
check "~.: its connection's process ended" wait_until 10 eval '[ "$(count_children)" = 0 ]'

fds0=$(ls /proc/"$gw"/fd | wc -l); rss0=$(awk '/VmRSS/ {print $2}' /proc/"$gw"/status)
sshd0=$(ws_sshd)
check "no sshd session before the 500 ($sshd0)" is "$sshd0" 0
for batch in $(seq 50); do
    pids=()
    for i in $(seq 10); do { wssh "$W" "echo ok-$batch-$i"; echo "rc=$?" >&2; } > "$T/s-$batch-$i" 2>"$T/s-$batch-$i.err" & pids+=($!); done
    wait "${pids[@]}"
done
good=0
for batch in $(seq 50); do for i in $(seq 10); do
    if [ "$(cat "$T/s-$batch-$i")" = "ok-$batch-$i" ]; then good=$((good + 1));
    else echo "# session $batch-$i printed:"; sed 's/^/#   /' "$T/s-$batch-$i" "$T/s-$batch-$i.err"; fi
done; done
check "500 sessions: all 500 logged in and ran their command ($good)" [ "$good" = 500 ]
check "500 sessions: no session process left behind" wait_until 10 eval '[ "$(count_children)" = 0 ]'
check "the gateway is still running" kill -0 "$gw"
fds1=$(ls /proc/"$gw"/fd | wc -l); rss1=$(awk '/VmRSS/ {print $2}' /proc/"$gw"/status)
sshd1=$(wait_until 10 eval '[ "$(ws_sshd)" = "$sshd0" ]'; ws_sshd)
echo "# 500 sessions: gateway fds $fds0 -> $fds1, RSS ${rss0} kB -> ${rss1} kB, workspace sshd sessions $sshd0 -> $sshd1"
check "500 sessions: gateway descriptors flat ($fds0 -> $fds1)" eval '[ -n "$fds0" ] && [ "$fds1" = "$fds0" ]'
check "500 sessions: gateway memory flat ($rss0 -> $rss1 kB, < 512 kB growth)" eval '[ -n "$rss0" ] && [ -n "$rss1" ] && [ $((rss1 - rss0)) -lt 512 ]'
check "500 sessions: no sshd session left in the workspace ($sshd0 -> $sshd1)" eval '[ -n "$sshd0" ] && [ "$sshd1" = "$sshd0" ]'
check "the workspace ran all along (never restarted by a client's end)" \
    is "$(docker container inspect -f '{{.State.StartedAt}}' "workspace-$W")" "$started"
finish
