#!/bin/bash
# SIGHUP, as an administrator, `systemctl reload` or logrotate sends it: the
# configuration and keys are read again for new connections; a session and a
# transfer in progress go on untouched; the audit and main logs are reopened
# (rotation); a configuration with errors is refused with a line while the
# running one keeps serving; a new listen_port is taken up.
. "$(dirname "$0")/lib.sh"

W=$RUN-hup
ssh-keygen -q -t ed25519 -N '' -f "$T/bob" -C bob
cp "$T/bob.pub" "$T/keys/bob"
gw_start main "audit_log = \"$T/audit.log\";" "log_target = \"$T/main.log\";"
LPID=$GW_PID
check "a first login makes the workspace" is "$(wssh "$W" echo in)" in
out=$(kssh "$T/bob" "$W" echo in 2>"$T/bob.err")
check "bob may not enter tester's workspace yet" refused "$out" "$T/bob.err" "may not enter workspace '$W'"

# A session and a transfer in progress when the signal comes.
wssh "$W" 'echo started; sleep 8; echo session-done' > "$T/sess.out" 2>&1 &
sess=$!
bg_pid "$sess"
(for i in $(seq 40); do head -c 131072 /dev/urandom; sleep 0.1; done) | tee "$T/sent" |
    wssh "$W" sha256sum > "$T/xfer.sum" 2>&1 &
xfer=$!
bg_pid "$xfer"
check "the session has started" wait_until 30 contains "$T/sess.out" started
sleep_until_sent() { [ "$(stat -c %s "$T/sent" 2>/dev/null || echo 0)" -gt 262144 ]; }
check "the transfer is under way" wait_until 30 sleep_until_sent

# Rotation, as logrotate does it (rename, then HUP); and a new rule.
mv "$T/audit.log" "$T/audit.log.1"
mv "$T/main.log" "$T/main.log.1"
echo "access = [\"$W: bob\"];" >> "$T/main.conf"
kill -HUP "$GW_PID"
check "the listener says it reloaded, in a new main log" wait_until 20 contains "$T/main.log" "SIGHUP: reloaded $T/main.conf"
check "the listener is the same process" kill -0 "$LPID"
check "the transfer in progress completes" wait_until 60 eval '! kill -0 '"$xfer"' 2>/dev/null'
check "and every byte arrived" is "$(cut -d' ' -f1 < "$T/xfer.sum")" "$(sha256sum < "$T/sent" | cut -d' ' -f1)"
check "the session in progress ends normally" wait_until 60 eval '! kill -0 '"$sess"' 2>/dev/null'
check "having printed all it had to" contains "$T/sess.out" session-done
check "the next login sees the new configuration: bob gets in" is "$(kssh "$T/bob" "$W" echo in 2>/dev/null)" in
check "bob's session is in the reopened audit log" wait_until 10 grep -q "event=session-start .* account=bob workspace=$W " "$T/audit.log"
check "and only his refusal in the rotated one" \
    eval 'contains "$T/audit.log.1" "account=bob workspace=$W method=publickey" && ! grep "account=bob" "$T/audit.log.1" | grep -q "session-start\|result=accepted"'
check "the reopened one holds no line from before the signal" lacks "$T/audit.log" "result=denied"
check "the rotated audit log kept the earlier lines" contains "$T/audit.log.1" "account=tester workspace=$W"
check "the rotated main log kept the earlier lines" contains "$T/main.log.1" "listening on"

# A configuration with an error is refused, with the line, and the running
# one stays: logins go on, bob still gets in.
# Rotation does not wait for a good file: the logs are reopened anyway.
echo "bogus_setting = 1;" >> "$T/main.conf"
mv "$T/main.log" "$T/main.log.2"
mv "$T/audit.log" "$T/audit.log.2"
kill -HUP "$GW_PID"
check "a bad file on SIGHUP: its error, with file:line" \
    wait_until 20 contains "$T/main.log" "$T/main.conf:$(wc -l < "$T/main.conf"): error: unknown setting 'bogus_setting'"
check "and the listener keeps the configuration it had" contains "$T/main.log" "still serving with the configuration loaded before"
check "logins go on" is "$(wssh "$W" echo in)" in
check "with the rules it had: bob still gets in" is "$(kssh "$T/bob" "$W" echo in 2>/dev/null)" in
check "the logs were reopened all the same: that login is in a new audit log" \
    wait_until 10 grep -q "event=session-start .* account=bob workspace=$W " "$T/audit.log"

# A new listen_port: the old one closes, the new one serves, and a session
# opened on the old port lives on.
sed -i '/^bogus_setting/d' "$T/main.conf"
old=$GW_PORT
new=$(free_port)
wssh "$W" 'echo started; sleep 6; echo old-port-session-done' > "$T/sess2.out" 2>&1 &
sess2=$!
bg_pid "$sess2"
check "a session on the old port has started" wait_until 30 contains "$T/sess2.out" started
echo "listen_port = $new;" >> "$T/main.conf"
sed -i "0,/^listen_port = $old;/{/^listen_port = $old;/d}" "$T/main.conf"
kill -HUP "$GW_PID"
check "the new port is taken up" wait_until 20 contains "$T/main.log" "listening on 127.0.0.1 port $new)"
check "the old port is closed" eval '! listening '"$old"
GW_PORT=$new
check "logins on the new port" is "$(wssh "$W" echo in)" in
check "the session opened on the old port ends normally" wait_until 60 eval '! kill -0 '"$sess2"' 2>/dev/null'
check "having printed all it had to" contains "$T/sess2.out" old-port-session-done
check "the gateway stops normally" gw_stop "$GW_PID"
finish
