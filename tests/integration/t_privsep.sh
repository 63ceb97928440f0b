#!/bin/bash
# Privilege separation of a logged-in session, proved from the outside: the
# process that bridges its channels runs as privsep_user ("wsgate"), no
# groups, chrooted to an empty directory, no new privileges, under seccomp,
# holding only its two sockets and one to its parent; the root parent holds
# the audit log and the listener's pipe and no connection. Neither has the
# user CA's private key in memory (gcore). A system call the filter forbids
# ends that one session; the gateway and other sessions go on.
. "$(dirname "$0")/lib.sh"
gw_start main "audit_log = \"$T/audit.log\";"
W=$RUN-priv
check "the workspace is up" is "$(wssh "$W" echo in)" in
wssh "$W" 'echo up; sleep 90' > "$T/s1.out" 2>&1 &
s1=$!
bg_pid "$s1"
check "a session is open" wait_until 20 grep -q up "$T/s1.out"
parent=$(pgrep -P "$GW_PID" | head -1)
bridge=$(pgrep -P "${parent:-0}" | head -1)
check "the connection has a root parent ($parent) and a bridge process ($bridge)" \
    eval '[ -n "$parent" ] && [ -n "$bridge" ] && [ "$(pgrep -P "$parent" | wc -l)" = 1 ]'
st() { awk -v k="$2:" '$1 == k {$1 = ""; print substr($0, 2)}' "/proc/$1/status"; }
u=$(id -u wsgate) g=$(id -g wsgate)
check "the bridge runs as the sandbox user wsgate (Uid: $(st "$bridge" Uid))" \
    is "$(st "$bridge" Uid | tr -s '\t ' ' ')" "$u $u $u $u"
check "with its group only (Gid: $(st "$bridge" Gid))" is "$(st "$bridge" Gid | tr -s '\t ' ' ')" "$g $g $g $g"
check "and no supplementary groups" is "$(st "$bridge" Groups)" ""
check "no new privileges" is "$(st "$bridge" NoNewPrivs)" 1
check "under a seccomp filter (mode 2)" is "$(st "$bridge" Seccomp)" 2
check "chrooted to the empty directory" is "$(readlink "/proc/$bridge/root")" /run/wsgate/empty
check "which is empty and root's" eval '[ -z "$(ls -A /run/wsgate/empty)" ] && [ "$(stat -c %U:%a /run/wsgate/empty)" = root:555 ]'
# Its descriptors: the client's TCP socket, the workspace's, and a unix
# socket to its parent; no Docker socket, audit log or listener pipe.
inodes() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*-> socket:\[\([0-9]*\)\]$/\1/p'; }
tcp_inode() { awk -v i="$1" '$10 == i {f = 1} END {exit !f}' /proc/net/tcp /proc/net/tcp6; }
unix_inode() { awk -v i="$1" '$7 == i {f = 1} END {exit !f}' /proc/net/unix; }
fds=$(ls "/proc/$bridge/fd" | wc -l)
ntcp=0 nunix=0
for i in $(inodes "$bridge"); do
    if tcp_inode "$i"; then ntcp=$((ntcp + 1)); elif unix_inode "$i"; then nunix=$((nunix + 1)); fi
done
check "the bridge holds 3 descriptors: 2 TCP sockets and 1 unix socket ($fds: $ntcp TCP, $nunix unix)" \
    is "$fds:$ntcp:$nunix" 3:2:1
ls -l "/proc/$bridge/fd" | sed 's/^/#   /'
check "the root parent holds the audit log" eval 'ls -l "/proc/$parent/fd" | grep -qF -- "-> $T/audit.log"'
check "and the listener's pipe" eval 'ls -l "/proc/$parent/fd" | grep -q -- "-> pipe:"'
pt=0; for i in $(inodes "$parent"); do tcp_inode "$i" && pt=$((pt + 1)); done
check "but no connection of the client's or the workspace's ($pt TCP sockets)" is "$pt" 0

# The user CA's private key (its 32-byte seed) is in no memory of the
# session: gcore of the bridge and of its root parent.
seed() {
    /usr/bin/python3 - "$1" <<'PY'
import base64, struct, sys
body = open(sys.argv[1]).read().split("-----BEGIN OPENSSH PRIVATE KEY-----")[1].split("-----END")[0]
b = base64.b64decode("".join(body.split()))
def s(buf, p):
    n = struct.unpack(">I", buf[p:p + 4])[0]
    return buf[p + 4:p + 4 + n], p + 4 + n
p = len(b"openssh-key-v1\0")
for _ in range(3):   # cipher, kdf, kdf options
    _, p = s(b, p)
_, p = s(b, p + 4)   # (key count) the public key
priv, _ = s(b, p)
q = 8                # two check integers
_, q = s(priv, q)    # type
_, q = s(priv, q)    # public key
sk, _ = s(priv, q)   # seed and public key
print(sk[:32].hex())
PY
}
hex=$(seed "$T/user_ca")
check "the CA's seed is read from its file (${#hex} hex digits)" [ "${#hex}" = 64 ]
incore() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import mmap, sys
with open(sys.argv[1], "rb") as f:
    m = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    sys.exit(0 if m.find(bytes.fromhex(sys.argv[2])) >= 0 else 1)
PY
}
# gcore of an ASan process writes its shadow memory too (tens of GB): the
# dumps are of the same session under the release build, which the suite's
# set-up makes (scripts/setup.sh: build/wsgate).
REL=$WSGATE_SRC/build/wsgate
if check "the release build is there for the memory dumps ($REL)" test -x "$REL"; then
    ASAN_GW=("$GW_PORT" "$GW_PID")
    WSGATE_BIN=$REL gw_start rel "audit_log = \"$T/audit.log\";"
    wssh "$W" 'echo up; sleep 60' > "$T/r1.out" 2>&1 &
    r1=$!
    bg_pid "$r1"
    check "a session through the release build is open" wait_until 20 grep -q up "$T/r1.out"
    rparent=$(pgrep -P "$GW_PID" | head -1)
    rbridge=$(pgrep -P "${rparent:-0}" | head -1)
    for who in rbridge rparent; do
        pid=${!who}
        rm -f "$T/core.$pid"
        timeout 120 gcore -o "$T/core" "$pid" >"$T/gcore-$who.out" 2>&1
        if check "gcore dumps the ${who#r} ($(du -h "$T/core.$pid" 2>/dev/null | cut -f1))" test -s "$T/core.$pid"; then
            check "the CA's seed is not in the ${who#r}'s memory" not incore "$T/core.$pid" "$hex"
        else
            sed 's/^/#   /' "$T/gcore-$who.out" | tail -5
        fi
        rm -f "$T/core.$pid"
    done
    # The search finds the seed where it is: in a dump of a process that
    # holds it (a python that decoded it), so "not found" above means gone.
    /usr/bin/python3 -c 'import sys, time; k = bytes.fromhex(sys.argv[1]); open(sys.argv[2], "w").close(); time.sleep(60)' \
        "$hex" "$T/holder-ready" &
    holder=$!
    bg_pid "$holder"
    wait_until 10 test -e "$T/holder-ready"
    timeout 120 gcore -o "$T/core" "$holder" >/dev/null 2>&1
    check "the same search finds the seed in a dump of a process holding it" incore "$T/core.$holder" "$hex"
    rm -f "$T/core.$holder"
    kill "$holder" "$r1" 2>/dev/null
    GW_PORT=${ASAN_GW[0]} GW_PID=${ASAN_GW[1]}
fi

# System calls the sandbox forbids, each made through gdb in a session's
# bridge, kill that bridge with SIGSYS: its client is cut off, its parent
# says why and still writes the session's end; another session goes on.
wssh "$W" 'echo up2; sleep 120' > "$T/keep.out" 2>&1 &
keep=$!
bg_pid "$keep"
check "a session that must outlive the others is open" wait_until 20 grep -q up2 "$T/keep.out"
# bridges: the pids of all sessions' bridge processes.
bridges() { local c; for c in $(pgrep -P "$GW_PID"); do pgrep -P "$c"; done; }
# forbidden TAG GDB-CALL: a fresh session whose bridge makes the call.
forbidden() {
    local tag=$1 call=$2 sess before br="" m
    m=$(grep -c "event=session-end .*workspace=$W" "$T/audit.log")
    before=" $(bridges | tr '\n' ' ') "
    wssh "$W" "echo up-$tag; sleep 120" > "$T/f-$tag.out" 2>&1 &
    sess=$!
    bg_pid "$sess"
    wait_until 20 grep -q "up-$tag" "$T/f-$tag.out" || { echo "# the $tag session did not open"; return 1; }
    for p in $(bridges); do [[ "$before" == *" $p "* ]] || br=$p; done
    [ -n "$br" ] || { echo "# no new bridge process"; return 1; }
    timeout 60 gdb -p "$br" -batch -ex "call $call" > "$T/gdb-$tag.out" 2>&1
    wait_until 10 proc_gone "$br" || { echo "# bridge $br of the $tag session still runs"; return 1; }
    wait_until 10 contains "$T/main.log" "process $br died of signal 31 (a system call its sandbox forbids)" || return 1
    wait_until 10 proc_gone "$sess" || { echo "# its client is still connected"; return 1; }
    wait_until 10 eval '[ "$(grep -c "event=session-end .*workspace=$W" "$T/audit.log")" -gt "$m" ]' ||
        { echo "# no session-end audited"; return 1; }
    KILLED+=("$br")
}
KILLED=()
check "socket() kills that bridge; its parent logs it and audits the end" forbidden socket '(int)socket(2, 1, 0)'
check "fcntl(F_SETOWN) (to signal others) kills that bridge" forbidden setown '(int)fcntl(2, 8, 1)'
check "an executable mmap kills that bridge" forbidden mmapx '(long)mmap(0, 4096, 7, 0x22, -1, 0)'
check "the other session still runs" kill -0 "$keep"
check "and a new login works" is "$(wssh "$W" echo still)" still

# The monitor relays only its bridge's own lines (its pid, a level and its
# connection's tag; no audit line once logged in), logs anything else as the
# bridge's words, and an empty message is no end of the bridge.
before=" $(bridges | tr '\n' ' ') "
wssh "$W" 'echo up3; sleep 6' > "$T/relay.out" 2>&1 &
rs=$!
bg_pid "$rs"
check "a session for the relay's checks is open" wait_until 20 grep -q up3 "$T/relay.out"
rb=""; for p in $(bridges); do [[ "$before" == *" $p "* ]] || rb=$p; done
tag=$(sed -n "s/.* wsgate\[$rb\] [a-z]* \(\[[^]]*\]\): .*/\1/p" "$T/main.log" | head -1)
stamp=2026-01-01T00:00:00.000Z
# wr TEXT: a gdb command making the bridge write TEXT (and a newline) to fd 2.
wr() { printf 'call (long)write(2, "%s\\n", (long)strlen("%s\\n"))' "$1" "$1"; }
timeout 60 gdb -p "$rb" -batch -ex 'call (long)write(2, "", 0)' \
    -ex "$(wr "$stamp wsgate[$rb] info [10.9.9.9:1]: forged-tag")" \
    -ex "$(wr "$stamp wsgate[$rb] audit event=session-start account=alice")" \
    -ex "$(wr "$stamp wsgate[$rb] info $tag: own-line")" \
    > "$T/gdb-relay.out" 2>&1
check "after an empty message, the bridge's own line is still relayed as it is" wait_until 10 \
    grep -qF "wsgate[$rb] info $tag: own-line" "$T/main.log"
check "a line with another connection's tag is logged as the bridge's words" \
    grep -qF "process $rb wrote: $stamp wsgate[$rb] info [10.9.9.9:1]: forged-tag" "$T/main.log"
check "and so is an audit line once logged in" \
    grep -qF "process $rb wrote: $stamp wsgate[$rb] audit event=session-start account=alice" "$T/main.log"
m=$(grep -c "event=session-end .*workspace=$W" "$T/audit.log")
check "that session still ends by itself (6 s), its end audited" wait_until 20 eval \
    'proc_gone "$rb" && [ "$(grep -c "event=session-end .*workspace=$W" "$T/audit.log")" -gt "$m" ]' 
kill "$keep" "$s1" 2>/dev/null
# Those crashes were made on purpose: finish must not count them. The log
# is edited once its gateway has stopped (sed -i makes a new file).
gw_stop "$GW_PID"
for p in "${KILLED[@]}"; do sed -i "/process $p died of signal 31/d" "$T/main.log"; done
finish
