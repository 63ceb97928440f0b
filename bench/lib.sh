# Shared by the bench scripts: one key for every hop, a wsgate, an OpenSSH jump
# host on loopback and a running workspace, so that paths differ only in their
# route. After hops_up: S (ssh command), gport/gw (wsgate), jport/jump (sshd),
# wport (the workspace's sshd), NAME. Everything is removed on exit.
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WSGATE_BIN=${WSGATE_BIN:-$top/build/wsgate}
T=$(mktemp -d /tmp/wsgate-bench.XXXXXX)
NAME=bench$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')
pids=()
cleanup() {
    pkill -f "$T/ssh_config" 2>/dev/null || true
    for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
    docker rm -f "workspace-$NAME" >/dev/null 2>&1 || true
    docker volume rm -f "workspace-$NAME" "workspace-$NAME.docker" >/dev/null 2>&1 || true
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM   # so that cleanup runs
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# hops_up [EXTRA WSGATE SETTING] [EXTRA SSHD SETTING]
hops_up() {
    ssh-keygen -q -t ed25519 -N '' -f "$T/id"
    cp "$T/id.pub" "$T/authorized_keys"
    mkdir -p "$T/keys" && cp "$T/id.pub" "$T/keys/bench"
    cat > "$T/ssh_config" <<CONF
Host *
    StrictHostKeyChecking no
    UserKnownHostsFile /dev/null
    IdentityFile $T/id
    IdentitiesOnly yes
    BatchMode yes
    LogLevel ERROR
    # The key exchange each client would use (BENCH_KEX "default": OpenSSH
    # 9.2 picks sntrup761x25519-sha512 on every hop, as wsgate
    # does to the workspace) or the one named; one cipher (BENCH_CIPHER;
    # "default" lets each client pick).
$( [ "${BENCH_KEX:-default}" = default ] || echo "    KexAlgorithms ${BENCH_KEX}")
$( [ "${BENCH_CIPHER:-aes128-gcm@openssh.com}" = default ] || echo "    Ciphers ${BENCH_CIPHER:-aes128-gcm@openssh.com}")
CONF
    # The gateway. Its user CA also certifies the bench key for the
    # workspace (below), so that the direct and ProxyJump routes get in.
    gport=$(free_port)
    cat > "$T/wsgate.conf" <<CONF
listen_port = $gport;
host_key = "$T/host_key";
user_ca_key = "$T/ca";
keys_dir = "$T/keys";
log_level = "info";
${1:-}
CONF
    "$WSGATE_BIN" -f "$T/wsgate.conf" 2>"$T/wsgate.log" &
    gw=$!
    pids+=("$gw")
    wait_port "$gport"

    # The jump host: a plain OpenSSH sshd on loopback.
    jport=$(free_port)
    ssh-keygen -q -t ed25519 -N '' -f "$T/jump_host_key"
    cat > "$T/sshd_config" <<CONF
Port $jport
ListenAddress 127.0.0.1
HostKey $T/jump_host_key
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
AllowTcpForwarding yes
${2:-}
CONF
    mkdir -p /run/sshd
    /usr/sbin/sshd -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
    jump=$!
    pids+=("$jump")
    wait_port "$jport"

    S=(ssh -F "$T/ssh_config")
    "${S[@]}" -p "$gport" "$NAME@127.0.0.1" true   # creates and starts the workspace
    wport=$(docker container inspect -f '{{ index .Config.Labels "org.wsgate.port" }}' "workspace-$NAME")
    # IdentityFile $T/id picks up $T/id-cert.pub by itself.
    ssh-keygen -q -s "$T/ca" -I bench -n "workspace-$NAME" -V -5m:+12h "$T/id.pub"
}
