#!/bin/bash
# No account reaches another's workspace or data, with two accounts (alice,
# bob) on the real engine: volume names that cannot collide, volumes that say
# whose they are, orphans that stay their owner's, remakes that keep the
# owner's settings whoever triggered them, and a remake that cannot finish
# leaving the workspace as it was.
. "$(dirname "$0")/lib.sh"

for a in alice bob; do ssh-keygen -q -t ed25519 -N '' -f "$T/$a" -C "$a"; cp "$T/$a.pub" "$T/keys/$a"; done
mkdir -p "$T/accounts"
cat > "$T/accounts/alice.conf" <<EOF
env = ["WHO_TOKEN=alice-$RUN"];
post_start = ["echo alice-post-start"];
docker_in_docker = "caps";
EOF
cat > "$T/accounts/bob.conf" <<EOF
env = ["WHO_TOKEN=bob-$RUN"];
docker_in_docker = "off";
memory_mb = 600;
post_start = ["echo bob-post-start"];
EOF
P=$RUN-proj
R=$RUN-remake
gw_start main "audit_log = \"$T/audit.log\";" "accounts_dir = \"$T/accounts\";" \
    "access = [\"$R: bob\"];"
vlabels() { docker volume inspect -f '{{ index .Labels "org.wsgate.workspace" }}/{{ index .Labels "org.wsgate.role" }}/{{ index .Labels "org.wsgate.owner" }}' "$1"; }
mounts() { docker container inspect -f '{{ range .Mounts }}{{ .Name }}{{ "\n" }}{{ end }}' "workspace-$1" | grep . | sort | tr '\n' ' '; }
denied() { refused "$1" "$2" "wsgate: permission denied: account 'bob' may not enter workspace '$3'"; }

# 1. Workspace proj's Docker data volume and workspace proj-docker's home
#    are two volumes, whoever asks first.
check "alice's workspace proj writes into its own Docker data" \
    is "$(kssh "$T/alice" "$P" 'sudo touch /var/lib/docker/MARK-alice && echo in' 2>/dev/null)" in
out=$(kssh "$T/bob" "$P-docker" 'ls -A ~; echo in' 2>/dev/null)
check "bob's workspace proj-docker is his own" is "$(tail -1 <<< "$out")" in
check "and his home holds nothing of alice's Docker data" eval '! grep -qxE "MARK-alice|containers|image" <<< "$out"'
check "proj's Docker volume is proj's, alice's" is "$(vlabels "workspace-$P.docker")" "$P/docker/alice"
check "proj-docker's home volume is proj-docker's, bob's" is "$(vlabels "workspace-$P-docker")" "$P-docker/home/bob"
check "the two containers share no volume ($(mounts "$P")| $(mounts "$P-docker"))" \
    eval '[ -z "$(comm -12 <(mounts "$P" | tr " " "\n" | grep .) <(mounts "$P-docker" | tr " " "\n" | grep .))" ]'

# Workspaces cannot reach each other over the network: bob's cannot connect
# to a server in alice's (which alice's own reaches).
out=$(kssh "$T/alice" "$P" 'setsid nohup python3 -m http.server 8777 >/dev/null 2>&1 < /dev/null &
    for i in $(seq 50); do python3 -c "import socket; socket.create_connection((\"127.0.0.1\", 8777))" 2>/dev/null && break; sleep 0.1; done; echo up' 2>/dev/null)
aip=$(docker container inspect -f '{{ (index .NetworkSettings.Networks "wsgate-workspaces").IPAddress }}' "workspace-$P")
probe='python3 -c "import socket,sys; socket.create_connection((sys.argv[1], 8777), timeout=3); print(\"reached\")" '
check "alice's server is up on $aip" eval '[ "$out" = up ] && [ -n "$aip" ]'
check "alice's workspace reaches it at its address" is "$(kssh "$T/alice" "$P" "$probe $aip" 2>/dev/null)" reached
out=$(kssh "$T/bob" "$P-docker" "$probe $aip 2>&1 | tail -1" 2>/dev/null)
check "bob's workspace cannot ($out)" eval '[ -n "$out" ] && [ "$out" != reached ] && grep -qE "timed out|refused|unreachable" <<< "$out"'

# 2. A Docker volume as wsgate 0.1 named it (workspace-old-docker, labelled
#    for workspace old) is never taken as workspace old-docker's home.
O=$RUN-old
docker volume create --label "org.wsgate.workspace=$O" "workspace-$O-docker" >/dev/null
out=$(kssh "$T/bob" "$O-docker" echo in 2>"$T/err")
check "bob cannot make workspace old-docker on old's legacy Docker volume: the same denial as anywhere" \
    denied "$out" "$T/err" "$O-docker"
check "the line names nothing of old's" lacks "$T/err" "'$O'"
"$WS_BIN" -f "$T/main.conf" create "$O-docker" --owner bob >/dev/null 2>"$T/err"; rc=$?
check "an administrator's ws create is refused too ($rc)" [ "$rc" = 1 ]
check "told which volume and whose" contains "$T/err" "volume workspace-$O-docker belongs to workspace '$O'"
check "and no container was made" absent container "workspace-$O-docker"
check "the volume is as it was" is "$(vlabels "workspace-$O-docker")" "$O//"

# 3. Orphans stay their owner's: alice's container goes (as when a remake or
#    a create was cut short), her volumes stay.
G=$RUN-orph
check "alice makes a workspace with her data" is "$(kssh "$T/alice" "$G" 'echo alice-data > ~/mine; echo in' 2>/dev/null)" in
docker rm -f "workspace-$G" >/dev/null
check "its container is gone, its volumes stay" eval 'absent container "workspace-$G" && present volume "workspace-$G"'
check_sh "ws list shows it as alice's orphan" "'$WS_BIN' -f '$T/main.conf' list | grep -E '^$G +orphaned +- +alice ' >/dev/null"
out=$(kssh "$T/bob" "$G" 'cat ~/mine' 2>"$T/err")
check "bob (who may create) cannot make a workspace on alice's orphaned volumes" denied "$out" "$T/err" "$G"
check "and no container was made for him" absent container "workspace-$G"
check "the refusal is the one for any workspace he may not enter" lacks "$T/err" "orphan"
out=$(kssh "$T/alice" "$G" 'cat ~/mine' 2>"$T/err")
check "alice's login makes it whole again, her data there" is "$out" alice-data
check "hers" is "$(ws_owner "$G")" alice
# Volumes left by an engine crash between the volumes and the container.
C=$RUN-crashed
docker volume create --label "org.wsgate.workspace=$C" --label org.wsgate.role=home \
    --label org.wsgate.owner=alice "workspace-$C" >/dev/null
out=$(kssh "$T/bob" "$C" echo in 2>"$T/err")
check "volumes a crash left are not bob's to take" denied "$out" "$T/err" "$C"
check "alice's login makes the workspace on them" is "$(kssh "$T/alice" "$C" echo in 2>/dev/null)" in
check "alice's" is "$(ws_owner "$C")" alice

# 4. A remake takes its owner's settings, whoever triggered it: bob (let into
#    alice's workspace by the access list) logs in while its port is taken.
check "alice makes the workspace" is "$(kssh "$T/alice" "$R" 'echo "$WHO_TOKEN"' 2>/dev/null)" "alice-$RUN"
port=$(ws_port "$R")
docker stop -t 1 "workspace-$R" >/dev/null
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(600)' "$port" &
squat=$!
bg_pid "$squat"
check "its port $port is taken while it is stopped" wait_until 10 listening "$port"
out=$(kssh "$T/bob" "$R" 'echo "$WHO_TOKEN"' 2>"$T/err")
check "bob gets in: the workspace was made again, with alice's environment" is "$out" "alice-$RUN"
check "the gateway says why it remade it" contains "$T/main.log" "; making its container again"
check "on another port" eval '[ "$(ws_port "$R")" != "$port" ]'
check "still alice's" is "$(ws_owner "$R")" alice
check "with alice's limits, not bob's 600 MiB" is "$(docker container inspect -f '{{.HostConfig.Memory}}' "workspace-$R")" 0
check "with alice's Docker-in-Docker, not bob's off" \
    eval 'docker container inspect -f "{{.HostConfig.CapAdd}}" "workspace-$R" | grep -q SYS_ADMIN'
check "alice's post-start ran" contains "$T/main.log" "post-start 1 of $R: alice-post-start"
check "bob's did not" lacks "$T/main.log" "post-start 1 of $R: bob-post-start"
check "no replacement container is left" absent container "workspace-$R.remake"
kill "$squat"; wait "$squat" 2>/dev/null

# 5. A remake that cannot finish (no other port) leaves the workspace as it
#    was, still alice's and startable later.
K=$RUN-keep
kport=$(free_port)
gw_start tight "port_min = $kport;" "port_max = $kport;" "accounts_dir = \"$T/accounts\";"
check "alice makes a workspace on the one port there is" is "$(kssh "$T/alice" "$K" 'echo kept > ~/f; echo in' 2>/dev/null)" in
check "on port $kport" is "$(ws_port "$K")" "$kport"
docker stop -t 1 "workspace-$K" >/dev/null
python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(600)' "$kport" &
squat=$!
bg_pid "$squat"
check "its port is taken" wait_until 10 listening "$kport"
out=$(kssh "$T/alice" "$K" echo in 2>"$T/err")
check "it cannot start nor be made again: told so" \
    refused "$out" "$T/err" "wsgate: workspace '$K' could not be started"
check "the workspace is as it was: its container" is "$(state "$K")" exited
check "alice's" is "$(ws_owner "$K")" alice
check "on its volumes" is "$(mounts "$K")" "workspace-$K workspace-$K.docker "
check "no replacement container is left" absent container "workspace-$K.remake"
kill "$squat"; wait "$squat" 2>/dev/null
check "the port is free again" wait_until 10 not listening "$kport"
check "later it starts, data intact" is "$(kssh "$T/alice" "$K" 'cat ~/f' 2>/dev/null)" kept

# The audit log: bob entered only his own workspace and the one the access
# list opened for him.
check "bob was let into proj-docker and remake only" \
    is "$(grep 'event=auth .*account=bob .*result=accepted' "$T/audit.log" | grep -o 'workspace=[^ ]*' | sort -u | tr '\n' ' ')" \
    "workspace=$P-docker workspace=$R "
finish
