#!/bin/bash
# How sessions end: client killed mid-transfer, the workspace command exiting
# while the client still sends, ssh -N, ssh -f, the ~. escape; then 500
# sessions, after which the gateway holds no more descriptors, memory or
# processes than before, and the workspace no more sshd sessions.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-ends
wssh "$W" true
gw=${GW_PIDS[0]}
count_children() { pgrep -P "$gw" | wc -l; }
ws_sshd() { docker exec "workspace-$W" pgrep -c -f 'sshd: workspace' || true; }

wssh "$W" 'head -c 2G /dev/zero' | head -c 20M > /dev/null
sleep 1
check "client killed mid-transfer: the workspace command is gone" [ "$(wssh "$W" 'pgrep -c -x head || true')" = 0 ]
head -c 300M /dev/zero | wssh "$W" 'head -c 1M > /dev/null; echo done' > "$T/out"
rc=${PIPESTATUS[1]}
check "command exits while the client still sends: output arrives" [ "$(cat "$T/out")" = done ]
check "command exits while the client still sends: status 0 ($rc)" [ "$rc" = 0 ]

timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$W" -N 127.0.0.1 &
n=$!; sleep 1; kill $n; wait $n 2>/dev/null
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$W" -f 127.0.0.1 \
    'sleep 1; echo f-done > /home/workspace/f' </dev/null >/dev/null 2>&1
sleep 2
check "ssh -f: the backgrounded command ran" [ "$(wssh "$W" cat /home/workspace/f)" = f-done ]
(sleep 2; printf '\n~.') | timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -tt -e '~' -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 'sleep 20' >/dev/null 2>&1
check "~. ends the session at once (rc 255)" [ $? = 255 ]
sleep 1

fds0=$(ls /proc/"$gw"/fd | wc -l); rss0=$(awk '/VmRSS/ {print $2}' /proc/"$gw"/status)
sshd0=$(ws_sshd)
for batch in $(seq 50); do
    pids=()
    for i in $(seq 10); do wssh "$W" true & pids+=($!); done
    wait "${pids[@]}"
done
sleep 1
fds1=$(ls /proc/"$gw"/fd | wc -l); rss1=$(awk '/VmRSS/ {print $2}' /proc/"$gw"/status)
echo "# 500 sessions: gateway fds $fds0 -> $fds1, RSS ${rss0} kB -> ${rss1} kB, children left $(count_children), workspace sshd sessions $sshd0 -> $(ws_sshd)"
check "500 sessions: gateway descriptors flat" [ "$fds1" = "$fds0" ]
check "500 sessions: gateway memory flat (< 512 kB growth)" [ $((rss1 - rss0)) -lt 512 ]
check "500 sessions: no session process left behind" [ "$(count_children)" = 0 ]
check "500 sessions: no sshd session left in the workspace" [ "$(ws_sshd)" = "$sshd0" ]
finish
