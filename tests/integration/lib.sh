# Shared by the integration tests: private gateways on free loopback ports, a
# client key, TAP-like checks, and cleanup of every container and volume the
# test made (their names start with workspace-$RUN).
set -uo pipefail
: "${WSGATE_BIN:?set WSGATE_BIN to the wsgate binary}" "${WSGATE_SRC:?set WSGATE_SRC to the source tree}"

T=$(mktemp -d /tmp/wsgate-it.XXXXXX)
RUN=t$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
PASS=0
FAIL=0
GW_PIDS=()
GW_LOGS=()

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds.
check() { local d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }
# contains FILE TEXT: the file holds the text (shown when it does not).
contains() { grep -qF -- "$2" "$1" || { echo "# expected '$2' in $1:"; sed 's/^/#   /' "$1" | tail -5; return 1; }; }

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

ssh-keygen -q -t ed25519 -N '' -f "$T/id" -C "it-$RUN"
# The tests log in as account "tester" (its key file in the key directory).
mkdir -p "$T/keys"
cp "$T/id.pub" "$T/keys/tester"
ssh-keygen -q -t ed25519 -N '' -f "$T/stranger" -C "stranger"

# gw_start NAME [CONFIG LINE...]: starts a gateway; sets GW_PORT. All
# gateways of a test share the client key, so they reach the same workspaces.
gw_start() {
    local name=$1; shift
    local port; port=$(free_port)
    {
        echo "listen_port = $port;"
        echo "host_key = \"$T/host_key\";"
        echo "client_key = \"$T/client_key\";"
        echo "keys_dir = \"$T/keys\";"
        echo "log_level = \"debug\";"
        # Tests fail logins on purpose from 127.0.0.1; penalties get their own test.
        case "$*" in *penalty_authfail*) ;; *) echo "penalty_authfail = 0;" ;; esac
        printf '%s\n' "$@"
    } > "$T/$name.conf"
    "$WSGATE_BIN" -f "$T/$name.conf" > "$T/$name.log" 2>&1 &
    GW_PIDS+=($!)
    GW_LOGS+=("$T/$name.log")
    for _ in $(seq 100); do
        (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && { GW_PORT=$port; return 0; }
        sleep 0.1
    done
    echo "# gateway $name did not start:"; sed 's/^/#   /' "$T/$name.log"
    return 1
}

SSH_OPTS=(-F /dev/null -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
          -o BatchMode=yes -o IdentitiesOnly=yes -o ConnectTimeout=20)
# wssh NAME [COMMAND...]: ssh NAME@gateway through the last started gateway,
# bounded in time so that a hang fails the check instead of the suite.
wssh() { local n=$1; shift; timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l "$n" 127.0.0.1 "$@"; }
# wssh_info: the same, but showing banners (wsgate's messages) on stderr.
wssh_info() { local n=$1; shift; timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/id" -p "$GW_PORT" -l "$n" 127.0.0.1 "$@"; }

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
# ws_owner NAME: the owner label of workspace-NAME.
ws_owner() { docker inspect -f '{{ index .Config.Labels "org.wsgate.owner" }}' "workspace-$1"; }

# ws ARGS...: the ws command with the main gateway's settings.
WS_BIN=$(dirname "$WSGATE_BIN")/ws
ws() { timeout 120 "$WS_BIN" -f "$T/main.conf" "$@"; }

# whole_or_nothing NAME: after an interrupted create, workspace-NAME is either
# whole (labels, both volumes, and it starts and lets tester in) or absent
# with no volume left.
whole_or_nothing() {
    local n=$1
    if docker inspect "workspace-$n" >/dev/null 2>&1; then
        [ -n "$(docker inspect -f '{{ index .Config.Labels "org.wsgate.hostkey" }}' "workspace-$n")" ] &&
        [ "$(ws_owner "$n")" = tester ] &&
        docker volume inspect "workspace-$n" "workspace-$n-docker" >/dev/null &&
        ws start "$n" >"$T/won.out" 2>&1 && [ "$(wssh "$n" echo in)" = in ] && return 0
        echo "# workspace-$n: $(docker inspect -f '{{.State.Status}} {{.State.Error}}' "workspace-$n" 2>&1)"
        sed 's/^/#   /' "$T/won.out"
        return 1
    else
        ! docker volume inspect "workspace-$n" >/dev/null 2>&1 &&
        ! docker volume inspect "workspace-$n-docker" >/dev/null 2>&1 && return 0
        echo "# no workspace-$n, but volumes: $(docker volume ls -q --filter "name=workspace-$n" | tr '\n' ' ')"
        return 1
    fi
}

# Direct connection to a workspace's sshd, as the gateway makes it.
ws_port() { docker inspect -f '{{ index .Config.Labels "org.wsgate.port" }}' "workspace-$1"; }
dssh() {
    local name=$1; shift
    local port; port=$(ws_port "$name")
    echo "[127.0.0.1]:$port $(docker inspect -f '{{ index .Config.Labels "org.wsgate.hostkey" }}' "workspace-$name")" > "$T/known_$name"
    timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -o UserKnownHostsFile="$T/known_$name" -o StrictHostKeyChecking=yes \
        -i "$T/client_key" -p "$port" workspace@127.0.0.1 "$@"
}

# Largest resident set (kB) among a gateway's processes.
gw_max_rss() {
    local max=0 p r
    for p in $(pgrep -f "$WSGATE_BIN -f $T/"); do
        r=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
        [ "${r:-0}" -gt "$max" ] && max=$r
    done
    echo "$max"
}

# on_exit COMMAND...: run at cleanup (host accounts, PAM files a test made).
EXIT_HOOKS=()
on_exit() { EXIT_HOOKS+=("$*"); }

cleanup() {
    local p h
    for h in "${EXIT_HOOKS[@]}"; do eval "$h" >/dev/null 2>&1; done
    for p in "${GW_PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    docker ps -aq --filter "name=^workspace-$RUN" | xargs -r docker rm -f >/dev/null 2>&1
    docker volume ls -q --filter "name=^workspace-$RUN" | xargs -r docker volume rm -f >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT

# finish: sanitizer reports in any gateway log fail the test; prints the tally.
finish() {
    local log
    for p in "${GW_PIDS[@]}"; do pkill -P "$p" 2>/dev/null; kill "$p" 2>/dev/null; done
    sleep 0.5
    for log in "${GW_LOGS[@]}"; do
        if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
            not_ok "no sanitizer report in $(basename "$log")"
            grep -E -A20 'Sanitizer|runtime error' "$log" | head -40 | sed 's/^/#   /'
        fi
    done
    echo "$PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
    exit $?
}
