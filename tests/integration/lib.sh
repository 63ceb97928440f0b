# Shared by the integration tests: private gateways on free loopback ports, a
# client key, TAP-like checks that cannot pass by accident, sanitizer reports
# from every process, and a finish that proves the test left nothing behind
# (containers, volumes, processes).
set -uo pipefail
: "${WSGATE_BIN:?set WSGATE_BIN to the wsgate binary}" "${WSGATE_SRC:?set WSGATE_SRC to the source tree}"

# One integration test at a time on this host, whichever tree runs it: they
# share the engine, the port range and the private engine's paths.
exec 8>/run/lock/wsgate-it.lock
flock -w 1800 8 || { echo "not ok - another wsgate test run held the host for 30 min"; exit 1; }

T=$(mktemp -d /tmp/wsgate-it.XXXXXX)
RUN=t$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
PASS=0
FAIL=0
GW_PIDS=()
GW_LOGS=()
# Every process the test starts inherits this; finish looks for strays by it.
export WSGATE_TEST_RUN=$RUN

# Sanitizer reports from every process (gateway, its children, ws, direct
# wsgate runs) go to files here, whoever the process runs as by then.
SAN=$(mktemp -d /tmp/wsgate-san.XXXXXX)
chmod 1777 "$SAN"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN/asan:handle_abort=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SAN/ubsan"

. "$(dirname "${BASH_SOURCE[0]}")/checks.sh"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# listening PORT: something accepts on 127.0.0.1:PORT.
listening() { (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

ssh-keygen -q -t ed25519 -N '' -f "$T/id" -C "it-$RUN"
# The tests log in as account "tester" (its key file in the key directory).
mkdir -p "$T/keys"
cp "$T/id.pub" "$T/keys/tester"
ssh-keygen -q -t ed25519 -N '' -f "$T/stranger" -C "stranger"

# The engine the test uses: the host's, or (WS_PRIVATE_ENGINE=1 before
# sourcing this) a private one that the test may stop and kill (engine.sh).
DOCKER_SOCK=/var/run/docker.sock
GW_EXTRA=()
PE_STARTED=0
if [ "${WS_PRIVATE_ENGINE:-0}" = 1 ]; then
    . "$WSGATE_SRC/tests/integration/engine.sh"
    pe_alive || PE_STARTED=1
    pe_up || { echo "not ok - the private Docker engine starts"; exit 1; }
    export DOCKER_HOST=unix://$PE_SOCK
    DOCKER_SOCK=$PE_SOCK
    # Ports of its own, away from the host engine's workspaces.
    GW_EXTRA=("port_min = 2380;" "port_max = 2400;")
fi
# engine_ok: the Docker engine answers; says so loudly when it does not.
engine_ok() { docker info >/dev/null 2>&1 || { echo "# the Docker engine does not answer (${DOCKER_HOST:-default socket})"; return 1; }; }
# absent KIND NAME: the engine answers and has no container/volume NAME.
absent() {
    local err
    engine_ok || return 1
    if err=$(docker "$1" inspect "$2" 2>&1 >/dev/null); then echo "# $1 $2 exists"; return 1; fi
    case $err in *"No such"*|*"no such"*) return 0 ;; esac
    echo "# docker $1 inspect $2: $err"
    return 1
}
# present KIND NAME: the engine has the container/volume NAME.
present() { docker "$1" inspect "$2" >/dev/null 2>&1 || { engine_ok; echo "# no $1 $2"; return 1; }; }
# state NAME: workspace-NAME's state (running, exited, …), or nothing.
state() { docker container inspect -f '{{.State.Status}}' "workspace-$1" 2>/dev/null; }
# label NAME KEY: a label of workspace-NAME's container.
label() { docker container inspect -f "{{ index .Config.Labels \"$2\" }}" "workspace-$1"; }
# ws_owner NAME: the owner label of workspace-NAME.
ws_owner() { label "$1" org.wsgate.owner; }
ws_port() { label "$1" org.wsgate.port; }

# gw_start NAME [CONFIG LINE...]: starts a gateway; sets GW_PORT and GW_PID.
# All gateways of a test share the client key, so they reach the same
# workspaces. A gateway that does not come up fails the test and ends it.
gw_start() {
    local name=$1 port pid; shift
    port=$(free_port)
    {
        echo "listen_port = $port;"
        echo "host_key = \"$T/host_key\";"
        case "$*" in *user_ca_key*) ;; *) echo "user_ca_key = \"$T/user_ca\";" ;; esac
        case "$*" in *client_key*) ;; *) echo "client_key = \"$T/client_key\";" ;; esac
        echo "keys_dir = \"$T/keys\";"
        case "$*" in *docker_socket*) ;; *) echo "docker_socket = \"$DOCKER_SOCK\";" ;; esac
        echo "log_level = \"debug\";"
        [ ${#GW_EXTRA[@]} -eq 0 ] || printf '%s\n' "${GW_EXTRA[@]}"
        # Tests fail logins on purpose from 127.0.0.1; penalties get their own test.
        case "$*" in *penalty_authfail*) ;; *) echo "penalty_authfail = 0;" ;; esac
        case "$*" in *penalty_grace*) ;; *) echo "penalty_grace = 0;" ;; esac
        case "$*" in *penalty_crash*) ;; *) echo "penalty_crash = 0;" ;; esac
        printf '%s\n' "$@"
    } > "$T/$name.conf"
    "$WSGATE_BIN" -f "$T/$name.conf" > "$T/$name.log" 2>&1 8>&- &
    pid=$!
    GW_PIDS+=("$pid")
    GW_LOGS+=("$T/$name.log")
    for _ in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        # Our listener, not another process that took the port meanwhile.
        if listening "$port" && grep -q "listening on .* port $port" "$T/$name.log"; then
            GW_PORT=$port GW_PID=$pid
            return 0
        fi
        sleep 0.1
    done
    not_ok "gateway $name starts"
    sed 's/^/#   /' "$T/$name.log"
    finish
}
# proc_gone PID: the process has ended (a zombie has).
proc_gone() { [ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }
# gw_stop PID: stops one gateway as a service manager would (SIGTERM to it
# and its connections), waits for all of them, and fails unless the listener
# ended normally (exit 0); kills what lingers.
GW_STOPPED=" "
all_gone() { local p; for p in "$@"; do proc_gone "$p" || return 1; done; }
gw_stop() {
    local p=$1 kids rc
    kids=$(pgrep -P "$p" | tr '\n' ' ')
    GW_STOPPED="$GW_STOPPED$p "
    kill "$p" $kids 2>/dev/null
    if ! wait_until 10 all_gone "$p" $kids; then
        not_ok "gateway $p and its connections end on SIGTERM within 10 s"
        kill -9 "$p" $kids 2>/dev/null
        wait "$p" 2>/dev/null
        return 1
    fi
    wait "$p" 2>/dev/null; rc=$?
    [ "$rc" = 0 ] || { not_ok "gateway $p ended normally on SIGTERM (exit $rc)"; return 1; }
}

SSH_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=20)
# wssh NAME [COMMAND...]: ssh NAME@gateway through the last started gateway,
# bounded in time so that a hang fails the check instead of the suite.
wssh() { local n=$1; shift; timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$n" 127.0.0.1 "$@"; }
# wssh_info: the same, but showing banners (wsgate's messages) on stderr.
wssh_info() { local n=$1; shift; timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/id" -p "$GW_PORT" -l "$n" 127.0.0.1 "$@"; }

# fwd TAG LOGIN SSH-ARGS...: a forwarding connection in the background
# (ssh -f -N, ExitOnForwardFailure) through the last gateway; the client's
# messages go to $T/fwd-TAG.log. It is a control master, so that cleanup ends
# exactly this one (ssh -O exit), and ssh -O can add or cancel forwards.
fwd() {
    local tag=$1 login=$2 rc; shift 2
    timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/id" -p "$GW_PORT" -l "$login" \
        -o ControlMaster=yes -o ControlPath="$T/fwd-$tag" -o ExitOnForwardFailure=yes \
        -E "$T/fwd-$tag.log" -f -N "$@" 127.0.0.1 </dev/null
    rc=$?
    # (stopping the gateway usually ends it first; a leftover is a stray)
    on_exit "ssh -o ControlPath='$T/fwd-$tag' -O exit x 2>/dev/null; true"
    return $rc
}
# fwd_ctl TAG SSH-ARGS...: ssh -O … on the fwd connection TAG.
fwd_ctl() { local tag=$1; shift; timeout 20 ssh "${SSH_OPTS[@]}" -o ControlPath="$T/fwd-$tag" "$@" x; }

# kssh KEY LOGIN [COMMAND...]: ssh LOGIN@gateway with the key file KEY,
# showing wsgate's messages on stderr.
kssh() { local k=$1 l=$2; shift 2; timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$k" -p "$GW_PORT" -l "$l" 127.0.0.1 "$@"; }
# pwssh METHOD LOGIN PASSWORD [COMMAND...]: a password login as a person
# types it (METHOD password or keyboard-interactive), through SSH_ASKPASS.
pwssh() {
    local m=$1 l=$2 pw=$3; shift 3
    printf '#!/bin/sh\nprintf "%%s\\n" "$WS_TEST_PW"\n' > "$T/askpass"; chmod +x "$T/askpass"
    WS_TEST_PW=$pw SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 \
    timeout 120 ssh -F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o LogLevel=INFO -o PreferredAuthentications="$m" -o PubkeyAuthentication=no \
        -o NumberOfPasswordPrompts=1 -o ConnectTimeout=20 -p "$GW_PORT" -l "$l" 127.0.0.1 "$@" </dev/null
}

# ws ARGS...: the ws command with the main gateway's settings.
WS_BIN=$(dirname "$WSGATE_BIN")/ws
ws() { timeout 120 "$WS_BIN" -f "$T/main.conf" "$@"; }

# whole_or_nothing NAME: after an interrupted create, workspace-NAME is either
# whole (labels, both volumes, and it starts and lets tester in), or absent
# with no volume left, or an orphan: tester's labelled volumes without a
# container, which ws list shows as orphaned and ws start makes whole. The
# engine must answer: a dead engine is no verdict.
whole_or_nothing() {
    local n=$1
    engine_ok || return 1
    if present container "workspace-$n" 2>/dev/null; then
        [ -n "$(label "$n" org.wsgate.hostkey)" ] &&
        [ "$(ws_owner "$n")" = tester ] &&
        present volume "workspace-$n" && present volume "workspace-$n.docker" &&
        ws start "$n" >"$T/won.out" 2>&1 && [ "$(wssh "$n" echo in)" = in ] && { echo "# $n: whole"; return 0; }
        echo "# workspace-$n: $(docker container inspect -f '{{.State.Status}} {{.State.Error}}' "workspace-$n" 2>&1)"
        sed 's/^/#   /' "$T/won.out" 2>/dev/null
        return 1
    fi
    absent volume "workspace-$n" && absent volume "workspace-$n.docker" && { echo "# $n: nothing"; return 0; }
    # An orphan: tester's, listed as such, and ws start makes it whole.
    local o
    for o in "workspace-$n" "workspace-$n.docker"; do
        present volume "$o" 2>/dev/null || continue
        [ "$(docker volume inspect -f '{{ index .Labels "org.wsgate.workspace" }}/{{ index .Labels "org.wsgate.owner" }}' "$o")" = "$n/tester" ] ||
            { echo "# volume $o is not labelled as tester's $n"; return 1; }
    done
    "$WS_BIN" -f "$T/main.conf" list | grep -E "^$n +orphaned +- +tester " >/dev/null || { echo "# ws list does not show $n as orphaned"; return 1; }
    ws start "$n" >"$T/won.out" 2>&1 && [ "$(ws_owner "$n")" = tester ] && [ "$(wssh "$n" echo in)" = in ] &&
        { echo "# $n: an orphan, made whole by ws start"; return 0; }
    echo "# orphan $n could not be made whole:"; sed 's/^/#   /' "$T/won.out"
    return 1
}

# cert_for NAME [VALIDITY]: a key of its own with a certificate of the
# gateways' user CA for workspace NAME's principal (ssh-keygen -s, as an
# administrator would); prints the key's path (its -cert.pub beside it).
cert_for() {
    local k="$T/direct-$1"
    rm -f "$k" "$k.pub" "$k-cert.pub"
    ssh-keygen -q -t ed25519 -N '' -f "$k" &&
        ssh-keygen -q -s "$T/user_ca" -I "test direct" -n "workspace-$1" -V "${2:--5m:+10m}" "$k.pub" &&
        echo "$k"
}
# Direct connection to a workspace's sshd, as the gateway makes it.
dssh() {
    local name=$1 port key; shift
    port=$(ws_port "$name")
    key=$(cert_for "$name") || return 1
    echo "[127.0.0.1]:$port $(label "$name" org.wsgate.hostkey)" > "$T/known_$name"
    timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -o UserKnownHostsFile="$T/known_$name" -o StrictHostKeyChecking=yes \
        -i "$key" -p "$port" workspace@127.0.0.1 "$@"
}

# gw_procs [PID]: the pids of a gateway (default: the last one) and of all
# its descendants; fails when the gateway itself is gone.
gw_procs() {
    local root=${1:-$GW_PID} list p
    kill -0 "$root" 2>/dev/null || { echo "# gateway $root is not running" >&2; return 1; }
    list=$root
    for p in $(pgrep -P "$root"); do list="$list $(gw_procs "$p" 2>/dev/null)"; done
    echo $list
}
# gw_max_rss: the largest resident set (kB) among the last gateway's
# processes; fails (prints nothing) when there are none.
gw_max_rss() {
    local max=0 p r procs
    procs=$(gw_procs) || return 1
    for p in $procs; do
        r=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null) || continue
        [ "${r:-0}" -gt "$max" ] && max=$r
    done
    [ "$max" -gt 0 ] && echo "$max"
}

# new_child BEFORE...: the pid of the last gateway's newest child that is not
# among BEFORE (pids), waiting up to 20 s for one; fails when none appears.
new_child() {
    local end=$(( $(date +%s) + 20 )) p
    while [ "$(date +%s)" -le "$end" ]; do
        for p in $(pgrep -P "$GW_PID"); do
            [[ " $* " == *" $p "* ]] || { echo "$p"; return 0; }
        done
        sleep 0.05
    done
    echo "# no new connection process appeared" >&2
    return 1
}
# watched OUT COMMAND...: runs a client COMMAND that opens one connection to
# the last gateway (its output to OUT) and waits up to 90 s for it to end;
# sets CONN to that connection's process. Fails when no connection process
# appears or the client does not end in time.
watched() {
    local out=$1 before pid; shift
    before=$(pgrep -P "$GW_PID" | tr '\n' ' ')
    "$@" > "$out" 2>&1 &
    pid=$!
    bg_pid $pid
    CONN=$(new_child $before) || CONN=
    wait_until 90 proc_gone $pid && [ -n "$CONN" ]
}
# ended_rss PID: the peak RSS (kB) the last gateway logged when its child PID
# ended, waiting up to 30 s for that line; fails (prints nothing) without it.
ended_rss() {
    local log=${GW_LOGS[-1]}
    wait_until 30 grep -q "process $1 ended (" "$log" ||
        { echo "# the gateway never logged the end of process $1" >&2; return 1; }
    sed -n "s/.*process $1 ended (.*peak RSS \([0-9]*\) kB.*/\1/p" "$log" | head -1
}

# on_exit COMMAND...: run at cleanup (host accounts, PAM files, servers a test
# started). Every process a test starts must be ended by it or by a hook.
EXIT_HOOKS=()
on_exit() { EXIT_HOOKS+=("$*"); }
# bg_pid PID: a background process the test started; ended at cleanup.
bg_pid() { on_exit "kill $1 2>/dev/null; wait $1 2>/dev/null; true"; }

# What the engine held before the test: finish checks nothing new is left.
# (wsgate's own objects only: anyone else's on a shared engine are not ours)
ours_containers() { docker ps -aq --no-trunc --filter label=org.wsgate.workspace | sort; }
ours_volumes() { docker volume ls -q --filter label=org.wsgate.workspace | sort; }
engine_ok >/dev/null 2>&1 && {
    ours_containers > "$T/containers.before"
    ours_volumes > "$T/volumes.before"
}

remove_ours() {
    docker ps -aq --filter "name=^workspace-$RUN" | xargs -r docker rm -f >/dev/null 2>&1
    docker volume ls -q --filter "name=^workspace-$RUN" | xargs -r docker volume rm -f >/dev/null 2>&1
}

# Processes (other than the test shell and the subshells asking) that carry
# this run's marker: what the test started and did not end.
strays() {
    python3 - "$RUN" <<'PY'
import os, sys
run, me = sys.argv[1].encode(), os.getpid()
skip = {me}
p = os.getppid()
while p > 1:                      # whoever asks: subshells, the test shell
    skip.add(p)
    try:
        p = int(open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()[1])
    except OSError:
        break
for d in os.listdir("/proc"):
    if not d.isdigit() or int(d) in skip:
        continue
    try:
        env = open(f"/proc/{d}/environ", "rb").read().split(b"\0")
        if b"WSGATE_TEST_RUN=" + run in env:
            cmd = open(f"/proc/{d}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace")
            print(d, cmd[:160])
    except OSError:
        pass
PY
}

CLEANED=0
cleanup() {
    local p h rc
    [ "$CLEANED" = 1 ] && return
    CLEANED=1
    for p in "${GW_PIDS[@]}"; do
        if ! proc_gone "$p"; then
            gw_stop "$p"
        elif [[ "$GW_STOPPED" != *" $p "* ]]; then
            wait "$p" 2>/dev/null; rc=$?
            not_ok "gateway $p ran until the test stopped it (it ended by itself, status $rc)"
        fi
    done
    for h in "${EXIT_HOOKS[@]}"; do eval "$h" >/dev/null 2>&1 || not_ok "cleanup: $h"; done
    engine_ok >/dev/null 2>&1 && remove_ours
}
final_cleanup() {
    cleanup
    # A private engine this test started (not the fixture's) ends with it.
    [ "$PE_STARTED" = 1 ] && pe_down
    local left
    left=$(strays)
    [ -z "$left" ] || kill -9 $(echo "$left" | awk '{print $1}') 2>/dev/null
    if [ -n "${WS_KEEP:-}" ]; then echo "# kept $T and $SAN (WS_KEEP)"; else rm -rf "$T" "$SAN"; fi
}
trap final_cleanup EXIT
# A timeout (ctest's, or timeout(1) around the test) still cleans up.
trap 'exit 143' TERM INT

# finish: stops the gateways (their connections end normally, so
# LeakSanitizer runs in each), ends what the test registered, then fails the
# test for any sanitizer report, any container or volume it left, and any
# process it started and did not end; prints the tally and exits.
# san_clean: no sanitizer report so far (in $SAN or a gateway's log); says
# which when there is one.
san_clean() {
    local f log
    for f in "$SAN"/*; do
        [ -e "$f" ] || continue
        echo "# sanitizer report $(basename "$f"):"; head -20 "$f" | sed 's/^/#   /'
        return 1
    done
    for log in "${GW_LOGS[@]}"; do
        grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log" || continue
        grep -E -A10 'Sanitizer|runtime error' "$log" | head -20 | sed 's/^/#   /'
        return 1
    done
}
finish() {
    local log f left
    trap - EXIT
    cleanup
    # Clients the test ended may take a moment to go.
    wait_until 5 eval '[ -z "$(strays)" ]'
    left=$(strays)
    if [ -n "$left" ]; then
        not_ok "the test left no process behind"
        echo "$left" | sed 's/^/#   /'
    fi
    if [ -f "$T/containers.before" ]; then
        if engine_ok; then
            left=$(comm -13 "$T/containers.before" <(ours_containers))
            [ -z "$left" ] || { not_ok "the test left no container behind"; docker ps -a --filter "id=${left%%$'\n'*}" | sed 's/^/#   /'; }
            left=$(comm -13 "$T/volumes.before" <(ours_volumes))
            [ -z "$left" ] || { not_ok "the test left no volume behind"; echo "$left" | sed 's/^/#   /'; }
        else
            not_ok "the engine answers at the end (leftovers cannot be checked)"
        fi
    fi
    for f in "$SAN"/*; do
        [ -e "$f" ] || continue
        not_ok "no sanitizer report ($(basename "$f"))"
        head -40 "$f" | sed 's/^/#   /'
    done
    for log in "${GW_LOGS[@]}"; do
        if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
            not_ok "no sanitizer report in $(basename "$log")"
            grep -E -A20 'Sanitizer|runtime error' "$log" | head -40 | sed 's/^/#   /'
        fi
        # The listener logs a child that crashed or ended abnormally.
        if grep -qE 'error: process [0-9]+ (died of signal|ended with status)' "$log"; then
            not_ok "no gateway process crashed ($(basename "$log"))"
            grep -E 'error: process [0-9]+ (died of signal|ended with status)' "$log" | head -5 | sed 's/^/#   /'
        fi
    done
    echo "$PASS passed, $FAIL failed"
    final_cleanup
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
    exit $?
}
