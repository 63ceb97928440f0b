#!/bin/bash
# The workspace's root replaces its sshd (t_rogue): the gateway logs in to
# whatever answers with the pinned host key, and must then hold against it.
# Channels nobody asked for are refused, a flood past the window costs the
# workspace its session (the gateway logs why), and the workspace's words
# reach the log escaped.
. "$(dirname "$0")/lib.sh"
export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=0"
[ -n "${WS_TRACE:-}" ] && { PS4='+ $(date +%s.%N) '; set -x; }
gw_start main
W=$RUN-rogue
C=workspace-$W
check "the workspace answers" is "$(wssh "$W" echo up)" up

# What root inside can do: put its own server (paramiko, brought in with
# its libraries) where sshd was, and make sshd re-execute itself (SIGHUP).
dp=/usr/lib/python3/dist-packages
check_sh "the rogue's server goes into the workspace" "
    docker exec -u root $C mkdir -p /rogue/lib
    for m in paramiko cryptography nacl bcrypt six.py $(cd $dp && ls -d _cffi_backend*.so); do
        docker cp $dp/\$m $C:/rogue/lib/
    done
    docker cp -L /usr/lib/x86_64-linux-gnu/libsodium.so.23 $C:/rogue/lib/
    docker cp $(dirname "$0")/rogue_sshd.py $C:/rogue/
    docker cp $(dirname "$0")/sshflood.py $C:/rogue/
    docker exec -u root $C sh -c 'mv /usr/sbin/sshd /usr/sbin/sshd.real &&
        printf \"#!/bin/sh\nPYTHONPATH=/rogue/lib LD_LIBRARY_PATH=/rogue/lib exec python3 /rogue/rogue_sshd.py\n\" > /usr/sbin/sshd &&
        chmod 755 /usr/sbin/sshd && kill -HUP 1'"
check "the rogue answers in sshd's place" \
    wait_until 60 eval '[ "$(wssh "$W" rogue-hello 2>/dev/null)" = "rogue here" ]'

out=$(wssh "$W" rogue-opens 2>&1)
check "every channel the workspace opened unasked was refused ($out)" is "$out" "refused 200 of 200"
n=$(grep -c "refusing a channel the workspace opened (.*): not asked for" "$T/main.log")
check "the gateway refused them itself, never asking the client ($n of 200)" [ "$n" = 200 ]
check "the gateway says why" contains "$T/main.log" "refusing a channel the workspace opened (auth-agent): not asked for"
check "the gateway still lets people in" is "$(wssh "$W" rogue-hello)" "rogue here"

# The flood meets a client that reads nothing, so it piles up at the gateway.
# Freed memory is measured: ASan's quarantine would hold it.
check "a client that reads nothing meets the flood, and ends" \
    watched "$T/flood.out" /usr/bin/python3 "$(dirname "$0")/channels.py" wsends "$GW_PORT" "$W" "$T/id" rogue-flood
out=$(cat "$T/flood.out")
echo "$out" | sed 's/^/# /'
check "a workspace that floods past its window loses its session, and the connection ends" \
    is "$(tail -1 <<< "$out" | cut -c1-9)" "ok the co"
check "and the gateway says why" contains "$T/main.log" "lost: Window exceeded"
rss=$(ended_rss "$CONN")
echo "# connection process $CONN: peak RSS ${rss:-?} kB under the workspace's 64 MiB flood"
check "its peak RSS stayed under 40 MiB (ASan build; ${rss:-?} kB)" [ "${rss:-999999}" -lt 40960 ]
check "the gateway still lets people in after the flood" is "$(wssh "$W" rogue-hello)" "rogue here"

# A maximum packet size of 10 on the workspace's channels (libssh 0.10
# looped writing to one): the client's bytes go in packets of 10 and the
# connection goes on, without the watchdog.
check "a client meets channels with a 10-byte maximum packet, and ends" \
    watched "$T/tiny.out" /usr/bin/python3 "$(dirname "$0")/channels.py" tiny "$GW_PORT" "$W" "$T/id" rogue-tiny rogue-sink
out=$(cat "$T/tiny.out")
echo "$out" | sed 's/^/# /'
check "a workspace channel with a 10-byte maximum packet takes its data; the connection lives" \
    is "$(tail -1 <<< "$out" | cut -c1-9)" "ok the ch"
rss=$(ended_rss "$CONN")
echo "# connection process $CONN: peak RSS ${rss:-?} kB"
check "its peak RSS stayed under 64 MiB (ASan build; ${rss:-?} kB)" [ "${rss:-999999}" -lt 65536 ]
check "and the watchdog let it be" lacks "$T/main.log" "of CPU in one call without returning"
check "the gateway still lets people in after it" is "$(wssh "$W" rogue-hello)" "rogue here"

# The flood goes on after the gateway's CLOSE, which the rogue never answers:
# past the window, it costs the workspace its session.
check "a client meets a workspace that floods on after CLOSE, and ends" \
    watched "$T/zombie.out" /usr/bin/python3 "$(dirname "$0")/channels.py" wsends "$GW_PORT" "$W" "$T/id" rogue-zombie
sed 's/^/# /' "$T/zombie.out"
check "the workspace's session ended, and the connection" is "$(tail -1 "$T/zombie.out" | cut -c1-9)" "ok the co"
check "the gateway says why" contains "$T/main.log" "lost: Window exceeded"
rss=$(ended_rss "$CONN")
echo "# connection process $CONN: peak RSS ${rss:-?} kB"
check "its peak RSS stayed under 40 MiB (ASan build; ${rss:-?} kB)" [ "${rss:-999999}" -lt 40960 ]

wssh "$W" rogue-bye > /dev/null 2>&1
# (its process logs it as it ends, through its monitor: wait for the line)
check "the workspace's disconnect is logged" wait_until 10 grep -q "Received SSH_MSG_DISCONNECT: 11:bye" "$T/main.log"
check "its message escaped" contains "$T/main.log" 'bye\x0a2026-01-01T00:00:00.000Z wsgate[1] info: ROGUE-FORGED\x1b[31m'
check "and it forges no log line" not grep -q "^2026-01-01T00:00:00.000Z" "$T/main.log"
check "and no raw escape reaches the log" not grep -qP '\x1b' "$T/main.log"
check "nor any byte from 0x80 on (U+2028, 8-bit CSI)" not env LC_ALL=C grep -aqP '[\x80-\xff]' "$T/main.log"
check "which are escaped too" contains "$T/main.log" 'ROGUE-FORGED\x1b[31m\xe2\x80\xa8\xc2\x9b'

finish
