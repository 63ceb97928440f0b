#!/bin/bash
# ws backup, restore and rebuild, as an administrator uses them: a round trip
# of a running workspace (every file's sha256, owners, modes, extended
# attributes, and an image of its own Docker, with a deleted file and a
# replaced directory in its layers), under the same and another name;
# archives damaged at several offsets, cut short and foreign, refused with
# one line and nothing left behind; an interrupted backup; a rebuild onto a
# new image that keeps data and port, and onto broken ones that rolls back.
. "$(dirname "$0")/lib.sh"
GW_EXTRA=('docker_in_docker = "caps";' "backup_dir = \"$T/backups\";" 'sshd_wait_timeout = 15;')
gw_start main
W=$RUN-bk

# --- a workspace with data worth keeping ---
wssh "$W" 'set -e; cd /home/workspace; mkdir -p data/deep; head -c 6000000 /dev/urandom > data/blob
    echo hello > data/deep/note; ln -s deep/note data/link; truncate -s 50M data/sparse
    printf x | dd of=data/sparse bs=1 seek=30000000 conv=notrunc status=none
    chmod 751 data/deep; setfattr -n user.colour -v blue data/deep/note 2>/dev/null || true
    sudo -n chown 1234:4321 data/blob 2>/dev/null || true; echo made' > "$T/make" 2>&1
check "files written in the workspace" grep -qx made "$T/make"
# Its own Docker: an image of two layers, the second deleting a file and
# replacing a directory (a whiteout and an opaque directory in its layers).
wssh "$W" 'set -e; for i in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    r=$(mktemp -d); for b in /bin/sh /bin/cat /bin/rm /bin/mkdir /bin/ls; do
        for f in $b $(ldd $b | grep -o "/[^ ]*"); do cp --parents "$f" "$r/"; done; done
    mkdir -p "$r/d2" && echo old > "$r/d2/old" && echo gone > "$r/gone"
    tar -C "$r" -c . | docker import - tiny >/dev/null
    docker run --name two --network none tiny /bin/sh -c "rm /gone; rm -r /d2; mkdir /d2; echo new > /d2/new"
    docker commit two tiny:2 >/dev/null; docker rm two >/dev/null
    docker run --rm --network none tiny:2 /bin/sh -c "ls /d2; cat /gone 2>/dev/null || echo no-gone"' > "$T/inner" 2>&1
check "an image of the workspace's own Docker, with a whiteout and an opaque directory" \
    eval '[ "$(tr "\n" " " < "$T/inner")" = "new no-gone " ]' || sed 's/^/#   /' "$T/inner"
# What restores must give back: every file's sum, and every path's type,
# mode, owner and size.
manifest() { wssh "$1" 'cd /home/workspace && find . -type f -print0 | sort -z | xargs -0 sha256sum &&
    find . -printf "%p %y %m %U %G %s %l\n" | sort && getfattr -d data/deep/note 2>/dev/null' ; }
manifest "$W" > "$T/before"
check "the manifest of the workspace is taken ($(wc -l < "$T/before") lines)" grep -q ' ./data/blob$' "$T/before"
port=$(ws_port "$W")

# --- backup of a running workspace, with a session open ---
wssh "$W" 'for i in $(seq 600); do echo $i; sleep 0.1; done' > "$T/session" 2>&1 &
spid=$!
bg_pid "$spid"
wait_until 10 eval '[ -s "$T/session" ]'
ws backup "$W" -o "$T/w.tar.zst" > "$T/bk.out" 2> "$T/bk.err"; rc=$?
check "ws backup -o FILE of a running workspace (exit $rc)" \
    eval '[ "$rc" = 0 ] && contains "$T/bk.out" "backed up workspace $W to $T/w.tar.zst"' || sed 's/^/#   /' "$T/bk.err"
check "it paused the workspace for the copy and said for how long" \
    eval 'contains "$T/bk.err" "pausing workspace '"'$W'"'" && grep -q "was paused for [0-9.]* s" "$T/bk.err"'
check "the workspace runs again after its backup" is "$(state "$W")" running
check "the session open meanwhile goes on" eval 'kill -0 '"$spid"' && n=$(wc -l < "$T/session") && wait_until 10 eval "[ \$(wc -l < $T/session) -gt $n ]"'
check "the archive is 0600" is "$(stat -c %a "$T/w.tar.zst")" 600
check "no progress bar when stderr is not a terminal" eval '! grep -q $'"'"'\r'"'"' "$T/bk.err"'
# On a terminal: the bar, with a percentage.
script -qec "$WS_BIN -f $T/main.conf backup $W -o $T/tty.tar.zst" /dev/null > "$T/tty.out" 2>&1; rc=$?
check "on a terminal, a progress bar with a percentage (exit $rc)" \
    eval '[ "$rc" = 0 ] && grep -qE "home +\[[#.]{20}\] +[0-9]+%" "$T/tty.out"' || tail -c 600 "$T/tty.out" | sed 's/^/#   /'
rm -f "$T/tty.tar.zst"
check "no partial file is left beside it" eval '[ -z "$(ls "$T" | grep "w.tar.zst.part")" ]'
tar --zstd -tvf "$T/w.tar.zst" > "$T/list" 2>&1
check "standard tar reads it: header, home and docker parts, manifest last" \
    eval 'awk "{print \$6}" "$T/list" | tr "\n" " " | grep -qE "^wsgate-backup.json home.tar.000000 (home.tar.[0-9]+ )*docker.tar.000000 (docker.tar.[0-9]+ )*manifest.json $"' ||
    sed 's/^/#   /' "$T/list"
tar --zstd -xOf "$T/w.tar.zst" manifest.json > "$T/manifest.json"
check "the manifest records each part's sha256 and the header's" /usr/bin/python3 -c "
import json,sys; m=json.load(open('$T/manifest.json'))
assert m['format']=='wsgate-backup' and len(m['header_sha256'])==64
assert [p['name'] for p in m['parts']]==['home','docker'] and all(len(p['sha256'])==64 for p in m['parts'])"
tar --zstd -xOf "$T/w.tar.zst" wsgate-backup.json > "$T/header.json"
check "the header names the workspace, owner, image, its id, version" /usr/bin/python3 -c "
import json; h=json.load(open('$T/header.json'))
assert h['workspace']=='$W' and h['owner']=='tester' and h['image']=='workspace:latest'
assert h['image_id'].startswith('sha256:') and h['wsgate'] and h['labels']['org.wsgate.port']=='$port'"
# The parts are tars of the volumes: cat the chunks, and tar lists the files.
tar --zstd -xOf "$T/w.tar.zst" --wildcards 'home.tar.*' | tar -t 2>/dev/null > "$T/home.list"
check "the home part, its chunks put together, is a tar of the home volume" grep -qx './data/deep/note' "$T/home.list"
# To a pipe, the same archive (another moment: same files).
ws backup "$W" 2> "$T/bk2.err" | cat > "$T/w2.tar.zst"; rc=${PIPESTATUS[0]}
check "ws backup to a pipe (exit $rc), its summary on stderr" \
    eval '[ "$rc" = 0 ] && contains "$T/bk2.err" "ws: backed up workspace $W:" && [ -s "$T/w2.tar.zst" ]'
ws backup "$RUN-none" -o "$T/none.tar.zst" > /dev/null 2> "$T/none.err"; rc=$?
check "no such workspace: exit 3, one line, no file" \
    eval '[ "$rc" = 3 ] && is "$(cat "$T/none.err")" "ws: no workspace '"'$RUN-none'"'" && [ ! -e "$T/none.tar.zst" ]'

# --- a login, and a second backup, while a backup holds the workspace paused ---
# The archive's reader waits 6 s before it reads: the backup stalls on the
# full pipe with the workspace paused.
( "$WS_BIN" -f "$T/main.conf" backup "$W" 2> "$T/slow.err" | { sleep 6; cat > "$T/slow.tar.zst"; } ) &
slow=$!
wait_until 30 eval '[ "$(state "$W")" = paused ]'
check "the slow backup has paused the workspace" is "$(state "$W")" paused
ws backup "$W" -o "$T/second.tar.zst" > /dev/null 2> "$T/second.err"; rc=$?
check "a second backup meanwhile is refused (exit $rc), saying why" \
    eval '[ "$rc" = 1 ] && contains "$T/second.err" "another backup or restore of this workspace is running" && [ ! -e "$T/second.tar.zst" ]'
out=$(wssh_info "$W" echo in 2> "$T/during.err")
check "a login meanwhile waits for the backup, is told so, and gets in" \
    eval 'is "$out" in && contains "$T/during.err" "waiting for a backup of workspace '"'$W'"'"' ||
    sed 's/^/#   /' "$T/during.err"
wait "$slow"
check "the slow backup completed" eval 'contains "$T/slow.err" "ws: backed up workspace $W:" && tar --zstd -tf "$T/slow.tar.zst" > /dev/null'

# A reader that stalls (it takes nothing for longer than backup_idle_timeout,
# 5 s here): the backup gives up with one line and the workspace runs again.
{ cat "$T/main.conf"; echo "backup_idle_timeout = 5;"; } > "$T/idle.conf"
( "$WS_BIN" -f "$T/idle.conf" backup "$W" 2> "$T/stall.err"; echo $? > "$T/stall.rc" ) | { sleep 30; cat > /dev/null; } &
stall=$!
bg_pid "$stall"
wait_until 60 eval '[ -s "$T/stall.rc" ]'
check "a backup whose reader stalls gives up (exit $(cat "$T/stall.rc" 2>/dev/null)) with one line" \
    eval 'is "$(cat "$T/stall.rc")" 1 && contains "$T/stall.err" "ws: backing up '"'$W'"' stopped: the archive'"'"'s reader took nothing for 5 s"' ||
    sed 's/^/#   /' "$T/stall.err"
check "... and the workspace runs again" is "$(state "$W")" running
kill "$stall" 2>/dev/null; wait "$stall" 2>/dev/null

# --- delete, restore, compare ---
ws delete "$W" --yes > /dev/null
check "the workspace is gone" absent container "workspace-$W"
ws restore "$W" -i "$T/w.tar.zst" > "$T/rs.out" 2> "$T/rs.err"; rc=$?
check "ws restore -i FILE (exit $rc)" eval '[ "$rc" = 0 ] && contains "$T/rs.out" "restored workspace $W"' ||
    sed 's/^/#   /' "$T/rs.err"
check "it runs, its owner is the archive's" eval 'is "$(state "$W")" running && is "$(ws_owner "$W")" tester'
manifest "$W" > "$T/after"
check "every file's sha256, type, mode, owner, size and link come back" cmp -s "$T/before" "$T/after" ||
    diff "$T/before" "$T/after" | head -10 | sed 's/^/#   /'
wssh "$W" 'for i in $(seq 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker run --rm --network none tiny:2 /bin/sh -c "ls /d2; cat /gone 2>/dev/null || echo no-gone"' > "$T/inner2" 2>&1
check "the image of its own Docker runs, its whiteout and opaque directory intact" \
    eval '[ "$(tr "\n" " " < "$T/inner2")" = "new no-gone " ]' || sed 's/^/#   /' "$T/inner2"
check "no staging volume is left" eval '[ -z "$(docker volume ls -q --filter name=restore | grep -- "$RUN")" ]'

# --- under another name, from stdin ---
W2=$RUN-copy
ws restore "$W2" < "$T/w.tar.zst" > "$T/rs2.out" 2> "$T/rs2.err"; rc=$?
check "ws restore under another name from stdin (exit $rc)" eval '[ "$rc" = 0 ] && is "$(state "$W2")" running' ||
    sed 's/^/#   /' "$T/rs2.err"
# (its volumes: binds, which have no name, are not volumes)
mounts=$(docker container inspect -f '{{range .Mounts}}{{if .Name}}{{.Name}}{{"\n"}}{{end}}{{end}}' "workspace-$W2" | grep -v '^$' | LC_ALL=C sort | tr '\n' ' ')
all=$(docker container inspect -f '{{range .Mounts}}{{.Type}}:{{.Name}}:{{.Destination}} {{end}}' "workspace-$W2")
check "it has volumes of its own ($all)" eval 'present volume "workspace-$W2" && present volume "workspace-$W2.docker" &&
    is "$mounts" "workspace-$W2 workspace-$W2.docker "'
check "and a port of its own" eval 'p2=$(ws_port "$W2"); [ -n "$p2" ] && [ "$p2" != "$(ws_port "$W")" ]'
manifest "$W2" > "$T/copy"
check "the same files" cmp -s "$T/before" "$T/copy"
ws restore "$W2" -i "$T/w.tar.zst" > /dev/null 2> "$T/exists.err"; rc=$?
check "restoring onto an existing workspace is refused (exit $rc = 4)" \
    eval '[ "$rc" = 4 ] && contains "$T/exists.err" "already exists" && is "$(state "$W2")" running'
wssh "$W2" 'echo changed > /home/workspace/data/deep/note'
ws restore "$W2" -i "$T/w.tar.zst" --force > /dev/null 2> "$T/force.err"; rc=$?
check "--force replaces it with the archive's (exit $rc)" \
    eval '[ "$rc" = 0 ] && is "$(wssh "$W2" cat /home/workspace/data/deep/note)" hello' || sed 's/^/#   /' "$T/force.err"
ws delete "$W2" --yes > /dev/null

# --- damaged, cut short, foreign: refused, and nothing left ---
W3=$RUN-bad
size=$(stat -c %s "$T/w.tar.zst")
nothing_left() {
    absent container "workspace-$W3" && absent volume "workspace-$W3" && absent volume "workspace-$W3.docker" &&
    absent volume "workspace-$W3.restore" && absent volume "workspace-$W3.restore.docker" &&
    [ -z "$(docker ps -aq --filter label=org.wsgate.helper)" ]
}
for off in 200 $((size / 5)) $((size / 2)) $((size * 4 / 5)) $((size - 40)); do
    cp "$T/w.tar.zst" "$T/bad"
    /usr/bin/python3 -c "import sys; f=open(sys.argv[1],'r+b'); f.seek(int(sys.argv[2])); b=f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0]^0x41]))" "$T/bad" "$off"
    ws restore "$W3" -i "$T/bad" > /dev/null 2> "$T/bad.err"; rc=$?
    check "a byte changed at offset $off of $size: refused (exit $rc = 6) with one line" \
        eval '[ "$rc" = 6 ] && [ "$(wc -l < "$T/bad.err")" = 1 ] && grep -qE "cannot be restored: .*(damaged|cut short)" "$T/bad.err" &&
              grep -qE "part .(home|docker).|header|manifest|tar header" "$T/bad.err"' ||
        sed 's/^/#   /' "$T/bad.err"
    check "... and nothing is left behind" nothing_left
done
# A byte changed and the archive packed again: zstd finds nothing wrong,
# only the manifest's sums can.
zstd -q -dc "$T/w.tar.zst" > "$T/plain.tar"
/usr/bin/python3 - "$T/plain.tar" <<'PY'
import sys, tarfile
with tarfile.open(sys.argv[1]) as t:
    m = t.getmember("home.tar.000000")
with open(sys.argv[1], "r+b") as f:
    f.seek(m.offset_data + m.size // 2)
    b = f.read(1)
    f.seek(m.offset_data + m.size // 2)
    f.write(bytes([b[0] ^ 0x20]))
PY
zstd -q -1 "$T/plain.tar" -o "$T/repacked.tar.zst"
ws restore "$W3" -i "$T/repacked.tar.zst" > /dev/null 2> "$T/repacked.err"; rc=$?
check "a byte changed and packed again: refused by the sums (exit $rc = 6), naming the part" \
    eval '[ "$rc" = 6 ] && contains "$T/repacked.err" "part '"'home'"' is damaged: its sha256 is not the one its manifest records"' ||
    sed 's/^/#   /' "$T/repacked.err"
check "... and nothing is left behind" nothing_left
head -c $((size / 2)) "$T/w.tar.zst" > "$T/short"
ws restore "$W3" -i "$T/short" > /dev/null 2> "$T/short.err"; rc=$?
check "an archive cut short: refused (exit $rc = 6), saying so" \
    eval '[ "$rc" = 6 ] && contains "$T/short.err" "cut short"' || sed 's/^/#   /' "$T/short.err"
check "... and nothing is left behind" nothing_left
tar -C "$WSGATE_SRC" -czf "$T/foreign.tgz" README.md
ws restore "$W3" -i "$T/foreign.tgz" > /dev/null 2> "$T/foreign.err"; rc=$?
check "a foreign archive: refused (exit $rc = 6) as not a wsgate backup" \
    eval '[ "$rc" = 6 ] && contains "$T/foreign.err" "not a wsgate backup"'
tar -C "$WSGATE_SRC" -c README.md | zstd -q > "$T/foreign.tar.zst"
ws restore "$W3" -i "$T/foreign.tar.zst" > /dev/null 2> "$T/foreign2.err"; rc=$?
check "a zstd tar of something else: refused (exit $rc = 6) as not a wsgate backup" \
    eval '[ "$rc" = 6 ] && contains "$T/foreign2.err" "not a wsgate backup"' || sed 's/^/#   /' "$T/foreign2.err"
check "... and nothing is left behind" nothing_left

# --- an interrupted backup: the workspace is unpaused, no file left ---
"$WS_BIN" -f "$T/main.conf" backup "$W" -o "$T/int.tar.zst" > /dev/null 2> "$T/int.err" &
bpid=$!
wait_until 60 eval '[ "$(state "$W")" = paused ] || ! kill -0 '"$bpid"' 2>/dev/null'
kill -INT "$bpid" 2>/dev/null
wait "$bpid"; rc=$?
check "an interrupted backup fails (exit $rc) and says so" eval '[ "$rc" != 0 ] && contains "$T/int.err" "interrupted"'
check "... the workspace runs again" is "$(state "$W")" running
check "... and no archive or partial file is left" eval '[ -z "$(ls "$T" | grep "^int.tar.zst")" ]'

# --- rebuild onto a new image: data and port kept ---
old_id=$(docker container inspect -f '{{.Id}}' "workspace-$W")
docker create --name "$RUN-img" workspace:latest >/dev/null &&
    echo rebuilt | docker cp - "$RUN-img":/etc/ 2>/dev/null; printf 'rebuilt\n' > "$T/marker" &&
    docker cp "$T/marker" "$RUN-img":/etc/wsgate-marker && docker commit "$RUN-img" "workspace:$RUN-new" >/dev/null
docker rm "$RUN-img" >/dev/null
on_exit "docker rmi -f workspace:$RUN-new workspace:$RUN-exits workspace:$RUN-mute"
ws rebuild "$W" --image "workspace:$RUN-new" > "$T/rb.out" 2> "$T/rb.err"; rc=$?
check "ws rebuild --image (exit $rc)" eval '[ "$rc" = 0 ] && contains "$T/rb.out" "rebuilt workspace $W (port $port)"' ||
    sed 's/^/#   /' "$T/rb.err"
check "it runs the new image" is "$(docker container inspect -f '{{.Config.Image}}' "workspace-$W")" "workspace:$RUN-new"
check "... as a new container" eval '[ "$(docker container inspect -f "{{.Id}}" "workspace-$W")" != "'"$old_id"'" ]'
check "... on the same port" is "$(ws_port "$W")" "$port"
check "... with the same data" eval 'manifest "$W" > "$T/rebuilt"; cmp -s "$T/before" "$T/rebuilt"'
check "... and the new image's files" is "$(wssh "$W" cat /etc/wsgate-marker)" rebuilt
check "it took a backup first, into backup_dir" eval 'ls "$T/backups/$W-"*.tar.zst >/dev/null 2>&1'
check "no replacement container is left" absent container "workspace-$W.remake"

# --- rebuild onto broken images: rolled back ---
new_id=$(docker container inspect -f '{{.Id}}' "workspace-$W")
docker create --name "$RUN-img" --entrypoint /bin/false workspace:latest >/dev/null &&
    docker commit --change 'ENTRYPOINT ["/bin/false"]' "$RUN-img" "workspace:$RUN-exits" >/dev/null
docker rm "$RUN-img" >/dev/null
docker create --name "$RUN-img" workspace:latest >/dev/null &&
    docker commit --change 'ENTRYPOINT ["/bin/sleep", "infinity"]' "$RUN-img" "workspace:$RUN-mute" >/dev/null
docker rm "$RUN-img" >/dev/null
for img in exits mute; do
    ws rebuild "$W" --image "workspace:$RUN-$img" --no-backup > "$T/rb-$img.out" 2> "$T/rb-$img.err"; rc=$?
    check "a rebuild onto an image whose sshd $([ $img = exits ] && echo exits || echo never answers) fails (exit $rc) and says it rolled back" \
        eval '[ "$rc" = 1 ] && contains "$T/rb-$img.err" "it runs on its old container again"' || sed 's/^/#   /' "$T/rb-$img.err"
    check "... the workspace runs its old container" eval 'is "$(docker container inspect -f "{{.Id}}" "workspace-$W")" "'"$new_id"'" && is "$(state "$W")" running'
    check "... on its port, with its data" eval 'is "$(ws_port "$W")" "$port" && is "$(wssh "$W" cat /home/workspace/data/deep/note)" hello'
    check "... and no replacement is left" absent container "workspace-$W.remake"
done
check "--no-backup took none" is "$(ls "$T/backups" | wc -l)" 1
check "no helper container is left" is "$(docker ps -aq --filter label=org.wsgate.helper | wc -l)" 0

finish
