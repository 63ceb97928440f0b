#!/bin/bash
# Where the daemon's lines go, as an administrator sets it: log_format json
# (one object per line, a peer's text inside it), log_target syslog (through
# /dev/log: a fake one in a mount namespace of the test's, so the host's is
# never touched), and stderr that is systemd's journal stream (JOURNAL_STREAM:
# the journal stamps lines itself, so no stamp of ours, and each line's
# priority). Lines of every process of a connection, sandboxed ones too,
# arrive.
. "$(dirname "$0")/lib.sh"

W=$RUN-logs

# 1. JSON lines on stderr; a login name with a newline and quotes stays
#    inside one object.
gw_start json 'log_format = "json";'
check "a login through a JSON-logging gateway" is "$(wssh "$W" echo in)" in
# (OpenSSH's client will not send such a name: paramiko does)
/usr/bin/python3 - "$GW_PORT" "$T/id" <<'PY' >/dev/null 2>&1
import sys, paramiko
c = paramiko.SSHClient(); c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
try:
    c.connect("127.0.0.1", int(sys.argv[1]), 'x"y\nz', key_filename=sys.argv[2],
              allow_agent=False, look_for_keys=False, timeout=20)
except Exception:
    pass
PY
check_sh "every line of its log is one JSON object with time, pid, level, tag and msg" "
    /usr/bin/python3 - '$T/json.log' <<'PY'
import json, sys
n = 0
for line in open(sys.argv[1], encoding='utf-8'):
    o = json.loads(line)
    assert set(o) == {'time', 'pid', 'level', 'tag', 'msg'}, o
    assert o['level'] in ('error', 'warn', 'info', 'debug'), o
    n += 1
assert n > 5, n
PY"
check "the listener's line is there" grep -q '"msg":"wsgate .* listening on 127.0.0.1 port '"$GW_PORT"'"' "$T/json.log"
check "the bridge's lines are there too (a sandboxed process), at their own level" \
    grep -qE '"level":"debug","tag":"\[127.0.0.1:[0-9]+\]","msg":"channel [0-9]+ client>workspace' "$T/json.log"
check "no line of a connection's process is wrapped in another" lacks "$T/json.log" "wrote: {"
check "the peer's name with a newline and a quote stays inside one object (its audit line)" \
    grep -qF '"msg":"audit event=auth src=127.0.0.1 port=' "$T/json.log"
check "... encoded there" grep -qF 'workspace=x%22y%0Az method=- key=- result=invalid-name"}' "$T/json.log"
check "audit lines are JSON objects too" grep -q '"msg":"audit event=session-start ' "$T/json.log"
gw_stop "$GW_PID"

# 2. syslog: a datagram receiver at a fake /dev/log, in a mount namespace.
mkdir -p "$T/dev"
/usr/bin/python3 - "$T/dev/log" "$T/syslog.out" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o666)
with open(sys.argv[2], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536) + b"\n")
PY
rx=$!
bg_pid "$rx"
wait_until 10 test -S "$T/dev/log"
port=$(free_port)
{
    sed -n '/^listen_port/!p' "$T/json.conf" | grep -v '^log_format'
    echo "listen_port = $port;"
    echo 'log_target = "syslog";'
} > "$T/syslog.conf"
# In the namespace /dev is a tmpfs holding the usual nodes (bound from the
# real /dev, kept reachable under $T) and the fake log socket.
mkdir -p "$T/realdev"
unshare -m --propagation private bash -c '
    set -e
    mount --rbind /dev "$1/realdev"
    mount -t tmpfs -o mode=755 tmpfs /dev
    for n in null zero full random urandom tty; do touch "/dev/$n"; mount --bind "$1/realdev/$n" "/dev/$n"; done
    ln -s /proc/self/fd /dev/fd
    touch /dev/log
    mount --bind "$1/dev/log" /dev/log
    exec "$2" -f "$3"' _ "$T" "$WSGATE_BIN" "$T/syslog.conf" \
    > "$T/syslog.stderr" 2>&1 8>&- &
sl=$!
GW_PIDS+=("$sl")
GW_LOGS+=("$T/syslog.stderr")
if check "the syslog gateway listens" wait_until 30 grep -q "listening on 127.0.0.1 port $port" "$T/syslog.out"; then
    GW_PORT=$port
    check "a login through it" is "$(wssh "$W" echo in)" in
    check "syslog got the listener's line as daemon.info, with our name and pid" \
        grep -qE "^<30>wsgate\[[0-9]+\]: info: wsgate .* listening on 127.0.0.1 port $port" "$T/syslog.out"
    check "and the connection's lines (the sandboxed bridge's among them, debug)" \
        grep -qE "^<31>wsgate\[[0-9]+\]: debug \[127.0.0.1:[0-9]+\]: channel [0-9]+ client>workspace" "$T/syslog.out"
    check "and the audit lines" grep -qE "^<30>wsgate\[[0-9]+\]: info \[127.0.0.1:[0-9]+\]: audit event=session-start " "$T/syslog.out"
    check "nothing went to stderr instead" eval '! grep -q "listening on" "$T/syslog.stderr"'
else
    sed 's/^/#   /' "$T/syslog.stderr" | tail -5
fi
gw_stop "$sl"

# 3. stderr that is the journal's stream: priorities, no stamp of ours.
: > "$T/journal.log"
ino=$(stat -c '%d:%i' "$T/journal.log")
port=$(free_port)
sed "s/^listen_port = .*/listen_port = $port;/" "$T/syslog.conf" | grep -v '^log_target' > "$T/journal.conf"
JOURNAL_STREAM=$ino "$WSGATE_BIN" -f "$T/journal.conf" >> "$T/journal.log" 2>&1 8>&- &
jl=$!
GW_PIDS+=("$jl")
GW_LOGS+=("$T/journal.log")
if check "the gateway with the journal's stream listens" wait_until 30 grep -q "listening on 127.0.0.1 port $port" "$T/journal.log"; then
    GW_PORT=$port
    check "a login through it" is "$(wssh "$W" echo in)" in
    check "lines carry their priority and no time stamp" \
        grep -qE "^<6>info: wsgate .* listening on 127.0.0.1 port $port" "$T/journal.log"
    check "every line starts with a priority" eval '! grep -vqE "^<[0-7]>" "$T/journal.log"'
fi
gw_stop "$jl"
finish
