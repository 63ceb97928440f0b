#!/bin/bash
# Review of issue 15: proofs of what is still open (each "not ok" is a
# finding). Not collected by ctest (tests/integration/t_*.sh only); run as
#   WSGATE_BIN=build-asan/wsgate WSGATE_SRC=$PWD bash tests/integration/review/t_poc_leftovers.sh
# It cleans up what it made (its helpers, staging volumes, workspaces).
. "$(dirname "$0")/../lib.sh"
GW_EXTRA=('docker_in_docker = "off";' 'sshd_wait_timeout = 30;')
gw_start main
W=$RUN-w
on_exit "docker ps -aq --filter label=org.wsgate.helper | xargs -r docker rm -f"
on_exit "docker volume ls -q --filter name=^workspace-$RUN | xargs -r docker volume rm -f"
on_exit "docker unpause workspace-$W"
ws create "$W" --owner tester > /dev/null 2>&1
check "workspace made" is "$(state "$W")" running
wssh "$W" 'head -c 300000000 /dev/urandom > /home/workspace/big' < /dev/null

# 1. ws killed (SIGKILL, OOM, a lost terminal's second signal) while a
# backup reads: the workspace stays paused, the helper and a partial file stay.
"$WS_BIN" -f "$T/main.conf" backup "$W" -o "$T/k.tar.zst" > /dev/null 2>&1 &
bpid=$!
wait_until 60 eval '[ "$(state "$W")" = paused ]'
sleep 1
kill -9 "$bpid"; wait "$bpid" 2>/dev/null
sleep 5
check "after ws is killed mid-backup the workspace runs again" is "$(state "$W")" running
check "... no helper container is left" is "$(docker ps -aq --filter label=org.wsgate.helper | wc -l)" 0
check "... no partial file is left" eval '[ -z "$(ls "$T" | grep "^k.tar.zst")" ]'
docker unpause "workspace-$W" > /dev/null 2>&1
docker ps -aq --filter label=org.wsgate.helper | xargs -r docker rm -f > /dev/null

# 2. ws killed while a restore reads: staging volumes and helper stay.
mkdir -p "$T/h" && echo x > "$T/h/f" && tar -C "$T/h" -cf "$T/home.tar" .
python3 "$WSGATE_SRC/tests/integration/mkarchive.py" "$T/a" "$T/b" '{"owner":"tester"}' home="$T/home.tar"
mkfifo "$T/fifo"
( cat "$T/a"; sleep 200; cat "$T/b" ) > "$T/fifo" &
fpid=$!
bg_pid "$fpid"
"$WS_BIN" -f "$T/main.conf" restore "$RUN-r" -i "$T/fifo" > /dev/null 2>&1 &
rpid=$!
wait_until 60 eval '[ -n "$(docker volume ls -q --filter name=^workspace-$RUN-r.restore\$)" ]'
sleep 3
kill -9 "$rpid"; wait "$rpid" 2>/dev/null; kill "$fpid" 2>/dev/null
sleep 5
check "after ws is killed mid-restore no staging volume is left" eval '[ -z "$(docker volume ls -q --filter name=^workspace-$RUN-r.restore)" ]' ||
    docker volume ls --filter name=^workspace-$RUN-r.restore | sed 's/^/#   /'
check "... no helper container is left" is "$(docker ps -aq --filter label=org.wsgate.helper | wc -l)" 0 ||
    docker ps -a --filter label=org.wsgate.helper --format '{{.ID}} {{.Status}} {{.Labels}}' | sed 's/^/#   /'
docker ps -aq --filter label=org.wsgate.helper | xargs -r docker rm -f > /dev/null
docker volume ls -q --filter name=^workspace-$RUN-r.restore | xargs -r docker volume rm -f > /dev/null

# 3. A restore whose sender stops sending: the helper's idle limit (120 s)
# covers only the engine's side, not the wait on the archive's source.
rm -f "$T/fifo"; mkfifo "$T/fifo"
( cat "$T/a"; sleep 170; cat "$T/b" ) > "$T/fifo" &
fpid=$!
bg_pid "$fpid"
start=$(date +%s)
"$WS_BIN" -f "$T/main.conf" restore "$RUN-i" -i "$T/fifo" > /dev/null 2> "$T/idle.err" &
rpid=$!
bg_pid "$rpid"
wait_until 60 eval '[ -n "$(docker volume ls -q --filter name=^workspace-$RUN-i.restore\$)" ]'
sleep 140
check "a restore whose source is silent for 140 s has given up (helper idle limit 120 s)" \
    eval '! kill -0 '"$rpid"' 2>/dev/null'
echo "# after $(( $(date +%s) - start )) s: restore alive: $(kill -0 $rpid 2>/dev/null && echo yes || echo no), helpers: $(docker ps -q --filter label=org.wsgate.helper | wc -l)"
kill "$rpid" 2>/dev/null; wait "$rpid" 2>/dev/null
ws delete "$RUN-i" --yes > /dev/null 2>&1
ws delete "$W" --yes > /dev/null 2>&1
finish
