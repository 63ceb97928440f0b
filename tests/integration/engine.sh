# A private Docker engine for the tests that stop, kill or sweep an engine:
# Debian's dockerd with its own data root, exec root, socket, pid file and
# bridge, so that stopping it never touches the host's engine or anyone's
# workspaces there. Its image store is kept between runs (the workspace image
# is loaded into it only when the host's image changed).
#   bash tests/integration/engine.sh up|down     (the ctest fixture)
# or sourced: pe_up, pe_kill SIGNAL, pe_down, pe_alive.
PE_DATA=/var/lib/wsgate-test-engine
PE_EXEC=/run/wsgate-te              # short: containerd's socket paths live below it
PE_SOCK=/run/wsgate-te.sock
PE_PIDFILE=/run/wsgate-te.pid
PE_LOG=/var/log/wsgate-test-engine.log
PE_BRIDGE=wsgte0
PE_NET=10.213.77.1/24

pe_docker() { docker -H "unix://$PE_SOCK" "$@"; }
pe_alive() { pe_docker info >/dev/null 2>&1; }
# pe_pid: the private dockerd's pid, if the pid file names our dockerd (a
# stale file's pid may belong to someone else by now).
pe_pid() {
    local p
    p=$(cat "$PE_PIDFILE" 2>/dev/null) || return 0
    tr '\0' ' ' < "/proc/$p/cmdline" 2>/dev/null | grep -q -- "dockerd .*--pidfile $PE_PIDFILE" && echo "$p"
    return 0
}
# pe_start PID: when the process started (jiffies since boot), or nothing.
pe_start() { sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $20}'; }
# pe_gone PID [START]: the process has ended: no such pid, a zombie, or (pids
# get reused on a busy machine) another process that started at another time.
pe_gone() {
    local st
    st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null) || return 0
    [ -n "$st" ] || return 0
    set -- "$1" "${2:-}" $st
    [ "$3" = Z ] && return 0
    [ -n "$2" ] && [ "${22}" != "$2" ] && return 0
    return 1
}

# Our containerd and its shims carry our exec root in their command lines:
# they are ended by that path, never by name across the host. A killed one
# may stay a zombie for a while (nobody reaps it at once), and dockerd takes
# a live pid in containerd.pid as a running containerd: the pid file goes.
pe_reap() {
    local i p left pids
    # ... and its port proxies, by our bridge's container addresses.
    pids=$(pgrep -f -- "$PE_EXEC/containerd|docker-proxy .*-container-ip ${PE_NET%.*}\.")
    [ -n "$pids" ] && kill -KILL $pids 2>/dev/null
    for i in $(seq 50); do
        left=
        for p in $pids; do
            [ -e "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && left="$left $p"
        done
        [ -z "$left" ] && break
        sleep 0.1
    done
    [ -z "$left" ] || { echo "engine.sh: containerd processes$left under $PE_EXEC did not end" >&2; return 1; }
    rm -f "$PE_EXEC/containerd/containerd.pid"
}

# pe_up: the private engine answers, with the workspace image in it.
pe_up() {
    local i want have
    if ! pe_alive; then
        ip link show "$PE_BRIDGE" >/dev/null 2>&1 || {
            ip link add "$PE_BRIDGE" type bridge &&
            ip addr add "$PE_NET" dev "$PE_BRIDGE" &&
            ip link set "$PE_BRIDGE" up
        } || { echo "engine.sh: cannot make bridge $PE_BRIDGE" >&2; return 1; }
        # A previous engine of ours that died hard: end what it left.
        [ -n "$(pe_pid)" ] || rm -f "$PE_PIDFILE"
        pe_reap || return 1
        mkdir -p "$PE_DATA" "$PE_EXEC"
        setsid nohup env -u WSGATE_TEST_RUN dockerd --data-root "$PE_DATA" --exec-root "$PE_EXEC" --pidfile "$PE_PIDFILE" \
            -H "unix://$PE_SOCK" --bridge "$PE_BRIDGE" --iptables=false --ip6tables=false \
            --ip-masq=false --storage-driver=overlay2 --cgroup-parent=wsgate-test-engine \
            >>"$PE_LOG" 2>&1 </dev/null 8>&- &
        for i in $(seq 300); do pe_alive && break; sleep 0.2; done
        pe_alive || { echo "engine.sh: the private dockerd did not start; see $PE_LOG" >&2; tail -5 "$PE_LOG" >&2; return 1; }
    fi
    want=$(docker image inspect -f '{{.Id}}' workspace:latest 2>/dev/null) ||
        { echo "engine.sh: the host has no workspace:latest (scripts/setup.sh builds it)" >&2; return 1; }
    have=$(pe_docker image inspect -f '{{.Id}}' workspace:latest 2>/dev/null)
    if [ "$want" != "$have" ]; then
        echo "engine.sh: loading workspace:latest into the private engine" >&2
        docker save workspace:latest | pe_docker load >/dev/null || return 1
    fi
}

# pe_kill SIGNAL: sends SIGNAL to the private dockerd and waits for it to be
# gone (bounded); after SIGKILL also ends its containerd and shims, as a
# machine whose engine crashed would have them end.
pe_kill() {
    local sig=$1 pid i start
    pid=$(pe_pid)
    [ -n "$pid" ] || { echo "engine.sh: no pid file $PE_PIDFILE" >&2; return 1; }
    start=$(pe_start "$pid")
    kill "-$sig" "$pid" 2>/dev/null || return 1
    for i in $(seq 600); do pe_gone "$pid" "$start" && break; sleep 0.1; done
    pe_gone "$pid" "$start" || { echo "engine.sh: dockerd $pid did not end on $sig in 60 s (state $(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null), in $(cat "/proc/$pid/wchan" 2>/dev/null))" >&2; return 1; }
    [ "$sig" = KILL ] && { rm -f "$PE_PIDFILE"; pe_reap || return 1; }
    return 0
}

# pe_down: stops the private engine and removes its bridge; keeps its images.
pe_down() {
    if [ -n "$(pe_pid)" ] && ! pe_gone "$(pe_pid)"; then
        pe_docker ps -aq | xargs -r docker -H "unix://$PE_SOCK" rm -f >/dev/null 2>&1
        pe_kill TERM || pe_kill KILL
    fi
    pe_reap
    ip link del "$PE_BRIDGE" 2>/dev/null
    return 0
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    case ${1:-} in
    up) pe_up ;;
    down) pe_down ;;
    *) echo "usage: $0 up|down" >&2; exit 2 ;;
    esac
fi
