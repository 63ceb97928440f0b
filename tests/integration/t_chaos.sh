#!/bin/bash
# Random creates, remakes, engine crashes, stops and deletes of a few
# workspaces by three accounts, on a private engine; then the invariants:
#   - every wsgate volume is part of a workspace whose container mounts it
#     and has the same owner, or ws list shows that workspace as orphaned;
#   - no two containers share a volume;
#   - every login the audit log accepted was by the workspace's owner or by
#     one the access list names, and ownership never changed hands while a
#     workspace existed.
# WS_SEED=N replays a run (the seed is printed).
WS_PRIVATE_ENGINE=1
. "$(dirname "$0")/lib.sh"
SEED=${WS_SEED:-$(( $(od -An -N2 -tu2 /dev/urandom) ))}
RANDOM=$SEED
echo "# seed $SEED (WS_SEED=$SEED replays it)"
STEPS=${WS_STEPS:-40}

ACCOUNTS=(a1 a2 a3)
for a in "${ACCOUNTS[@]}"; do ssh-keygen -q -t ed25519 -N '' -f "$T/$a" -C "$a"; cp "$T/$a.pub" "$T/keys/$a"; done
NAMES=("$RUN-w0" "$RUN-w1" "$RUN-w2" "$RUN-w2-docker")
# a3 may enter w0 whoever owns it; everyone else only their own.
gw_start main "audit_log = \"$T/audit.log\";" "access = [\"$RUN-w0: a3\"];" "sshd_wait_timeout = 20;"
allowed() { [ "$1" = "$2" ] || { [ "$1" = a3 ] && [ "$3" = "$RUN-w0" ]; }; }

declare -A OWNER     # the model: who owns each workspace while it exists
VIOLATIONS=0
violation() { VIOLATIONS=$((VIOLATIONS + 1)); echo "# VIOLATION: $*"; }
pick() { local -n arr=$1; echo "${arr[RANDOM % ${#arr[@]}]}"; }

# login ACCOUNT NAME: as a person would; checks the outcome against the model.
login() {
    local a=$1 n=$2 out owner
    out=$(timeout 90 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/$a" -p "$GW_PORT" -l "$n" 127.0.0.1 echo in 2>"$T/login.err")
    owner=$(label "$n" org.wsgate.owner 2>/dev/null)
    if [ "$out" = in ]; then
        [ -n "${OWNER[$n]:-}" ] || OWNER[$n]=$owner
        [ "$owner" = "${OWNER[$n]}" ] || violation "$n changed hands: ${OWNER[$n]} -> $owner"
        allowed "$a" "$owner" "$n" || violation "$a entered $n, owned by $owner"
        allowed "$a" "$owner" "$n" && echo "$a $n" >> "$T/may-enter"
        echo "# $a enters $n (owner $owner)"
    elif [ -n "${OWNER[$n]:-}" ] && allowed "$a" "${OWNER[$n]}" "$n" && pe_alive; then
        echo "# $a could not enter $n (owner ${OWNER[$n]}): $(grep wsgate: "$T/login.err" | head -1)"
    else
        echo "# $a refused at $n: $(grep -E 'wsgate:|Permission' "$T/login.err" | head -1)"
    fi
}

# remake NAME: its port taken while it is stopped, then its owner (or a3 for
# w0) logs in: the container is made again beside the old one.
remake() {
    local n=$1 port sq a
    [ "$(state "$n")" = running ] || return 0
    port=$(ws_port "$n")
    docker stop -t 1 "workspace-$n" >/dev/null 2>&1
    python3 -c 'import socket,sys,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(); time.sleep(60)' "$port" 2>/dev/null &
    sq=$!
    wait_until 5 listening "$port"
    a=${OWNER[$n]:-a1}
    [ "$n" = "$RUN-w0" ] && [ $((RANDOM % 2)) = 0 ] && a=a3
    echo "# remake $n (port $port taken), entered by $a"
    login "$a" "$n"
    kill "$sq" 2>/dev/null; wait "$sq" 2>/dev/null
}

# crash ACCOUNT NAME: a login (which may create) while dockerd is killed
# after a random delay; the engine comes back.
crash() {
    local a=$1 n=$2 ms=$((RANDOM % 1500)) p
    echo "# crash: $a logs in to $n, dockerd killed after $ms ms"
    timeout 90 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/$a" -p "$GW_PORT" -l "$n" 127.0.0.1 true >/dev/null 2>&1 &
    p=$!
    sleep "$(printf '%d.%03d' $((ms / 1000)) $((ms % 1000)))"   # a random point, on purpose
    pe_kill KILL || violation "dockerd did not die"
    wait "$p"
    pe_up || violation "the engine did not come back"
    # What the login made of it, if anything, is judged at the end; its
    # owner, if a container now exists, is whoever it was made for.
    local owner
    owner=$(label "$n" org.wsgate.owner 2>/dev/null) || owner=
    if [ -n "$owner" ] && [ -z "${OWNER[$n]:-}" ]; then OWNER[$n]=$owner; fi
    if [ -z "$owner" ] && [ -z "${OWNER[$n]:-}" ]; then
        # Volumes without a container: their owner is the model's now.
        owner=$(docker volume inspect -f '{{ index .Labels "org.wsgate.owner" }}' "workspace-$n" 2>/dev/null) || owner=
        [ -n "$owner" ] && OWNER[$n]=$owner
    fi
    [ -z "$owner" ] || [ "$owner" = "${OWNER[$n]}" ] || violation "$n changed hands in a crash: ${OWNER[$n]} -> $owner"
    # Had that login got in before the crash, it was allowed only so.
    [ -n "$owner" ] && allowed "$a" "$owner" "$n" && echo "$a $n" >> "$T/may-enter"
    return 0
}

for step in $(seq "$STEPS"); do
    n=$(pick NAMES); a=$(pick ACCOUNTS)
    case $((RANDOM % 10)) in
    0|1|2|3) login "$a" "$n" ;;
    4|5) remake "$n" ;;
    6) crash "$a" "$n" ;;
    7) echo "# stop $n"; ws stop "$n" >/dev/null 2>&1 ;;
    8) echo "# delete $n"; ws delete "$n" --yes >/dev/null 2>&1 && unset "OWNER[$n]" ;;
    9) login "$a" "$n"; login "$(pick ACCOUNTS)" "$n" ;;
    esac
done
check "the engine answers at the end" pe_up
check "the model saw no account enter what it may not, and no owner change ($VIOLATIONS)" [ "$VIOLATIONS" = 0 ]

# Invariants over what the engine holds.
"$WS_BIN" -f "$T/main.conf" list > "$T/list"
bad=0
for v in $(docker volume ls -q --filter label=org.wsgate.workspace | grep "^workspace-$RUN"); do
    w=$(docker volume inspect -f '{{ index .Labels "org.wsgate.workspace" }}' "$v")
    vo=$(docker volume inspect -f '{{ index .Labels "org.wsgate.owner" }}' "$v")
    if present container "workspace-$w" 2>/dev/null; then
        docker container inspect -f '{{ range .Mounts }}{{ .Name }} {{ end }}' "workspace-$w" | grep -qw -- "$v" ||
            { echo "# $v is $w's, but workspace-$w does not mount it"; bad=$((bad + 1)); }
        [ -z "$vo" ] || [ "$vo" = "$(ws_owner "$w")" ] ||
            { echo "# $v is $vo's, workspace-$w is $(ws_owner "$w")'s"; bad=$((bad + 1)); }
    else
        grep -qE "^$w +orphaned " "$T/list" || { echo "# $v has no workspace and ws list does not show $w as orphaned"; bad=$((bad + 1)); }
    fi
done
check "every volume is part of its workspace, with its owner, or listed as orphaned ($bad wrong)" [ "$bad" = 0 ]
shared=$(for c in $(docker ps -aq --filter label=org.wsgate.workspace); do
    docker container inspect -f '{{ range .Mounts }}{{ .Name }}{{ "\n" }}{{ end }}' "$c"; done | grep . | sort | uniq -d)
check "no two containers share a volume (${shared:-none})" [ -z "$shared" ]
# The audit log: every login it accepted was one the model allowed when it
# happened (the owner's, or the access list's for w0).
touch "$T/may-enter"
bad=0
while read -r acc ws; do
    grep -qx "$acc $ws" "$T/may-enter" || { echo "# audit: $acc was let into $ws, which the model never allowed"; bad=$((bad + 1)); }
done < <(grep 'event=auth .*result=accepted' "$T/audit.log" | sed -E 's/.* account=([^ ]+) workspace=([^ ]+) .*/\1 \2/' | sort -u)
check "the audit log shows no account let into a workspace it may not enter ($bad)" [ "$bad" = 0 ]
check "some logins got in (the run did something)" grep -q 'result=accepted' "$T/audit.log"
finish
