#!/bin/bash
# What a new workspace gets: credentials (environment and files, global and
# per account), CPU and memory limits, its own Docker daemon with its data in
# workspace-NAME-docker, a cloned repository, post-start commands with their
# output logged; progress lines for people but never in a data stream; and
# idle stop, after which the next ssh starts it again with its data intact.
. "$(dirname "$0")/lib.sh"

printf 'global-secret-%s\n' "$RUN" > "$T/cred-global"
printf 'tester-secret-%s\n' "$RUN" > "$T/cred-tester"
mkdir -p "$T/accounts"
cat > "$T/accounts/tester.conf" <<EOF
env = ["ACCOUNT_TOKEN=tok-$RUN"];
files = ["$T/cred-tester:/home/workspace/.config/tester.txt"];
memory_mb = 768;
post_start = ["echo account-post-start-ran"];
EOF
gw_start main "env = [\"GLOBAL_TOKEN=glob-$RUN\", \"SPACED=two words\"];" \
    "files = [\"$T/cred-global:/home/workspace/.netrc-test\"];" \
    "cpu_millis = 1500;" "memory_mb = 512;" "accounts_dir = \"$T/accounts\";" \
    "post_start = [\"echo post-start-ran-as-\$(id -un)\"];"
W=$RUN-prov

wssh_info "$W" 'echo "$GLOBAL_TOKEN|$SPACED|$ACCOUNT_TOKEN"; cat ~/.netrc-test ~/.config/tester.txt; stat -c %U ~/.config/tester.txt' \
    > "$T/out" 2> "$T/progress"
check "global environment reaches the session" grep -qx "glob-$RUN|two words|tok-$RUN" "$T/out"
check "the global credential file is in place" grep -qx "global-secret-$RUN" "$T/out"
check "the account's credential file too, owned by the user" \
    bash -c "grep -qx 'tester-secret-$RUN' '$T/out' && tail -1 '$T/out' | grep -qx workspace"
check "sftp sessions get the environment too" bash -c \
    "printf 'get .netrc-test $T/netrc\n' | timeout 60 sftp -q -b - -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -i '$T/id' -P '$GW_PORT' '$W@127.0.0.1' >/dev/null && cmp -s '$T/netrc' '$T/cred-global'"
check "the account's memory limit wins (768 MiB)" \
    [ "$(docker inspect -f '{{.HostConfig.Memory}}' "workspace-$W")" = $((768 * 1048576)) ]
check "the global CPU limit holds (1.5 CPUs)" \
    [ "$(docker inspect -f '{{.HostConfig.NanoCpus}}' "workspace-$W")" = 1500000000 ]
check "sessions do not inherit wsgate's own variables (host key, files)" [ "$(wssh "$W" 'env | grep -c ^WSGATE_')" = 0 ]

# Progress lines: on stderr for people, in order, with the time taken.
check "progress: creating" contains "$T/progress" "wsgate: creating workspace '$W'"
check "progress: starting" contains "$T/progress" "wsgate: starting workspace '$W'"
check "progress: waiting for sshd" contains "$T/progress" "wsgate: waiting for the workspace's sshd"
check "progress: ready with the time taken" grep -qE "wsgate: workspace '$W' ready in [0-9.]+ s" "$T/progress"
check "no progress line in the data" bash -c "! grep -q wsgate '$T/out'"
check "post-start commands ran as the user, output in the log" contains "$T/main.log" "post-start 1 of $W: post-start-ran-as-workspace"
check "the account's post-start command ran after the global one" contains "$T/main.log" "post-start 2 of $W: account-post-start-ran"
wssh_info "$W" true 2> "$T/quiet"
check "a running workspace logs in silently" bash -c "! grep -q wsgate '$T/quiet'"

# Non-interactive first logins (scp, sftp) to new workspaces: the data is exact.
head -c 300000 /dev/urandom > "$T/blob"
timeout 120 scp -q -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes \
    -i "$T/id" -P "$GW_PORT" "$T/blob" "$RUN-scp@127.0.0.1:blob" 2>"$T/scp.err"
check "scp to a workspace it creates copies exactly" [ "$(wssh "$RUN-scp" sha256sum blob | cut -d' ' -f1)" = "$(sha256sum < "$T/blob" | cut -d' ' -f1)" ]
printf 'get blob %s\n' "$T/blob2" | timeout 120 sftp -q -b - -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o IdentitiesOnly=yes -i "$T/id" -P "$GW_PORT" "$RUN-scp@127.0.0.1" >/dev/null 2>&1
check "sftp gets it back exactly" cmp -s "$T/blob" "$T/blob2"
wssh "$RUN-cat" true >/dev/null 2>&1; docker stop -t 1 "workspace-$RUN-cat" >/dev/null
wssh "$RUN-cat" 'head -c 1000 /dev/zero' > "$T/zeros" 2>/dev/null
check "a command's stdout after a start holds only its output" [ "$(wc -c < "$T/zeros")" = 1000 ]

# Docker-in-Docker: a small image imported inside, and run there.
wssh "$W" 'set -e; for i in $(seq 30); do docker info >/dev/null 2>&1 && break; sleep 1; done
    r=$(mktemp -d); for f in /bin/echo $(ldd /bin/echo | grep -o "/[^ ]*"); do cp --parents "$f" "$r/"; done
    tar -C "$r" -c . | docker import - tiny >/dev/null
    docker run --rm --network none tiny /bin/echo hello-from-dind' > "$T/dind" 2>&1
check "a container runs inside the workspace's own Docker" grep -qx hello-from-dind "$T/dind" || sed 's/^/#   /' "$T/dind"
dvol=$(docker volume inspect -f '{{.Mountpoint}}' "workspace-$W-docker")
check "its Docker data lives in workspace-NAME-docker" bash -c "[ -d '$dvol/image' ] && [ -d '$dvol/containers' ]"

# A repository cloned at creation (ws create --clone), served by the test.
mkdir -p "$T/srv" && git init -q --bare "$T/srv/repo.git"
git -c init.defaultBranch=main init -q "$T/src" && echo "readme-$RUN" > "$T/src/README" &&
    git -C "$T/src" add README && git -C "$T/src" -c user.email=t@t -c user.name=t commit -qm init &&
    git -C "$T/src" push -q "$T/srv/repo.git" HEAD:refs/heads/main && git -C "$T/srv/repo.git" symbolic-ref HEAD refs/heads/main &&
    git -C "$T/srv/repo.git" update-server-info
bridge=$(docker network inspect bridge -f '{{ (index .IPAM.Config 0).Gateway }}')
hport=$(free_port)
/usr/bin/python3 -m http.server "$hport" --bind "$bridge" --directory "$T/srv" >/dev/null 2>&1 &
on_exit kill $!
sleep 1
check "ws create --clone" timeout 120 "$WS_BIN" -f "$T/main.conf" create "$RUN-clone" --owner tester \
    --clone "http://$bridge:$hport/repo.git"
check "the repository is in ~/repo" [ "$(wssh "$RUN-clone" cat repo/README)" = "readme-$RUN" ]
check "ws status shows where it came from" bash -c "'$WS_BIN' -f '$T/main.conf' status '$RUN-clone' | grep -q 'clone:     http://$bridge:$hport/repo.git'"

# Idle stop: no session for idle_stop seconds stops it; the next ssh starts it.
gw_start idle "idle_stop = 4;"
I=$RUN-idle
wssh "$I" 'echo still-here > ~/mark'
for _ in $(seq 40); do [ "$(docker inspect -f '{{.State.Status}}' "workspace-$I")" = exited ] && break; sleep 0.5; done
check "an idle workspace is stopped" [ "$(docker inspect -f '{{.State.Status}}' "workspace-$I")" = exited ]
check "the gateway logs why" contains "$T/idle.log" "stopped workspace $I: no session for"
check "the next ssh starts it, data intact" [ "$(wssh "$I" cat mark)" = still-here ]
wssh "$I" 'sleep 12' &
busy=$!
sleep 10
check "a workspace with a session open is not stopped" [ "$(docker inspect -f '{{.State.Status}}' "workspace-$I")" = running ]
wait "$busy"
finish
