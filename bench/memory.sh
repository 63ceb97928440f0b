#!/bin/bash
# Memory held per concurrent session: N idle sessions through wsgate, and the
# same N through an OpenSSH jump host (ProxyJump), measured over the middle
# hop's processes as PSS (shared pages split among their users) and as
# private memory (pages only that process holds), before and with the N.
# Every session must prove it is alive when measured: its token printed by
# the workspace, its client still running, one connection process per
# session at the hop and one sshd session per session in the workspace.
# Otherwise the script fails instead of printing a figure.
#   bench/memory.sh [--sessions N]     (default 100; loopback only)
set -euo pipefail
N=100
[ "${1:-}" = --sessions ] && N=$2
. "$(dirname "$0")/lib.sh"

# mem_tree PID: "PSS PRIVATE" in kB over a process and all its descendants.
# descendants PID: it and all its descendants, from one process listing.
descendants() {
    ps -eo pid=,ppid= | awk -v root="$1" '{kids[$2] = kids[$2] " " $1}
        END {q[1] = root; n = 1; for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], c, " "); for (j = 1; j <= m; j++) q[++n] = c[j] } }'
}
mem_tree() {
    # One awk over every process's smaps_rollup (a vanished one is skipped).
    { descendants "$1" | sed 's|.*|/proc/&/smaps_rollup|' | xargs cat 2>/dev/null || true; } |
        awk '/^Pss:/ {s += $2} /^Private_(Clean|Dirty):/ {q += $2} END {print s + 0, q + 0}'
}
ws_sessions() { docker exec "workspace-$NAME" pgrep -c -f '^sshd: workspace@' || true; }

# Each hop must take N at once: wsgate's max_startups, sshd's MaxStartups and
# MaxSessions, and the workspace's own sshd (MaxStartups) for wsgate's
# upstream connections, which open at the pace below.
hops_up "max_startups = $((N + 10)); per_source_max_startups = 0;" "$(printf 'MaxStartups %d\nMaxSessions %d' $((N + 10)) $((N + 10)))"

# open_sessions HOP-PID TAG SSH-ARGS...: N sessions, each printing its token
# once logged in, then idle; waits (bounded) until all N have printed it.
open_sessions() {
    local hop=$1 tag=$2 i n; shift 2
    CLIENTS=()
    for i in $(seq "$N"); do
        "${S[@]}" "$@" "echo up-$tag-$i; exec sleep 100000" </dev/null >"$T/$tag-$i" 2>&1 &
        CLIENTS+=($!)
        # Paced like people arriving: at most 8 logins under way at once.
        [ $((i % 4)) = 0 ] && for _ in $(seq 300); do
            n=$(cat "$T/$tag"-* 2>/dev/null | grep -c "^up-$tag-" || true)
            [ "$n" -ge $((i - 8)) ] && break; sleep 0.1; done
    done
    for _ in $(seq 300); do
        n=$(cat "$T/$tag"-* 2>/dev/null | grep -c "^up-$tag-" || true)
        [ "$n" = "$N" ] && break
        sleep 0.2
    done
}
# alive TAG HOP-PID PER: all N sessions alive now (tokens, clients, PER
# processes per connection at the hop, N sshd sessions in the workspace).
alive() {
    local tag=$1 hop=$2 per=$3 tokens clients procs ws
    tokens=$(cat "$T/$tag"-* | grep -c "^up-$tag-" || true)
    clients=0; for p in "${CLIENTS[@]}"; do kill -0 "$p" 2>/dev/null && clients=$((clients + 1)); done
    procs=$(( $(descendants "$hop" | wc -l) - 1 ))
    ws=$(ws_sessions)
    echo "$tag: $tokens tokens, $clients clients, $procs processes at the hop, $ws sshd sessions in the workspace" >&2
    [ "$tokens" = "$N" ] && [ "$clients" = "$N" ] && [ "$procs" -ge $((N * per)) ] && [ "$ws" = "$N" ]
}
close_sessions() {
    kill "${CLIENTS[@]}" 2>/dev/null || true
    wait "${CLIENTS[@]}" 2>/dev/null || true
    for _ in $(seq 150); do [ "$(ws_sessions)" = 0 ] && break; sleep 0.2; done
}

read -r base_gw_pss base_gw_priv <<< "$(mem_tree "$gw")"
open_sessions "$gw" gw -p "$gport" "$NAME@127.0.0.1"
alive gw "$gw" 1 || { echo "memory.sh: not all $N sessions through wsgate are alive; no figure" >&2; exit 1; }
read -r gw_pss gw_priv <<< "$(mem_tree "$gw")"
# Which process holds it: the monitors (the listener's children) and the
# connection processes (theirs), private kB per session.
roles=$(for m in $(pgrep -P "$gw"); do
    awk '/^Private_(Clean|Dirty):/ {q += $2} END {print "m", q + 0}' "/proc/$m/smaps_rollup" 2>/dev/null
    for c in $(pgrep -P "$m"); do
        awk '/^Private_(Clean|Dirty):/ {q += $2} END {print "c", q + 0}' "/proc/$c/smaps_rollup" 2>/dev/null
    done
done | awk '{s[$1] += $2; n[$1]++} END {printf "%.0f %.0f", n["m"] ? s["m"] / n["m"] : 0, n["c"] ? s["c"] / n["c"] : 0}')
alive gw "$gw" 1 || { echo "memory.sh: sessions through wsgate died while measured; no figure" >&2; exit 1; }
close_sessions

read -r base_j_pss base_j_priv <<< "$(mem_tree "$jump")"
# sshd: at least one process per connection.
open_sessions "$jump" pj -J "root@127.0.0.1:$jport" -p "$wport" workspace@127.0.0.1
alive pj "$jump" 1 || { echo "memory.sh: not all $N sessions through the jump host are alive; no figure" >&2; exit 1; }
read -r j_pss j_priv <<< "$(mem_tree "$jump")"
alive pj "$jump" 1 || { echo "memory.sh: sessions through the jump host died while measured; no figure" >&2; exit 1; }
close_sessions

per() { awk -v a="$1" -v b="$2" -v n="$N" 'BEGIN {printf "%.0f", (a - b) / n}'; }
echo "memory for $N idle sessions, all $N proven alive on both paths ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores)"
printf '%-10s %12s %14s %14s %18s\n' hop "PSS MiB" "PSS KiB/sess" "private MiB" "private KiB/sess"
printf '%-10s %12s %14s %14s %18s\n' wsgate "$(awk -v a="$gw_pss" 'BEGIN {printf "%.1f", a/1024}')" "$(per "$gw_pss" "$base_gw_pss")" \
    "$(awk -v a="$gw_priv" 'BEGIN {printf "%.1f", a/1024}')" "$(per "$gw_priv" "$base_gw_priv")"
printf '%-10s %12s %14s %14s %18s\n' proxyjump "$(awk -v a="$j_pss" 'BEGIN {printf "%.1f", a/1024}')" "$(per "$j_pss" "$base_j_pss")" \
    "$(awk -v a="$j_priv" 'BEGIN {printf "%.1f", a/1024}')" "$(per "$j_priv" "$base_j_priv")"
read -r mon_priv conn_priv <<< "$roles"
echo "wsgate private KiB per session: monitor $mon_priv, connection process $conn_priv"
echo "wsgate / proxyjump per session: PSS $(awk -v a="$(per "$gw_pss" "$base_gw_pss")" -v b="$(per "$j_pss" "$base_j_pss")" 'BEGIN {printf "%.2f", a/b}'), private $(awk -v a="$(per "$gw_priv" "$base_gw_priv")" -v b="$(per "$j_priv" "$base_j_priv")" 'BEGIN {printf "%.2f", a/b}')"
