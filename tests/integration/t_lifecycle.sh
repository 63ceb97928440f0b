#!/bin/bash
# Workspaces come to the person: created when missing (volume, port, labels),
# started when stopped, unpaused when paused; data and port survive; two first
# connections at once make one container; a workspace whose host key does not
# match its pin is refused.
. "$(dirname "$0")/lib.sh"
gw_start main
W=$RUN-life

check "no workspace before the first login" absent container "workspace-$W"
out=$(wssh "$W" 'whoami; hostname; touch /home/workspace/keep; echo ok')
check "first login creates the workspace and lands in it" [ "$out" = "$(printf 'workspace\n%s\nok' "$W")" ]
port=$(ws_port "$W")
check "sshd port from 2200-2400 ($port)" test "$port" -ge 2200 -a "$port" -le 2400
check "port published on 127.0.0.1:$port" [ "$(docker port "workspace-$W" 22/tcp | head -1)" = "127.0.0.1:$port" ]
mount=$(docker container inspect -f '{{ range .Mounts }}{{ .Type }} {{ .Name }} {{ .Destination }};{{ end }}' "workspace-$W" |
    tr ';' '\n' | sort | tr '\n' ';')
check "volumes workspace-$W at /home/workspace and workspace-$W.docker at /var/lib/docker ($mount)" \
    [ "$mount" = ";volume workspace-$W /home/workspace;volume workspace-$W.docker /var/lib/docker;" ]
# Each volume says whose it is: workspace, role and owner.
vlabels() { docker volume inspect -f '{{ index .Labels "org.wsgate.workspace" }}/{{ index .Labels "org.wsgate.role" }}/{{ index .Labels "org.wsgate.owner" }}' "$1"; }
check "the home volume is labelled as $W's, home, tester's" is "$(vlabels "workspace-$W")" "$W/home/tester"
check "the Docker volume is labelled as $W's, docker, tester's" is "$(vlabels "workspace-$W.docker")" "$W/docker/tester"
check "image is workspace:latest" [ "$(docker container inspect -f '{{ .Config.Image }}' "workspace-$W")" = workspace:latest ]
check "container labelled as wsgate's" [ "$(docker container inspect -f '{{ index .Config.Labels "org.wsgate.workspace" }}' "workspace-$W")" = "$W" ]

docker stop -t 2 "workspace-$W" >/dev/null
check "stopped" is "$(state "$W")" exited
out=$(wssh_info "$W" 'ls /home/workspace/keep' 2>"$T/start.err")
msg="wsgate: starting workspace '$W'"
check "login starts a stopped workspace; the file in /home/workspace survived" \
    eval '[ "$out" = /home/workspace/keep ] && contains "$T/start.err" "$msg"'
check "same port after a restart (label)" [ "$(ws_port "$W")" = "$port" ]
check "same port after a restart (published)" [ "$(docker port "workspace-$W" 22/tcp | head -1)" = "127.0.0.1:$port" ]

docker pause "workspace-$W" >/dev/null
check "paused" is "$(state "$W")" paused
check "login unpauses a paused workspace" is "$(wssh "$W" echo awake)" awake
check "it is running again" is "$(state "$W")" running

# Two (here six) people's first connections at the same moment.
C=$RUN-conc
pids=()
for i in 1 2 3 4 5 6; do wssh "$C" hostname > "$T/conc-$i" 2>&1 & pids+=($!); done
wait "${pids[@]}"
for i in 1 2 3 4 5 6; do check "concurrent first connection $i got in" [ "$(cat "$T/conc-$i")" = "$C" ]; done
check "exactly one container made" [ "$(docker ps -aq --filter "name=^workspace-$C\$" | wc -l)" = 1 ]

# Two workspaces never share a port.
p2=$(ws_port "$C")
check "different workspaces, different ports ($port, $p2)" eval '[ -n "$port" ] && [ -n "$p2" ] && [ "$p2" != "$port" ]'

# A workspace whose sshd presents another key than the pinned one is refused.
M=$RUN-pin
wrong="ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBpGxb0UOY7LRmMmAhZ8WRyAg7Ozz9sJ1Y2h6Ehw6Z3U"
mport=$(free_port)
docker run -d --name "workspace-$M" --label "org.wsgate.workspace=$M" --label "org.wsgate.owner=tester" --label "org.wsgate.port=$mport" \
    --label "org.wsgate.hostkey=$wrong" -e "WSGATE_USER_CA=$(cut -d' ' -f1,2 "$T/user_ca.pub")" -e "WSGATE_PRINCIPAL=workspace-$M" \
    -p "127.0.0.1:$mport:22" workspace:latest >/dev/null; rc=$?
check "a workspace with another key than its pin runs ($rc)" [ "$rc" = 0 ]
# (no wait for its sshd: the gateway itself retries until sshd_wait_timeout)
out=$(wssh_info "$M" echo in 2>"$T/err"); rc=$?
msg="wsgate: workspace '$M': the server on port $mport does not have the workspace's host key; refusing to connect"
check "host key mismatch refused and explained (rc $rc)" eval '[ "$rc" = 255 ] && [ -z "$out" ] && contains "$T/err" "$msg"'
finish
