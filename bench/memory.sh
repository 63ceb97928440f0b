#!/bin/bash
# Memory held per concurrent session: N idle sessions (`sleep`) through
# wsgate, and the same N through an OpenSSH jump host (ProxyJump), measured as
# the proportional set size (PSS) of the gateway's or the jump sshd's
# processes. Prints totals and per-session figures.
#   bench/memory.sh [--sessions N]     (default 100; loopback only)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
WSGATE_BIN=${WSGATE_BIN:-$top/build/wsgate}
N=100
[ "${1:-}" = --sessions ] && N=$2
T=$(mktemp -d /tmp/wsgate-mem.XXXXXX)
NAME=mem$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
pids=()
cleanup() {
    pkill -f "$T/ssh_config" 2>/dev/null || true
    for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
    docker rm -f "workspace-$NAME" >/dev/null 2>&1 || true
    docker volume rm -f "workspace-$NAME" >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
# Sum of PSS (kB) over a process and all its descendants.
pss_tree() {
    local total=0 p
    for p in $1 $(pgrep -P "$1"; for c in $(pgrep -P "$1"); do pgrep -P "$c"; done); do
        total=$(( total + $(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0) ))
    done
    echo "$total"
}

ssh-keygen -q -t ed25519 -N '' -f "$T/id"
cp "$T/id.pub" "$T/authorized_keys"
cat > "$T/ssh_config" <<CONF
Host *
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    IdentityFile $T/id
    IdentitiesOnly yes
    BatchMode yes
    LogLevel ERROR
CONF
gport=$(free_port)
printf 'listen_port = %s;\nhost_key = "%s/host_key";\nclient_key = "%s/id";\nauthorized_keys = "%s/authorized_keys";\nlog_level = "warn";\nmax_startups = 1000;\n' \
    "$gport" "$T" "$T" "$T" > "$T/wsgate.conf"
"$WSGATE_BIN" -f "$T/wsgate.conf" 2>"$T/wsgate.log" & gw=$!; pids+=($gw)
wait_port "$gport"
jport=$(free_port)
ssh-keygen -q -t ed25519 -N '' -f "$T/jump_host_key"
printf 'Port %s\nListenAddress 127.0.0.1\nHostKey %s/jump_host_key\nPidFile %s/sshd.pid\nAuthorizedKeysFile %s/authorized_keys\nStrictModes no\nPermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\nAllowTcpForwarding yes\nMaxStartups 1000\nMaxSessions 1000\n' \
    "$jport" "$T" "$T" "$T" > "$T/sshd_config"
mkdir -p /run/sshd
/usr/sbin/sshd -D -e -f "$T/sshd_config" 2>"$T/sshd.log" & jump=$!; pids+=($jump)
wait_port "$jport"
S=(ssh -F "$T/ssh_config")
"${S[@]}" -p "$gport" "$NAME@127.0.0.1" true
wport=$(docker inspect -f '{{ index .Config.Labels "org.wsgate.port" }}' "workspace-$NAME")

open_sessions() {  # $1 = the hop's pid; then ssh arguments before the command
    local hop=$1 i; shift
    for i in $(seq "$N"); do "${S[@]}" "$@" 'sleep 120' </dev/null >/dev/null 2>&1 & sleep 0.1; done
    for i in $(seq 120); do [ "$(pgrep -P "$hop" | wc -l)" -ge "$N" ] && break; sleep 0.5; done
    sleep 2
}
base_gw=$(pss_tree "$gw")
open_sessions "$gw" -p "$gport" "$NAME@127.0.0.1"
up_gw=$(pgrep -P "$gw" | wc -l)
pss_gw=$(pss_tree "$gw")
pkill -f -- "-p $gport $NAME@127.0.0.1" || true
sleep 2
base_j=$(pss_tree "$jump")
open_sessions "$jump" -J "root@127.0.0.1:$jport" -p "$wport" workspace@127.0.0.1
up_j=$(pgrep -P "$jump" | wc -l)
pss_j=$(pss_tree "$jump")

echo "memory for $N idle sessions (PSS of the middle hop's processes)"
printf '%-10s %9s %12s %16s\n' hop sessions "total MiB" "per session KiB"
printf '%-10s %9s %12s %16s\n' wsgate "$up_gw" "$(awk -v a="$pss_gw" 'BEGIN {printf "%.1f", a/1024}')" "$(( (pss_gw - base_gw) / (up_gw > 0 ? up_gw : 1) ))"
printf '%-10s %9s %12s %16s\n' proxyjump "$up_j" "$(awk -v a="$pss_j" 'BEGIN {printf "%.1f", a/1024}')" "$(( (pss_j - base_j) / (up_j > 0 ? up_j : 1) ))"
echo "wsgate / proxyjump per session: $(awk -v a="$((pss_gw - base_gw))" -v na="$up_gw" -v b="$((pss_j - base_j))" -v nb="$up_j" 'BEGIN {printf "%.2f", (a/na)/(b/nb)}')"
