#!/bin/bash
# Memory held per concurrent session: N idle sessions (`sleep`) through
# wsgate, and the same N through an OpenSSH jump host (ProxyJump), measured as
# the proportional set size (PSS) of the gateway's or the jump sshd's
# processes. Prints totals and per-session figures.
#   bench/memory.sh [--sessions N]     (default 100; loopback only)
set -euo pipefail
N=100
[ "${1:-}" = --sessions ] && N=$2
. "$(dirname "$0")/lib.sh"
# Sum of PSS (kB) over a process and all its descendants.
pss_tree() {
    local total=0 p
    for p in $1 $(pgrep -P "$1"; for c in $(pgrep -P "$1"); do pgrep -P "$c"; done); do
        total=$(( total + $(awk '/^Pss:/ {print $2}' /proc/"$p"/smaps_rollup 2>/dev/null || echo 0) ))
    done
    echo "$total"
}

hops_up "max_startups = 1000;" "$(printf 'MaxStartups 1000\nMaxSessions 1000')"

open_sessions() {  # $1 = the hop's pid; then ssh arguments before the command
    local hop=$1 i; shift
    for i in $(seq "$N"); do "${S[@]}" "$@" "sleep $(( N / 5 + 120 ))" </dev/null >/dev/null 2>&1 & sleep 0.1; done
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
