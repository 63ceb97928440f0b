#!/bin/bash
# Hostile archives (issue 15's review), made by hand with valid sums
# (mkarchive.py, mkbomb.py): a restore whose stream is held between its
# parts and its manifest while another account makes a workspace of that
# name (or, with --force, replaces the one it was checked for) must place
# nothing there; a header with a terminal control is refused; a few hundred
# KB asking GNU tar for 1.5 GiB stay within the helper's memory; a sender
# that goes silent is given up on after backup_idle_timeout.
. "$(dirname "$0")/lib.sh"
GW_EXTRA=('docker_in_docker = "off";' 'sshd_wait_timeout = 30;' 'backup_idle_timeout = 30;')
gw_start main
V=$RUN-v

# The hostile archive: its owner mallory, its home a file PWNED.
mkdir -p "$T/h" && echo pwned-by-mallory > "$T/h/PWNED"
tar -C "$T/h" --numeric-owner --owner=0 --group=0 -cf "$T/home.tar" .
python3 "$WSGATE_SRC/tests/integration/mkarchive.py" "$T/a" "$T/b" '{"owner":"mallory","workspace":"x"}' home="$T/home.tar"
check "the hand-made archive is one standard tar reads" eval 'cat "$T/a" "$T/b" | tar --zstd -t >/dev/null'

# Its restore reads the parts, then waits for the rest of the stream.
mkfifo "$T/fifo"
( cat "$T/a"; for _ in $(seq 600); do [ -e "$T/go" ] && break; sleep 0.2; done; cat "$T/b" ) > "$T/fifo" &
bg_pid $!
"$WS_BIN" -f "$T/main.conf" restore "$V" --owner mallory -i "$T/fifo" > "$T/rs.out" 2> "$T/rs.err" &
rpid=$!
bg_pid "$rpid"
# The restore has unpacked the part and waits for the rest of the stream.
held() { local d; d=$(docker volume inspect -f '{{.Mountpoint}}' "workspace-$V.restore" 2>/dev/null) &&
    [ -e "$d/PWNED" ] && [ -z "$(docker ps -q --filter "name=^workspace-$V.helper\$")" ]; }
wait_until 60 held
# Meanwhile tester's workspace of that name is made (a login would do the same).
ws create "$V" --owner tester > "$T/cr.out" 2> "$T/cr.err"; rc=$?
check "tester's workspace $V is made while the restore waits (exit $rc)" eval '[ "$rc" = 0 ] && is "$(ws_owner "$V")" tester' ||
    sed 's/^/#   /' "$T/cr.err"
wssh "$V" 'echo tester-data > /home/workspace/MINE' < /dev/null
touch "$T/go"
wait "$rpid"; rc=$?
echo "# restore exit $rc: $(tr '\n' ' ' < "$T/rs.err")"
check "the restore does not succeed onto a workspace made meanwhile (exit $rc = 4)" eval '[ "$rc" = 4 ]'
check "mallory's file is not in tester's workspace" eval '! wssh "$V" "cat /home/workspace/PWNED" 2>/dev/null | grep -q pwned'
check "tester's data is intact, tester still owns it" eval 'is "$(wssh "$V" cat /home/workspace/MINE)" tester-data && is "$(ws_owner "$V")" tester'
check "no staging volume is left" eval '[ -z "$(docker volume ls -q --filter name=^workspace-$V.restore)" ]'
check "no helper container is left" is "$(docker ps -aq --filter label=org.wsgate.helper | wc -l)" 0
ws delete "$V" --yes > /dev/null 2>&1

# --force checked against mallory's workspace, placed after it was deleted
# and tester's made under its name: refused, tester's kept.
ws create "$V" --owner mallory > /dev/null 2>&1
check "mallory's workspace $V" is "$(ws_owner "$V")" mallory
rm -f "$T/go" "$T/fifo"; mkfifo "$T/fifo"
( cat "$T/a"; for _ in $(seq 600); do [ -e "$T/go" ] && break; sleep 0.2; done; cat "$T/b" ) > "$T/fifo" &
bg_pid $!
"$WS_BIN" -f "$T/main.conf" restore "$V" --force --owner mallory -i "$T/fifo" > /dev/null 2> "$T/rf.err" &
rpid=$!
bg_pid "$rpid"
wait_until 60 held
ws delete "$V" --yes > /dev/null 2>&1
ws create "$V" --owner tester > /dev/null 2>&1
wssh "$V" 'echo tester-data > /home/workspace/MINE' < /dev/null
touch "$T/go"
wait "$rpid"; rc=$?
echo "# restore --force exit $rc: $(tr '\n' ' ' < "$T/rf.err" | cut -c1-300)"
check "--force does not replace another account's workspace made meanwhile (exit $rc = 4)" eval '[ "$rc" = 4 ]'
check "... tester's data and ownership are intact" eval 'is "$(wssh "$V" cat /home/workspace/MINE)" tester-data && is "$(ws_owner "$V")" tester'
ws delete "$V" --yes > /dev/null 2>&1

# A header whose text holds a C1 control (U+009B, the 8-bit CSI, which ws
# printed on the administrator's terminal): refused as damaged.
python3 "$WSGATE_SRC/tests/integration/mkarchive.py" "$T/c1a" "$T/c1b" '{"owner":"tester","workspace":"x\u009b2J","image":"i\u009b31m"}' home="$T/home.tar"
cat "$T/c1a" "$T/c1b" > "$T/c1.tar.zst"
ws restore "$V" -i "$T/c1.tar.zst" > /dev/null 2> "$T/c1.err"; rc=$?
check "a header with a C1 control is refused (exit $rc = 6), nothing made" \
    eval '[ "$rc" = 6 ] && contains "$T/c1.err" "its header is damaged" && absent container "workspace-$V" && absent volume "workspace-$V"' ||
    sed 's/^/#   /' "$T/c1.err"

# A few hundred KB of zstd whose home part begins with a GNU long name of
# 1.5 GiB: GNU tar in the helper holds it whole. Its memory is bounded
# (1 GiB): the helper's tar is killed, the restore fails, nothing is left.
python3 "$WSGATE_SRC/tests/integration/mkbomb.py" "$T/bomb.tar.zst" $((1536 * 1024 * 1024))
check "the archive is small ($(stat -c %s "$T/bomb.tar.zst") bytes)" eval '[ "$(stat -c %s "$T/bomb.tar.zst")" -lt 1000000 ]'
( while :; do docker stats --no-stream --format '{{.MemUsage}}' $(docker ps -q --filter label=org.wsgate.helper) 2>/dev/null; sleep 0.2; done ) > "$T/mem" &
mpid=$!
bg_pid "$mpid"
ws restore "$V" -i "$T/bomb.tar.zst" > /dev/null 2> "$T/bomb.err"; rc=$?
kill "$mpid" 2>/dev/null
peak=$(python3 -c '
import re, sys
u = {"B": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "kB": 1000, "MB": 10**6, "GB": 10**9}
m = 0
for line in open(sys.argv[1]):
    r = re.match(r"\s*([0-9.]+)([A-Za-z]+)", line)
    if r and r.group(2) in u:
        m = max(m, float(r.group(1)) * u[r.group(2)])
print(int(m))' "$T/mem")
echo "# restore exit $rc, helper memory peak $((peak / 1048576)) MiB: $(tr '\n' ' ' < "$T/bomb.err" | cut -c1-300)"
check "the restore's helper stays within 1 GiB of memory (peak $((peak / 1048576)) MiB)" eval '[ "$peak" -le $((1024 * 1048576)) ]'
check "... the restore fails (exit $rc), nothing is left" eval '[ "$rc" != 0 ] && absent container "workspace-$V" && absent volume "workspace-$V" &&
    absent volume "workspace-$V.restore" && [ -z "$(docker ps -aq --filter label=org.wsgate.helper)" ]'

# More data than restore_max_mb (1 MiB here): stopped, nothing left.
head -c 3000000 /dev/urandom > "$T/h/big"
tar -C "$T/h" --numeric-owner --owner=0 --group=0 -cf "$T/big.tar" .
python3 "$WSGATE_SRC/tests/integration/mkarchive.py" "$T/ba" "$T/bb" '{"owner":"tester","workspace":"x"}' home="$T/big.tar"
cat "$T/ba" "$T/bb" > "$T/big.tar.zst"
{ cat "$T/main.conf"; echo "restore_max_mb = 1;"; } > "$T/small.conf"
timeout 120 "$WS_BIN" -f "$T/small.conf" restore "$V" -i "$T/big.tar.zst" > /dev/null 2> "$T/big.err"; rc=$?
check "an archive with more than restore_max_mb of data: stopped (exit $rc = 1) with one line" \
    eval '[ "$rc" = 1 ] && is "$(cat "$T/big.err")" "ws: the archive cannot be restored: its data passes restore_max_mb (1 MiB) in part '"'home'"'"' ||
    sed 's/^/#   /' "$T/big.err"
check "... and nothing is left" eval 'absent volume "workspace-$V.restore" && absent volume "workspace-$V" &&
    absent container "workspace-$V" && [ -z "$(docker ps -aq --filter label=org.wsgate.helper)" ]'
rm -f "$T/h/big"

# A sender that stops sending: ws gives up after backup_idle_timeout (30 s
# here) of silence, and leaves nothing.
rm -f "$T/fifo"; mkfifo "$T/fifo"
( cat "$T/a"; exec sleep 90 ) > "$T/fifo" &
bg_pid $!
start=$(date +%s)
timeout 85 "$WS_BIN" -f "$T/main.conf" restore "$V" -i "$T/fifo" > /dev/null 2> "$T/idle.err"; rc=$?
took=$(( $(date +%s) - start ))
check "a restore whose sender goes silent gives up (exit $rc = 1 after $took s) with one line" \
    eval '[ "$rc" = 1 ] && [ "$took" -lt 80 ] && is "$(tail -1 "$T/idle.err")" "ws: restoring '"'$V'"' stopped: the archive'"'"'s sender sent nothing for 30 s"' ||
    sed 's/^/#   /' "$T/idle.err"
check "... and nothing is left" eval 'absent volume "workspace-$V.restore" && absent volume "workspace-$V.restore.docker" &&
    absent container "workspace-$V" && [ -z "$(docker ps -aq --filter label=org.wsgate.helper)" ]'
finish
