#!/bin/bash
# max_startups: connections still authenticating are capped (like OpenSSH
# MaxStartups); authenticated sessions do not count; the cap frees up.
. "$(dirname "$0")/lib.sh"
gw_start main "max_startups = 3;" "login_grace_time = 30;"
W=$RUN-limits
wssh "$W" true

# Three sessions that are logged in do not count against the cap.
pids=()
for i in 1 2 3; do wssh "$W" 'sleep 4' & pids+=($!); done
sleep 2
check "a 4th login while 3 sessions run" [ "$(wssh "$W" echo in)" = in ]
wait "${pids[@]}"

# Three connections that never authenticate fill the cap.
python3 - "$GW_PORT" > "$T/idle.out" <<'PY' &
import socket, sys, time
s = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(3)]
print("open", flush=True)
time.sleep(6)
PY
idle=$!
sleep 1.5
out=$(wssh "$W" echo in 2>&1)
check "a 4th connection while 3 are still authenticating is dropped" [ "$out" != in ]
check "the gateway says why in its log" contains "$T/main.log" "max_startups"
wait $idle
sleep 1
check "once they are gone, logins work again" [ "$(wssh "$W" echo in)" = in ]

# Per-source penalties: a guessing loop from 127.0.0.3 gets that address
# refused, while someone at 127.0.0.2 logs in at once.
gw_start penal "penalty_authfail = 3;" "penalty_min = 5;" "penalty_max = 60;"
guess() { timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.3 -i "$T/stranger" -p "$GW_PORT" -l "$W" 127.0.0.1 true 2>&1; }
guess >/dev/null; guess >/dev/null
sleep 0.5
out=$(timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.3 -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 echo in 2>&1)
check "after failed logins the guessing address is refused, even with a good key" [ "$out" != in ]
check "the gateway logs the penalty" contains "$T/penal.log" "penalised for failed logins"
t0=$(date +%s%N)
out=$(timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.2 -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 echo in 2>&1)
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "another address logs in meanwhile ($ms ms)" [ "$out" = in ]
sleep 6
out=$(timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.3 -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 echo in 2>&1)
check "the penalty runs out" [ "$out" = in ]

# An exempt address (penalty_exempt) is never penalised.
gw_start exempt "penalty_authfail = 30;" "penalty_min = 5;" "penalty_exempt = [\"127.0.0.4/32\"];"
for _ in 1 2; do timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.4 -i "$T/stranger" -p "$GW_PORT" -l "$W" 127.0.0.1 true >/dev/null 2>&1; done
for _ in 1 2; do timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.5 -i "$T/stranger" -p "$GW_PORT" -l "$W" 127.0.0.1 true >/dev/null 2>&1; done
sleep 0.5
out=$(timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.4 -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 echo in 2>&1)
check "an exempt address that failed logs in at once" [ "$out" = in ]
out=$(timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.5 -i "$T/id" -p "$GW_PORT" -l "$W" 127.0.0.1 echo in 2>&1)
check "while a non-exempt one with the same failures is refused" [ "$out" != in ]
finish
