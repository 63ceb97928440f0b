#!/bin/bash
# Privilege separation, proved from the outside: the process that speaks SSH
# to the client runs as privsep_user ("wsgate"), no groups, chrooted to an
# empty directory, no new privileges, under seccomp, from before the key
# exchange (the server's banner) to the session's end, holding only its
# sockets (the client's, once logged in the workspace's, which its root
# monitor connected and handed over) and two to its monitor (log lines,
# requests); the monitor holds the audit log and the listener's pipe and no
# connection. Neither has the user CA's private key in memory (gcore); the
# bridge has no private host key either (the monitor signs its key
# exchanges and verifies publickey signatures itself: a forged claim ends
# it). A system call the filter forbids, or a request the monitor's protocol
# does not allow, ends that one connection; the gateway and others go on.
. "$(dirname "$0")/lib.sh"
gw_start main "audit_log = \"$T/audit.log\";"
W=$RUN-priv
check "the workspace is up" is "$(wssh "$W" echo in)" in
# bridges: the pids of all monitors' children (once a session is open, its
# bridge alone: the login worker has ended).
bridges() { local c; for c in $(pgrep -P "$GW_PID"); do pgrep -P "$c"; done; }
# new_bridges BEFORE: those not among BEFORE (" pid pid ").
new_bridges() { local p; for p in $(bridges); do [[ "$1" == *" $p "* ]] || echo "$p"; done; }
# fresh TAG [SECONDS]: opens a session that waits (120 s); sets SESS (its
# client), BR (its bridge process) and MON (the bridge's parent, its monitor).
fresh() {
    local tag=$1 before
    SESS="" BR="" MON=""
    before=" $(bridges | tr '\n' ' ') "
    wssh "$W" "echo up-$tag; sleep ${2:-120}" > "$T/s-$tag.out" 2>&1 &
    SESS=$!
    bg_pid "$SESS"
    wait_until 20 grep -q "up-$tag" "$T/s-$tag.out" || { echo "# the $tag session did not open"; return 1; }
    # A login worker may take a moment more to be gone.
    wait_until 10 eval '[ "$(new_bridges "$before" | wc -l)" = 1 ]' ||
        { echo "# not one new connection process: $(new_bridges "$before" | tr '\n' ' ')"; return 1; }
    BR=$(new_bridges "$before")
    MON=$(awk '{print $4}' "/proc/$BR/stat")
}
check "a session is open" fresh main
s1=$SESS parent=$MON bridge=$BR
# (its login worker has ended once the session is open)
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
# Its descriptors: the client's TCP socket, the workspace's, and two unix
# sockets to its parent; no Docker socket, audit log or listener pipe.
inodes() { ls -l "/proc/$1/fd" 2>/dev/null | sed -n 's/.*-> socket:\[\([0-9]*\)\]$/\1/p'; }
tcp_inode() { awk -v i="$1" '$10 == i {f = 1} END {exit !f}' /proc/net/tcp /proc/net/tcp6; }
unix_inode() { awk -v i="$1" '$7 == i {f = 1} END {exit !f}' /proc/net/unix; }
fds=$(ls "/proc/$bridge/fd" | wc -l)
ntcp=0 nunix=0
for i in $(inodes "$bridge"); do
    if tcp_inode "$i"; then ntcp=$((ntcp + 1)); elif unix_inode "$i"; then nunix=$((nunix + 1)); fi
done
check "the bridge holds 4 descriptors: 2 TCP sockets and 2 unix sockets ($fds: $ntcp TCP, $nunix unix)" \
    is "$fds:$ntcp:$nunix" 4:2:2
ls -l "/proc/$bridge/fd" | sed 's/^/#   /'
check "the root parent holds the audit log" eval 'ls -l "/proc/$parent/fd" | grep -qF -- "-> $T/audit.log"'
check "and the listener's pipe" eval 'ls -l "/proc/$parent/fd" | grep -q -- "-> pipe:"'
pt=0; for i in $(inodes "$parent"); do tcp_inode "$i" && pt=$((pt + 1)); done
check "but no connection of the client's or the workspace's ($pt TCP sockets)" is "$pt" 0

# The host key: the login worker reads it after the connection process was
# forked, so the bridge (which does the key exchange) never had its private
# half, and a logged-in session's monitor reads it only for a rekey.
# Searched in the ASan build's live memory (/proc/PID/mem, all readable
# mappings but ASan's shadow); a process holding the seed is the control.
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
memhas() {
    /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
pid, needle = sys.argv[1], bytes.fromhex(sys.argv[2])
found = False
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        addr, perms = line.split()[:2]
        lo, hi = (int(x, 16) for x in addr.split("-"))
        if perms[0] != "r" or hi - lo > (1 << 30) or "[vvar]" in line:
            continue
        try:
            mem.seek(lo)
            if needle in mem.read(hi - lo):
                found = True
                break
        except OSError:
            pass
sys.exit(0 if found else 1)
PY
}
hk=$(seed "$T/host_key")
check "the host key's seed is read from its file (${#hk} hex digits)" [ "${#hk}" = 64 ]
check "the host key's seed is not in the bridge's memory" not memhas "$bridge" "$hk"
check "nor in an idle session's monitor's" not memhas "$parent" "$hk"
/usr/bin/python3 -c 'import sys, time; k = bytes.fromhex(sys.argv[1]); open(sys.argv[2], "w").close(); time.sleep(60)' \
    "$hk" "$T/hk-holder-ready" &
hkh=$!
bg_pid "$hkh"
wait_until 10 test -e "$T/hk-holder-ready"
check "the same search finds the seed in a process holding it" memhas "$hkh" "$hk"
kill "$hkh" 2>/dev/null

# Before the key exchange: a client that has only read the server's banner
# already talks to a sandboxed process (its monitor is the root one).
/usr/bin/python3 - "$GW_PORT" "$T/pre.banner" <<'PY' &
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
banner = s.recv(256)
open(sys.argv[2], "wb").write(banner)
time.sleep(30)
PY
pre_client=$!
bg_pid "$pre_client"
check "a client that sent nothing has the server's banner" wait_until 10 grep -q "^SSH-2.0-" "$T/pre.banner"
# pre: the connection process whose monitor is a child of the listener and
# which is not the logged-in session's.
# Beside it, until login, the monitor's login worker (root), which answers
# its requests and exits once it has logged in.
pre="" worker=""
for mon in $(pgrep -P "$GW_PID"); do
    [ "$mon" = "$parent" ] && continue
    pre=$(pgrep -u wsgate -P "$mon" | head -1)
    worker=$(pgrep -u root -P "$mon" | head -1)
done
check "the connection has its own process ($pre), under a monitor of its own" test -n "$pre"
check "and the monitor a root login worker ($worker)" \
    eval '[ -n "$worker" ] && [ "$(st "$worker" Uid | tr -s "\t " " ")" = "0 0 0 0" ]'
check "before the key exchange it runs as wsgate" is "$(st "$pre" Uid | tr -s '\t ' ' ')" "$u $u $u $u"
check "with no groups, no new privileges, under seccomp" \
    is "$(st "$pre" Groups)|$(st "$pre" NoNewPrivs)|$(st "$pre" Seccomp)" "|1|2"
check "chrooted to the empty directory" is "$(readlink "/proc/$pre/root")" /run/wsgate/empty
ptcp=0 punix=0
for i in $(inodes "$pre"); do
    if tcp_inode "$i"; then ptcp=$((ptcp + 1)); elif unix_inode "$i"; then punix=$((punix + 1)); fi
done
check "holding 3 descriptors: the client's socket and 2 to its monitor ($(ls "/proc/$pre/fd" | wc -l): $ptcp TCP, $punix unix)" \
    is "$(ls "/proc/$pre/fd" | wc -l):$ptcp:$punix" 3:1:2
kill "$pre_client" 2>/dev/null

# The monitor's protocol: a logged-in bridge that asks to check a password
# (a request only a connection not yet logged in may make), or sends what is
# no request at all, is ended by its monitor, which says why; others go on.
# reqfd PID: the descriptor of its request socket (the unix socket not 2).
reqfd() {
    local f
    for f in $(ls "/proc/$1/fd"); do
        [ "$f" = 2 ] && continue
        unix_inode "$(readlink "/proc/$1/fd/$f" | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p')" && { echo "$f"; return; }
    done
}
# protocol TAG BYTES LEN WHAT: a fresh session's bridge writes LEN BYTES
# (a gdb string) to its monitor; the monitor must log WHAT and end it.
protocol() {
    local tag=$1 bytes=$2 len=$3 what=$4 sess br fd
    fresh "$tag" || return 1
    sess=$SESS br=$BR
    fd=$(reqfd "$br")
    [ -n "$fd" ] || { echo "# no request socket in bridge $br"; return 1; }
    timeout 60 gdb -p "$br" -batch -ex "call (long)write($fd, \"$bytes\", $len)" > "$T/gdb-$tag.out" 2>&1
    wait_until 10 contains "$T/main.log" "process $br broke the monitor protocol ($what); ending it" || return 1
    wait_until 10 proc_gone "$br" || { echo "# bridge $br still runs"; return 1; }
    wait_until 10 proc_gone "$sess" || { echo "# its client is still connected"; return 1; }
}
check "a bridge asking for a password check after login is ended" \
    protocol pw '\003\000\000\000\001w\000\000\000\001x' 11 "request 3 out of turn"
check "a bridge sending an unknown request is ended" protocol junk '\143' 1 "unknown request 99"
check "a bridge sending a malformed end is ended" protocol end '\007\001' 2 "request 7 malformed"
# Whether a session is recorded is the monitor's to say: a bridge whose
# session is not cannot start a recording (REC_OPEN, docs/recording.md).
check "a bridge of a session not recorded that begins a recording is ended" \
    protocol rec '\015\000\000\000\001\000\000\000\120\000\000\000\030\000\000\000\000' 17 \
    "recording messages for a session that is not recorded"
# The key exchange is signed by the monitor: a logged-in bridge that asks
# it to sign what is no exchange hash, or with an algorithm our ed25519 host
# key has not, is ended.
check "a bridge asking to sign 10 bytes is ended" \
    protocol sign10 '\013\000\000\000\013ssh-ed25519\000\000\000\012abcdefghij' 30 \
    "a signing request for something that is no exchange hash"
check "a bridge asking for an rsa-sha2-256 signature is ended" \
    protocol signrsa "\\013\\000\\000\\000\\014rsa-sha2-256\\000\\000\\000\\040$(printf 'x%.0s' $(seq 32))" 53 \
    "a signing request with an algorithm our host key has not"
# A taken-over connection process that says a publickey signature was valid
# when it was not (the key is public: anyone's authorized_keys) gets no
# login: the monitor checks the signed bytes (this session's identifier,
# this user, this key) and the signature itself. Here all is right but the
# signature, as the client after the key exchange could make it.
/usr/bin/python3 - "$GW_PORT" "$W" "$T/id.pub" "$T/forged" <<'PY' &
import base64, socket, struct, sys, time
import paramiko
port, user, pub, out = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = socket.create_connection(("127.0.0.1", port))
t = paramiko.Transport(s)
t.start_client(timeout=20)          # the key exchange, and no login
kt, kb = open(pub).read().split()[:2]
blob = base64.b64decode(kb)
S = lambda b: struct.pack(">I", len(b)) + b
data = (S(t.session_id) + b"\x32" + S(user.encode()) + S(b"ssh-connection") + S(b"publickey") +
        b"\x01" + S(kt.encode()) + S(blob))
sig = S(kt.encode()) + S(b"\x00" * 64)
msg = (b"\x02" + S(user.encode()) + S(f"{kt} {kb}".encode()) + struct.pack(">I", 1) +
       S(sig) + S(data))
open(out, "w").write("%d %s" % (len(msg), "".join("\\%03o" % c for c in msg)))
time.sleep(60)
PY
fc=$!
bg_pid "$fc"
check "a client has made the key exchange and waits" wait_until 20 test -s "$T/forged"
fpre=""
for mon in $(pgrep -P "$GW_PID"); do
    [ "$mon" = "$parent" ] && continue
    c=$(pgrep -u wsgate -P "$mon" | head -1)
    [ -n "$c" ] && [ "$(awk '{print $4}' "/proc/$c/stat" 2>/dev/null)" = "$mon" ] && fpre=$c
done
read -r flen fbytes < "$T/forged"
fd=$(reqfd "${fpre:-0}")
check "its connection process ($fpre) has a request socket ($fd)" test -n "$fd"
timeout 60 gdb -p "${fpre:-0}" -batch -ex "call (long)write(${fd:-0}, \"$fbytes\", $flen)" > "$T/gdb-forged.out" 2>&1
check "a forged 'valid' publickey signature ends that process, unlogged" wait_until 10 contains "$T/main.log" \
    "process $fpre broke the monitor protocol (a publickey signature the monitor refuses: a signature that does not verify); ending it"
kill "$fc" 2>/dev/null
# The host key as a signing oracle before login: a login needs one key
# exchange and a rekey or two at most. A connection process not logged in
# that asks for a 4th signature (its key exchange made the 1st) is ended.
/usr/bin/python3 - "$GW_PORT" "$T/kexed" <<'PY' &
import socket, sys, time
import paramiko
t = paramiko.Transport(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
t.start_client(timeout=20)          # one key exchange, and no login
open(sys.argv[2], "w").close()
time.sleep(60)
PY
kc=$!
bg_pid "$kc"
check "another client has made the key exchange and waits" wait_until 20 test -e "$T/kexed"
kpre=""
for mon in $(pgrep -P "$GW_PID"); do
    [ "$mon" = "$parent" ] && continue
    c=$(pgrep -u wsgate -P "$mon" | head -1)
    [ -n "$c" ] && [ "$(awk '{print $4}' "/proc/$c/stat" 2>/dev/null)" = "$mon" ] && kpre=$c
done
fd=$(reqfd "${kpre:-0}")
check "its connection process ($kpre) has a request socket ($fd)" test -n "$fd"
sign="\\013\\000\\000\\000\\013ssh-ed25519\\000\\000\\000\\040$(printf 'h%.0s' $(seq 32))"
timeout 60 gdb -p "${kpre:-0}" -batch -ex "call (long)write(${fd:-0}, \"$sign\", 52)" \
    -ex "call (long)write(${fd:-0}, \"$sign\", 52)" -ex "call (long)write(${fd:-0}, \"$sign\", 52)" \
    > "$T/gdb-signs.out" 2>&1
check "a 4th signature before login ends that process" wait_until 10 contains "$T/main.log" \
    "process $kpre broke the monitor protocol (more key exchanges before login than a login needs); ending it"
kill "$kc" 2>/dev/null
check "the first session still runs" kill -0 "$s1"
check "and a new login works" is "$(wssh "$W" echo still2)" still2

# The user CA's private key (its 32-byte seed) is in no memory of the
# session: gcore of the bridge and of its root parent.
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
    check "a session through the release build is open" fresh rel
    r1=$SESS rparent=$MON rbridge=$BR
    for who in rbridge rparent; do
        pid=${!who}
        rm -f "$T/core.$pid"
        timeout 120 gcore -o "$T/core" "$pid" >"$T/gcore-$who.out" 2>&1
        if check "gcore dumps the ${who#r} ($(du -h "$T/core.$pid" 2>/dev/null | cut -f1))" test -s "$T/core.$pid"; then
            check "the CA's seed is not in the ${who#r}'s memory" not incore "$T/core.$pid" "$hex"
            check "the host key's seed is not in the ${who#r}'s memory (release build)" not incore "$T/core.$pid" "$hk"
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
# forbidden TAG GDB-CALL: a fresh session whose bridge makes the call.
forbidden() {
    local tag=$1 call=$2 sess br m
    m=$(grep -c "event=session-end .*workspace=$W" "$T/audit.log")
    fresh "$tag" || return 1
    sess=$SESS br=$BR
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
# An address on sendto (or any sendmsg) would reach abstract unix sockets,
# which no chroot hides.
check "sendto with an address kills that bridge" forbidden sendto '(long)sendto(2, "x", 1, 0, (void *)16, 16)'
check "sendmsg kills that bridge" forbidden sendmsg '(long)sendmsg(2, (void *)16, 0)'
# The watchdog: a bridge that spends its CPU without one turn of its loop
# (here crypt() with twenty million SHA-512 rounds, about 5 s of CPU, made
# through gdb) is ended within about two seconds of CPU, with a line.
spin() {
    fresh spin || return 1
    local sess=$SESS br=$BR
    timeout 60 gdb -p "$br" -batch -ex 'call (char *)crypt("x", "$6$rounds=20000000$wsgatewd$")' \
        > "$T/gdb-spin.out" 2>&1
    wait_until 10 contains "$T/main.log" "wsgate[$br] error" || { echo "# no line from $br"; return 1; }
    wait_until 10 proc_gone "$br" || { echo "# bridge $br still runs"; return 1; }
    wait_until 10 proc_gone "$sess" || { echo "# its client is still connected"; return 1; }
    grep "wsgate\[$br\] error" "$T/main.log" | grep -q "spent 1.0 s of CPU in one call without returning"
}
check "a bridge that spins without returning to its loop is ended by its watchdog, with a line" spin
check "the other session still runs" kill -0 "$keep"
check "and a new login works" is "$(wssh "$W" echo still)" still

# The monitor relays only its bridge's own lines (its pid, a level and its
# connection's tag; never an audit line: the monitor writes those), logs
# anything else as the bridge's words, and an empty message is no end of the
# bridge.
check "a session for the relay's checks is open" fresh relay 6
rb=$BR
tag=$(sed -n "s/.* wsgate\[$rb\] [a-z]* \(\[[^]]*\]\): .*/\1/p" "$T/main.log" | head -1)
stamp=2026-01-01T00:00:00.000Z
# A line of the bridge's own form, 1100 bytes long: past the 1024 a relayed
# line may have.
long=$(printf 'y%.0s' $(seq 1 1050))
# wr TEXT: a gdb command making the bridge write TEXT (and a newline) to fd 2.
wr() { printf 'call (long)write(2, "%s\\n", (long)strlen("%s\\n"))' "$1" "$1"; }
timeout 60 gdb -p "$rb" -batch -ex 'call (long)write(2, "", 0)' \
    -ex "$(wr "$stamp wsgate[$rb] info [10.9.9.9:1]: forged-tag")" \
    -ex "$(wr "$stamp wsgate[$rb] audit event=session-start account=alice")" \
    -ex "$(wr "$stamp wsgate[$rb] info $tag: own-line")" \
    -ex "$(wr "$stamp wsgate[$rb] info $tag: long-line $long")" \
    > "$T/gdb-relay.out" 2>&1
check "after an empty message, the bridge's own line is still relayed as it is" wait_until 10 \
    grep -qF "wsgate[$rb] info $tag: own-line" "$T/main.log"
check "a line with another connection's tag is logged as the bridge's words" \
    grep -qF "process $rb wrote: $stamp wsgate[$rb] info [10.9.9.9:1]: forged-tag" "$T/main.log"
check "and so is a line longer than 1024 bytes (cut to what the log takes)" wait_until 10 \
    grep -qF "process $rb wrote: $stamp wsgate[$rb] info $tag: long-line yyyy" "$T/main.log"
check "and so is an audit line" \
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
