#!/bin/bash
# Files move as they do against any sshd: sftp, scp (SFTP and legacy mode,
# recursive both ways), rsync both ways, git clone and push over ssh.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-files
check "the workspace is up" is "$(wssh "$W" echo in)" in
cat > "$T/ssh_config" <<CONF
Host ws
    HostName 127.0.0.1
    Port $GW_PORT
    User $W
    IdentityFile $T/id
    IdentitiesOnly yes
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    BatchMode yes
    LogLevel ERROR
CONF
S="ssh -F $T/ssh_config"

head -c 1G /dev/urandom > "$T/big"
want=$(sha256sum < "$T/big" | cut -c1-64)
mkdir -p "$T/get"
cat > "$T/batch" <<B
mkdir d1
put $T/big d1/big
ls -l d1
rename d1/big d1/big2
get d1/big2 $T/get/big2
rm d1/big2
rmdir d1
B
timeout 300 sftp -F "$T/ssh_config" -b "$T/batch" ws > "$T/sftp.out" 2>&1; rc=$?
check "sftp batch (mkdir, put, ls, rename, get, rm, rmdir) succeeds ($rc)" [ "$rc" = 0 ]
check "sftp: 1 GiB file back with the same sha256" is "$(sha256sum < "$T/get/big2" | cut -c1-64)" "$want"
# The listing line the server sent (sftp -b also echoes each command, so the
# name alone would match "sftp> put ... d1/big"): mode, links, owner, group,
# the exact size, and the name.
check "sftp: ls -l listed the file with its size" \
    grep -qE '^-[-rwxsStT]{9}[.+@]? +([0-9]+|\?) +[^ ]+ +[^ ]+ +1073741824 .* (d1/)?big$' "$T/sftp.out"
check "sftp: rm and rmdir took effect" is "$($S ws 'test -e d1 && echo present || echo gone')" gone
rm -f "$T/get/big2"
head -c 20M "$T/big" > "$T/mid"; rm -f "$T/big"
want=$(sha256sum < "$T/mid" | cut -c1-64)

mkdir -p "$T/tree/a/b"; echo one > "$T/tree/a/1.txt"; echo two > "$T/tree/a/b/2.txt"; cp "$T/mid" "$T/tree/a/b/"
for mode in "" "-O"; do
    label=${mode:-sftp-mode}
    timeout 120 scp $mode -F "$T/ssh_config" "$T/mid" ws:mid.$label
    check "scp $label: upload" is "$($S ws "sha256sum < mid.$label" | cut -c1-64)" "$want"
    # Removed first: the previous mode's copy must not pass for this one's.
    rm -f "$T/mid.back"
    timeout 120 scp $mode -F "$T/ssh_config" ws:mid.$label "$T/mid.back"
    check "scp $label: download" is "$(sha256sum < "$T/mid.back" | cut -c1-64)" "$want"
    timeout 120 scp $mode -r -F "$T/ssh_config" "$T/tree" ws:tree.$label
    rm -rf "$T/tree.back"
    timeout 120 scp $mode -r -F "$T/ssh_config" ws:tree.$label "$T/tree.back"
    check "scp $label: recursive both ways" diff -r "$T/tree" "$T/tree.back"
done

timeout 120 rsync -a -e "$S" "$T/tree/" ws:rs/
check "rsync up" is "$($S ws 'cat rs/a/b/2.txt')" two
$S ws 'echo changed > rs/a/1.txt'
rm -rf "$T/rs.back"
timeout 120 rsync -a -e "$S" ws:rs/ "$T/rs.back/"
check "rsync down" is "$(cat "$T/rs.back/a/1.txt")" changed
check "rsync down: whole tree" cmp "$T/rs.back/a/b/mid" "$T/mid"

$S ws 'git init -q --bare --initial-branch=main repo.git'
export GIT_SSH_COMMAND="$S"
git -c init.defaultBranch=main init -q "$T/src"
(cd "$T/src" && echo hello > f && git add f && git -c user.email=t@t -c user.name=t commit -qm first \
    && git push -q ws:repo.git main) 2>"$T/git.err"; rc=$?
check "git push over ssh ($rc)" [ "$rc" = 0 ]
timeout 60 git clone -q ws:repo.git "$T/clone" 2>>"$T/git.err" || sed "s/^/#   /" "$T/git.err"
check "git clone over ssh" is "$(cat "$T/clone/f" 2>/dev/null)" hello
finish
