#!/bin/bash
# Many channels on one connection, as VS Code Remote-SSH and ControlMaster
# users open them: each progresses on its own and gets its own output and exit
# status. Nothing a client sent before its EOF and CLOSE is lost, whatever the
# workspace's window. A client that ignores its window loses its connection
# (as with OpenSSH's sshd), not the gateway's memory.
. "$(dirname "$0")/lib.sh"
[ -n "${WS_TRACE:-}" ] && { PS4='+ $(date +%s.%N) '; set -x; }
# Freed memory is measured below: ASan's quarantine would hold it.
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0"
gw_start main
W=$RUN-ch
SO=("${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$W")
PY="/usr/bin/python3 -W ignore $(dirname "$0")/channels.py"   # Debian's, with asyncssh and paramiko

check "the workspace answers" is "$(wssh "$W" echo up)" up
# (These come first: the mutation check stops at them, and waits less.)
# Nothing lost: the workspace reads nothing for 3 s while 16 MiB, then EOF, come.
head -c 16M /dev/urandom > "$T/16m"
want=$(sha256sum < "$T/16m" | cut -c1-64)
timeout 60 ssh "${SO[@]}" 127.0.0.1 'sleep 3; cat > sixteen' < "$T/16m"; rc=$?
check "ssh 'sleep 3; cat > f' < 16 MiB ends well (exit $rc)" [ "$rc" = 0 ]
check "and all 16 MiB are in f" is "$(wssh "$W" 'sha256sum < sixteen' | cut -c1-64)" "$want"
out=$($PY close "$GW_PORT" "$W" "$T/id" 2>&1); echo "$out" | sed 's/^/# /'
check "DATA, EOF and CLOSE behind a full window: all delivered" is "$(tail -1 <<< "$out" | cut -c1-9)" "ok nothin"

# A client that sends up to 64 MiB past its window loses its connection, as
# with OpenSSH's sshd ("peer ignored channel window"; libssh 0.12 counts
# what it buffers against the window and ends the session at the first
# packet past it); its process stays small; the next client is served.
check "a client floods 64 MiB past its window, and ends" \
    watched "$T/overrun.out" $PY overrun "$GW_PORT" "$W" "$T/id"
sed 's/^/# /' "$T/overrun.out"
check "the gateway ends that connection mid-flood and serves the next" \
    is "$(tail -1 "$T/overrun.out" | cut -c1-9)" "ok the co"
check "the gateway logs why" contains "$T/main.log" "ended: Window exceeded"
rss=$(ended_rss "$CONN")
echo "# connection process $CONN: peak RSS ${rss:-?} kB under a 64 MiB flood"
check "its peak RSS stayed under 40 MiB (ASan build; ${rss:-?} kB)" [ "${rss:-999999}" -lt 40960 ]

# A well-behaved client still sending when the workspace closes: what it
# sends until our CLOSE reaches it is dropped, and it ends at once.
out=$(head -c 50M /dev/zero | { timeout 60 ssh "${SO[@]}" 127.0.0.1 'head -c 1 > /dev/null; echo took-one'; echo "rc=$?"; })
check "head -c 1 from a 50 MiB stdin: ends at once, exit 0" is "$out" "took-one
rc=0"

# ControlMaster: six sessions at once over one connection, twenty times.
cm=$T/cm
check "a master connection starts" timeout 60 ssh "${SO[@]}" -o ControlMaster=yes -o ControlPath="$cm" \
    -o ControlPersist=120 127.0.0.1 true
on_exit "ssh -o ControlPath='$cm' -O exit x 2>/dev/null; true"
rounds=0
for round in $(seq 20); do
    pids=()
    for n in 1 2 3 4 5 6; do
        ( timeout 30 ssh "${SO[@]}" -o ControlPath="$cm" 127.0.0.1 "echo m$n; exit $n" \
            > "$T/cm-$n.out" 2>&1; echo $? > "$T/cm-$n.rc" ) &
        pids+=($!)
    done
    wait "${pids[@]}"
    bad=""
    for n in 1 2 3 4 5 6; do
        [ "$(cat "$T/cm-$n.out")" = "m$n" ] && [ "$(cat "$T/cm-$n.rc")" = "$n" ] ||
            bad="$bad session $n: rc $(cat "$T/cm-$n.rc") output '$(head -c 80 "$T/cm-$n.out")';"
    done
    [ -z "$bad" ] || { echo "# round $round:$bad"; break; }
    rounds=$((rounds + 1))
done
check "ControlMaster: 6 sessions at once, each with its output and exit status ($rounds/20 rounds)" \
    [ "$rounds" = 20 ]

# A shell on the same connection as a download keeps its turn: an older
# session's output arrives while a newer one streams as fast as it can.
( timeout 60 ssh "${SO[@]}" -o ControlPath="$cm" 127.0.0.1 'sleep 1; echo tick; sleep 20' > "$T/tick.out" 2>&1 ) &
ticker=$!
bg_pid $ticker
( timeout 120 ssh "${SO[@]}" -o ControlPath="$cm" 127.0.0.1 'head -c 2000M /dev/zero' | wc -c > "$T/download.out" ) &
download=$!
bg_pid $download
check "the older session's line comes" wait_until 30 grep -qx tick "$T/tick.out"
check "while the newer one still streams" not proc_gone $download
pkill -P $download; pkill -P $ticker; wait $ticker $download 2>/dev/null

out=$($PY runs "$GW_PORT" "$W" "$T/id" 20 2>&1); echo "$out" | sed 's/^/# /'
check "asyncssh: 20 runs gathered on one connection, 20 times" is "$(tail -1 <<< "$out" | cut -c1-9)" "ok 20 rou"

# VS Code-like: execs and tunnels opened at once beside a long transfer.
out=$(wssh "$W" 'head -c 200M /dev/urandom > big && sha256sum < big')
sha=${out:0:64}
check "a 200 MiB file in the workspace" [ ${#sha} = 64 ]
eport=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
out=$(wssh "$W" "cat > .wsgate-echo.py; (setsid nohup python3 .wsgate-echo.py $eport >/dev/null 2>&1 < /dev/null &)
for i in \$(seq 50); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $eport))' 2>/dev/null && { echo up; break; }; sleep 0.1; done" < "$(dirname "$0")/echo_server.py")
check "an echo server runs in the workspace" is "$out" up
out=$($PY load "$GW_PORT" "$W" "$T/id" "$eport" "$sha" 2>&1); echo "$out" | sed 's/^/# /'
check "10 execs and 100 direct-tcpip at once beside a 200 MiB transfer, all exact" \
    is "$(tail -1 <<< "$out" | cut -c1-9)" "ok 10 exe"


# The load's connections end with the master.
ssh -o ControlPath="$cm" -O exit x 2>/dev/null
check "the master connection has ended" wait_until 20 eval '[ "$(pgrep -c -P "$GW_PID")" -le 0 ]'

# The watchdog below must never end a working connection: the slowest call
# a client can ask for is a rekey with the largest DH group, here every MiB.
out=$(head -c 20M /dev/zero | timeout 120 ssh "${SO[@]}" -o KexAlgorithms=diffie-hellman-group18-sha512 \
    -o RekeyLimit=1M 127.0.0.1 'wc -c')
check "20 MiB with a diffie-hellman-group18 rekey every MiB arrive whole" is "$out" 20971520
check "and the watchdog let that connection be" lacks "$T/main.log" "of CPU in one call without returning"

# A client gives its channel a maximum packet size of 10 (libssh 0.10 looped
# writing to it): the output comes in packets of 10, and the connection
# goes on, its process small, without the watchdog.
check "a client with a 10-byte maximum packet runs cat, and ends" \
    watched "$T/tiny.out" $PY tiny "$GW_PORT" "$W" "$T/id" - "cat"
out=$(cat "$T/tiny.out")
echo "$out" | sed 's/^/# /'
check "its 1000 bytes come back in 10-byte packets; the connection lives" \
    is "$(tail -1 <<< "$out" | cut -c1-9)" "ok the ch"
check "the output is whole" grep -q "(1000 bytes), exit 0" "$T/tiny.out"
rss=$(ended_rss "$CONN")
echo "# connection process $CONN: peak RSS ${rss:-?} kB"
check "its peak RSS stayed under 64 MiB (ASan build; ${rss:-?} kB)" [ "${rss:-999999}" -lt 65536 ]
check "and the watchdog let it be" lacks "$T/main.log" "of CPU in one call without returning"

# A client that sends 200 -R requests at once: past the 64 the gateway keeps
# in order, the connection ends (answering out of order would misattribute).
out=$($PY globals "$GW_PORT" "$W" "$T/id" 2>&1); echo "$out" | sed 's/^/# /'
check "200 global requests at once end the connection" is "$(tail -1 <<< "$out" | cut -c1-9)" "ok the co"
check "and the gateway says why" \
    contains "$T/main.log" "the client sent more than 64 global requests without waiting for replies"

# A client that reads nothing and sends keepalives, which libssh answers by
# itself: the connection's process grows until max_session_memory ends it.
gw_start lean "max_session_memory = 40;"
check "a client that reads nothing and sends keepalives, ends" \
    watched "$T/noreply.out" $PY noreply "$GW_PORT" "$W" "$T/id"
sed 's/^/# /' "$T/noreply.out"
check "the gateway ended that connection" is "$(tail -1 "$T/noreply.out" | cut -c1-9)" "ok the co"
check "and says why" contains "$T/lean.log" "this connection used more than 40 MiB"
rss=$(ended_rss "$CONN")
echo "# connection process $CONN: peak RSS ${rss:-?} kB"
# libssh's buffers grow by doubling: the last step may take it past the cap.
check "its peak RSS stayed under twice the cap (ASan build; ${rss:-?} kB)" [ "${rss:-999999}" -lt 81920 ]

# A client that stops reading while output is on its way: the gateway must
# not wait for it inside a write, so a stop (SIGTERM) still ends it.
before=$(pgrep -P "$GW_PID" | tr '\n' ' ')
$PY stall "$GW_PORT" "$W" "$T/id" "head -c 50M /dev/zero" "$T/stall-hold" > "$T/stall.out" 2>&1 &
stall=$!
bg_pid $stall
conn=$(new_child $before)
check "the stalled client's connection process is found" [ -n "$conn" ]
sendq() { ss -Htn state established "( sport = :$GW_PORT )" | awk '{print $2}' | sort -n | tail -1; }
check "the gateway's socket to it fills (Send-Q over 500 kB)" wait_until 30 eval '[ "$(sendq)" -gt 500000 ]'
kill -TERM "$conn"
check "and its connection process still ends within 10 s of SIGTERM" wait_until 10 proc_gone "$conn"
touch "$T/stall-hold"
check "the stalled client ends" wait_until 30 proc_gone $stall

# max_channels counts what is open or opening on a connection.
gw_start capped "max_channels = 3;"
out=$($PY cap "$GW_PORT" "$W" "$T/id" 3 2>&1); echo "$out" | sed 's/^/# /'
check "max_channels = 3: the 4th channel is refused, a closed one makes room" \
    is "$(tail -1 <<< "$out" | cut -c1-9)" "ok max_ch"
check "the gateway says why it refused" contains "$T/capped.log" "refusing a session channel from the client: 3 open or opening"
out=$($PY rcap "$GW_PORT" "$W" "$T/id" 3 7022 2>&1); echo "$out" | sed 's/^/# /'
check "max_channels = 3: -R connections past it are refused, a closed one makes room" \
    is "$(tail -1 <<< "$out" | cut -c1-9)" "ok max_ch"
check "the gateway says why it refused them" \
    contains "$T/capped.log" "refusing a forwarded-tcpip channel from the workspace: 3 open or opening"
finish
