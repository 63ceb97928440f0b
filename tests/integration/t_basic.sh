#!/bin/bash
# A person's first steps: commands, exit codes, streams, big data, EOF order,
# several channels on one connection, flow control, refused keys and names.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-basic

wssh "$W" 'exit 42'
rc=$?
check "exit 42 gives 42 ($rc)" [ "$rc" = 42 ]

# Post-quantum key exchange on both hops: OpenSSH 9.2's default with the
# gateway, and the gateway's own with the workspace's sshd (also 9.2).
kx=$(timeout 30 ssh "${SSH_OPTS[@]}" -vv -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 true 2>&1 |
    sed -n 's/.*kex: algorithm: //p' | head -1 | tr -d '\r')
check "$(ssh -V 2>&1 | cut -d, -f1) negotiates a post-quantum key exchange with the gateway ($kx)" \
    is "$kx" sntrup761x25519-sha512
check "the gateway negotiates one with the workspace's sshd" wait_until 10 \
    grep -Eq "workspace $W reached on port [0-9]* .*\(kex (sntrup761x25519-sha512|mlkem768x25519-sha256)" "$T/main.log"

out=$(wssh "$W" 'echo out; echo err >&2' 2>"$T/err")
check "stdout carries only stdout" is "$out" out
check "stderr carries only stderr" is "$(cat "$T/err")" err

head -c 200M /dev/urandom > "$T/big"
want=$(sha256sum < "$T/big")
got=$(wssh "$W" cat < "$T/big" | sha256sum)
check "200 MiB through stdin and back, same sha256" [ "$got" = "$want" ]
rm -f "$T/big"

out=$(echo in | wssh "$W" 'cat; sleep 1; echo after-eof; echo late-err >&2; exit 3' 2>"$T/err")
rc=$?
check "output written after the client's EOF arrives" [ "$out" = "$(printf 'in\nafter-eof')" ]
check "stderr written after the client's EOF arrives" [ "$(cat "$T/err")" = late-err ]
check "exit status after EOF (3)" [ $rc = 3 ]

# exit-signal: the gateway must end the same way a direct connection does:
# the client sees an exit-signal request (not just any failure, which is 255 too).
wssh "$W" -v 'kill -9 $$' 2>"$T/sig-via"; via=$?
dssh "$W" -v 'kill -9 $$' 2>"$T/sig-direct"; direct=$?
check "kill -9 \$\$ ends as it does directly ($via vs $direct)" [ "$via" = "$direct" ]
check "the client received the exit-signal through the gateway" contains "$T/sig-via" "rtype exit-signal"
check "and no exit-status" lacks "$T/sig-via" "rtype exit-status"
check "as it does directly" contains "$T/sig-direct" "rtype exit-signal"

# Slow reader: the gateway must hold back, not buffer 300 MiB. The reader
# starts reading only once it has been measured.
rm -f "$T/go"
( wssh "$W" "echo \$\$ > /tmp/slow-$RUN; exec head -c 300M /dev/zero" |
    (while [ ! -e "$T/go" ]; do sleep 0.1; done; wc -c) > "$T/count" ) &
reader=$!
# Back-pressure itself: the writer in the workspace stops, well short of
# 300 MiB, because nobody reads; only then is the gateway measured.
written() { docker exec -u workspace "workspace-$W" sh -c "awk '/^wchar/ {print \$2}' /proc/\$(cat /tmp/slow-$RUN)/io"; }
stalled() { local a b; a=$(written) && sleep 1 && b=$(written) && [ "$a" = "$b" ] && [ "$a" -ge 1048576 ] && [ "$a" -lt 314572800 ]; }
check "slow reader: the writer in the workspace is held back" wait_until 60 stalled
held=$(written)
procs=$(gw_procs | wc -w); rss=$(gw_max_rss)
touch "$T/go"
wait $reader
check "slow reader: all 300 MiB arrive" is "$(cat "$T/count")" 314572800
check "slow reader: while it was held back at $held bytes, gateway processes ($procs) stayed small (max RSS ${rss:-none} kB < 80000)" \
    eval '[ "$procs" -ge 2 ] && [ -n "$rss" ] && [ "$rss" -lt 80000 ]'

# Several channels at once over one connection (OpenSSH ControlMaster).
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -o ControlMaster=yes -o ControlPath="$T/cm" \
    -o ControlPersist=no -f -N -p "$GW_PORT" -l "$W" 127.0.0.1 </dev/null >/dev/null 2>&1
pids=()
for i in 1 2 3 4; do
    timeout 60 ssh "${SSH_OPTS[@]}" -o ControlPath="$T/cm" -p "$GW_PORT" -l "$W" 127.0.0.1 \
        "sleep 1; echo chan-$i; head -c 5M /dev/urandom | wc -c" > "$T/cm-$i" &
    pids+=($!)
done
wait "${pids[@]}"
for i in 1 2 3 4; do
    check "ControlMaster channel $i" is "$(tr '\n' ' ' < "$T/cm-$i")" "chan-$i 5242880 "
done
check "the master ends on -O exit" ssh "${SSH_OPTS[@]}" -o ControlPath="$T/cm" -O exit -p "$GW_PORT" -l "$W" 127.0.0.1 2>/dev/null

timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/stranger" -p "$GW_PORT" -l "$W" 127.0.0.1 true 2>"$T/err"
rc=$?
check "a key that is not authorized is refused ($rc)" [ "$rc" = 255 ]
check "refusal says permission denied" contains "$T/err" "Permission denied (publickey"

long=$(printf 'a%.0s' $(seq 64))
docker0=$(grep -c 'debug \[[^]]*\]: docker ' "$T/main.log")
# (a leading '-' is refused by the OpenSSH client itself; the unit test covers it)
for n in Foo a_b a.b .. a/b 'a%b' 'a?b' 'a#b' 'a+b+c' '+b' 'Bob+b' 'a++' 'Bob+' "$long"; do
    timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/id" -p "$GW_PORT" -l "$n" 127.0.0.1 true 2>"$T/err"
    rc=$?
    check "invalid name '$n' refused" [ $rc = 255 ]
    check "invalid name '$n' explained" contains "$T/err" "wsgate: cannot log in as '$n': "
done
# Those that Docker would take as names must not exist there.
for n in Foo a_b a.b 'a+b+c' 'Bob+b' "$long"; do
    check "invalid name '${n:0:12}' never reached Docker" absent container "workspace-$n"
done
check "the gateway logged each as invalid" is "$(grep -c 'invalid login name' "$T/main.log")" 14
check "no Docker request was made for any of them ($docker0 before)" \
    eval '[ "$docker0" -gt 0 ] && [ "$(grep -c "debug \[[^]]*\]: docker " "$T/main.log")" = "$docker0" ]'
check "the gateway still serves after all that" is "$(wssh "$W" echo alive)" alive
finish
