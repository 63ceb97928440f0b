#!/bin/bash
# A person's first steps: commands, exit codes, streams, big data, EOF order,
# several channels on one connection, flow control, refused keys and names.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-basic

wssh "$W" 'exit 42'
check "exit 42 gives 42" [ $? = 42 ]

out=$(wssh "$W" 'echo out; echo err >&2' 2>"$T/err")
check "stdout carries only stdout" [ "$out" = out ]
check "stderr carries only stderr" [ "$(cat "$T/err")" = err ]

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

# exit-signal: the gateway must end the same way a direct connection does.
wssh "$W" 'kill -9 $$'; via=$?
dssh "$W" 'kill -9 $$'; direct=$?
check "kill -9 \$\$ ends as it does directly ($via vs $direct)" [ "$via" = "$direct" ]

# Slow reader: the gateway must hold back, not buffer 300 MiB.
( wssh "$W" 'head -c 300M /dev/zero' | (sleep 4; wc -c) > "$T/count" ) &
reader=$!
sleep 2.5
rss=$(gw_max_rss)
wait $reader
check "slow reader: all 300 MiB arrive" [ "$(cat "$T/count")" = 314572800 ]
check "slow reader: gateway processes stay small (max RSS ${rss} kB < 80000)" [ "$rss" -lt 80000 ]

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
    check "ControlMaster channel $i" [ "$(tr '\n' ' ' < "$T/cm-$i")" = "chan-$i 5242880 " ]
done
ssh "${SSH_OPTS[@]}" -o ControlPath="$T/cm" -O exit -p "$GW_PORT" -l "$W" 127.0.0.1 2>/dev/null

timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/stranger" -p "$GW_PORT" -l "$W" 127.0.0.1 true 2>"$T/err"
check "a key that is not authorized is refused" [ $? = 255 ]
check "refusal says permission denied" contains "$T/err" "Permission denied (publickey"

long=$(printf 'a%.0s' $(seq 64))
# (a leading '-' is refused by the OpenSSH client itself; the unit test covers it)
for n in Foo a_b a.b .. a/b 'a%b' 'a?b' 'a#b' 'a+b+c' '+b' 'Bob+b' 'a+' "$long"; do
    timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/id" -p "$GW_PORT" -l "$n" 127.0.0.1 true 2>"$T/err"
    rc=$?
    check "invalid name '$n' refused" [ $rc = 255 ]
    check "invalid name '$n' explained" contains "$T/err" "wsgate: cannot log in as"
done
check "invalid names never reached Docker" [ -z "$(docker ps -aq --filter name=workspace-Foo --filter name=workspace-a_b)" ]
check "the gateway still serves after all that" [ "$(wssh "$W" echo alive)" = alive ]
finish
