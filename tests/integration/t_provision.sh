#!/bin/bash
# What a new workspace gets: credentials (environment and files, global and
# per account), CPU and memory limits, its own Docker daemon with its data in
# workspace-NAME.docker, a cloned repository, post-start commands with their
# output logged; progress lines for people but never in a data stream.
# (Idle stop is t_idle.sh, on a private engine.)
. "$(dirname "$0")/lib.sh"

printf 'global-secret-%s\n' "$RUN" > "$T/cred-global"
printf 'tester-secret-%s\n' "$RUN" > "$T/cred-tester"
mkdir -p "$T/accounts"
cat > "$T/accounts/tester.conf" <<EOF2
env = ["ACCOUNT_TOKEN=tok-$RUN"];
files = ["$T/cred-tester:/home/workspace/.config/tester.txt"];
memory_mb = 768;
docker_in_docker = "caps";
post_start = ["echo account-post-start-ran", "test -d ~/repo && echo repo-there-before-post-start || true"];
EOF2
gw_start main "env = [\"GLOBAL_TOKEN=glob-$RUN\", \"SPACED=two words\"];" \
    "files = [\"$T/cred-global:/home/workspace/.netrc-test\"];" \
    "cpu_millis = 1500;" "memory_mb = 512;" "accounts_dir = \"$T/accounts\";" \
    "post_start = [\"echo post-start-ran-as-\$(id -un)\"];"
W=$RUN-prov
SFTP=(timeout 120 sftp -b - -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
      -o IdentitiesOnly=yes -o BatchMode=yes -i "$T/id" -P "$GW_PORT")

wssh_info "$W" 'echo "$GLOBAL_TOKEN|$SPACED|$ACCOUNT_TOKEN"; cat ~/.netrc-test ~/.config/tester.txt; stat -c %U ~/.config/tester.txt' \
    > "$T/out" 2> "$T/progress"
check "global environment reaches the session" grep -qx "glob-$RUN|two words|tok-$RUN" "$T/out"
check "the global credential file is in place" grep -qx "global-secret-$RUN" "$T/out"
check "the account's credential file too, owned by the user" \
    eval 'grep -qx "tester-secret-$RUN" "$T/out" && [ "$(tail -1 "$T/out")" = workspace ]'

# sftp: a session held open (its batch comes through a fifo) while the
# environment of its sftp-server (Debian's, exec'd by sshd for the session)
# is read from /proc in the workspace. Only sftp-server processes of the
# user are read: a docker exec shell carries the container's own environment.
# (sftp starts first, so it does not inherit fd 9; read-write never blocks.)
mkfifo "$T/sftp.in"
"${SFTP[@]}" "$W@127.0.0.1" < "$T/sftp.in" > "$T/sftp.out" 2>&1 &
sp=$!
bg_pid "$sp"
exec 9<>"$T/sftp.in"
printf 'get .netrc-test %s\n' "$T/netrc" >&9
sftp_env() {
    docker exec "workspace-$W" sh -c 'for p in $(pgrep -x -u workspace sftp-server); do echo "pid=$p"; tr "\0" "\n" < /proc/$p/environ; done' \
        > "$T/sftp.env" 2>/dev/null && grep -q '^pid=' "$T/sftp.env" && grep -qx "GLOBAL_TOKEN=glob-$RUN" "$T/sftp.env"
}
check "sftp sessions get the environment too (read from the running sftp-server)" wait_until 30 sftp_env ||
    sed 's/^/#   /' "$T/sftp.env" "$T/sftp.out" 2>/dev/null
check "... the account's and the spaced value as well" \
    eval 'grep -qx "ACCOUNT_TOKEN=tok-$RUN" "$T/sftp.env" && grep -qx "SPACED=two words" "$T/sftp.env"'
exec 9>&-
wait "$sp"; rc=$?
check "the sftp session ends cleanly ($rc) and reached the credential file" \
    eval '[ "$rc" = 0 ] && cmp -s "$T/netrc" "$T/cred-global"'
check "the account's memory limit wins (768 MiB)" \
    is "$(docker container inspect -f '{{.HostConfig.Memory}}' "workspace-$W")" $((768 * 1048576))
check "the global CPU limit holds (1.5 CPUs)" \
    is "$(docker container inspect -f '{{.HostConfig.NanoCpus}}' "workspace-$W")" 1500000000
check "sessions do not inherit wsgate's own variables (host key, files)" is "$(wssh "$W" 'env | grep -c ^WSGATE_')" 0

# Progress lines: on stderr for people, in order, with the time taken.
check "progress: creating" contains "$T/progress" "wsgate: creating workspace '$W'"
check "progress: starting" contains "$T/progress" "wsgate: starting workspace '$W'"
check "progress: waiting for sshd" contains "$T/progress" "wsgate: waiting for the workspace's sshd"
check "progress: post-start" contains "$T/progress" "wsgate: running post-start commands"
check "progress: ready with the time taken" grep -qE "^wsgate: workspace '$W' ready in [0-9.]+ s$" "$T/progress"
order=$(grep -oE "^wsgate: (creating|starting|waiting|running|workspace '$W' ready)" "$T/progress" | tr '\n' '|')
check "progress lines, in order" is "$order" \
    "wsgate: creating|wsgate: starting|wsgate: waiting|wsgate: running|wsgate: workspace '$W' ready|"
check "no progress line in the data" eval '[ -s "$T/out" ] && lacks "$T/out" "wsgate: "'
check "post-start commands ran as the user, output in the log" contains "$T/main.log" "post-start 1 of $W: post-start-ran-as-workspace"
check "the account's post-start command ran after the global one" contains "$T/main.log" "post-start 2 of $W: account-post-start-ran"
check "that output was read in a jail running as wsgate" \
    contains "$T/main.log" "reading a command's output in a jail running as uid $(id -u wsgate)"
out=$(wssh_info "$W" echo quiet-ok 2> "$T/quiet")
check "a running workspace logs in silently" eval '[ "$out" = quiet-ok ] && lacks "$T/quiet" "wsgate: "'

# Non-interactive first logins (scp, sftp) to new workspaces: the data is exact.
head -c 300000 /dev/urandom > "$T/blob"
timeout 120 scp -q -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes \
    -i "$T/id" -P "$GW_PORT" "$T/blob" "$RUN-scp@127.0.0.1:blob" 2>"$T/scp.err"
check "scp to a workspace it creates copies exactly" \
    is "$(wssh "$RUN-scp" sha256sum blob | cut -d' ' -f1)" "$(sha256sum < "$T/blob" | cut -d' ' -f1)"
printf 'get blob %s\n' "$T/blob2" | "${SFTP[@]}" -q "$RUN-scp@127.0.0.1" >/dev/null 2>&1
check "sftp gets it back exactly" cmp -s "$T/blob" "$T/blob2"
# A data stream from the login that starts the workspace holds only its data.
check "a workspace to start" is "$(wssh "$RUN-cat" echo in)" in
docker stop -t 1 "workspace-$RUN-cat" >/dev/null
check "... stopped first" is "$(state "$RUN-cat")" exited
wssh_info "$RUN-cat" 'head -c 1000 /dev/zero' > "$T/zeros" 2>"$T/zeros.err"
check "the login started it (told on stderr)" contains "$T/zeros.err" "wsgate: starting workspace '$RUN-cat'"
check "a command's stdout after a start holds only its output" is "$(wc -c < "$T/zeros")" 1000

# Docker-in-Docker: a small image imported inside, and run there.
wssh "$W" 'set -e; for i in $(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
    r=$(mktemp -d); for f in /bin/echo $(ldd /bin/echo | grep -o "/[^ ]*"); do cp --parents "$f" "$r/"; done
    tar -C "$r" -c . | docker import - tiny >/dev/null
    docker run --rm --network none tiny /bin/echo hello-from-dind' > "$T/dind" 2>&1
check "a container runs inside the workspace's own Docker" grep -qx hello-from-dind "$T/dind" || sed 's/^/#   /' "$T/dind"
# That Docker is the workspace's, not the host's through a mounted socket:
# its daemon runs on the workspace's host, and the image is in its volume.
check "the workspace's docker talks to a daemon on the workspace itself" \
    is "$(wssh "$W" "docker info -f '{{.Name}}'" 2>/dev/null)" "$W"
dvol=$(docker volume inspect -f '{{.Mountpoint}}' "workspace-$W.docker")
check "its Docker data lives in workspace-NAME.docker" eval '[ -n "$dvol" ] && [ -d "$dvol/image" ] && [ -d "$dvol/containers" ]'
check "the imported image is in that volume" eval 'grep -qs "\"tiny:latest\"" "$dvol"/image/*/repositories.json'

# A repository cloned at creation (ws create --clone), served by the test.
mkdir -p "$T/srv" && git init -q --bare "$T/srv/repo.git"
git -c init.defaultBranch=main init -q "$T/src" && echo "readme-$RUN" > "$T/src/README" &&
    git -C "$T/src" add README && git -C "$T/src" -c user.email=t@t -c user.name=t commit -qm init &&
    git -C "$T/src" push -q "$T/srv/repo.git" HEAD:refs/heads/main && git -C "$T/srv/repo.git" symbolic-ref HEAD refs/heads/main &&
    git -C "$T/srv/repo.git" update-server-info
# (the host as the workspaces' network sees it)
bridge=$(docker network inspect wsgate-workspaces -f '{{ (index .IPAM.Config 0).Gateway }}')
hport=$(free_port)
/usr/bin/python3 -m http.server "$hport" --bind "$bridge" --directory "$T/srv" >/dev/null 2>&1 &
bg_pid "$!"
check "the test's git server is up" wait_until 10 curl -sf -o /dev/null "http://$bridge:$hport/repo.git/HEAD"
timeout 120 "$WS_BIN" -f "$T/main.conf" create "$RUN-clone" --owner tester \
    --clone "http://$bridge:$hport/repo.git" >"$T/clone.out" 2>"$T/clone.err"; rc=$?
check "ws create --clone ($rc)" [ "$rc" = 0 ] || sed 's/^/#   /' "$T/clone.err"
# Right after ws create returns: the repository is there.
check "the repository is in ~/repo" is "$(wssh "$RUN-clone" cat repo/README)" "readme-$RUN"
ws status "$RUN-clone" > "$T/clone.status"
check "ws status shows where it came from" grep -qx "clone: *http://$bridge:$hport/repo.git" "$T/clone.status"
# The seed's order: sshd, then the clone (awaited), then post-start.
line_of() { grep -nF -- "$1" "$T/clone.err" | head -1 | cut -d: -f1; }
lw=$(line_of "ws: waiting for the workspace's sshd")
lc=$(line_of "ws: cloning http://$bridge:$hport/repo.git into ~/repo")
lp=$(line_of "ws: running post-start commands")
check "ws create waited for sshd ($lw), then cloned ($lc), then ran post-start ($lp)" \
    eval '[ -n "$lw" ] && [ -n "$lc" ] && [ -n "$lp" ] && [ "$lw" -lt "$lc" ] && [ "$lc" -lt "$lp" ]'
check "post-start found the repository there" contains "$T/clone.err" "post-start 3 of $RUN-clone: repo-there-before-post-start"

# A clone that fails: ws create says so with git's own line and exits 1; the
# workspace stays; a later start (here a login) clones it, telling the person.
B=$RUN-badclone
timeout 120 "$WS_BIN" -f "$T/main.conf" create "$B" --owner tester \
    --clone "http://$bridge:$hport/later.git" >"$T/bad.out" 2>"$T/bad.err"; rc=$?
check "ws create --clone of a missing repository: exit 1 ($rc)" [ "$rc" = 1 ]
check "with git's own line" contains "$T/bad.err" "fatal: repository 'http://$bridge:$hport/later.git/' not found"
check "and what happens next" contains "$T/bad.err" "the next start tries again"
check "the workspace stays" is "$(state "$B")" running
check "without a repository" is "$(wssh "$B" 'test -e ~/repo && echo there || echo none')" none
cp -a "$T/srv/repo.git" "$T/srv/later.git"
check "ws stop" ws stop "$B"
out=$(wssh_info "$B" cat repo/README 2>"$T/later.err")
check "the next login clones it, and it is there" is "$out" "readme-$RUN"
check "the person was told" contains "$T/later.err" "wsgate: cloning http://$bridge:$hport/later.git into ~/repo"

finish
