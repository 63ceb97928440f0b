#!/bin/bash
# ws stats and the DISK column of ws list against the real engine, as an
# administrator would use them: a workspace with a 20 MiB file shows its
# home volume at 20 MiB or more, a busy one shows its CPU use, --json is
# valid with totals that are the sums of the rows, a stopped one shows its
# state with "-" for CPU and memory, an unknown name exits 3.
. "$(dirname "$0")/lib.sh"

gw_start main
A=$RUN-st
MIB20=$((20 * 1024 * 1024))

ws create "$A" --owner tester >"$T/out" 2>"$T/err"; rc=$?
check "ws create makes a workspace ($rc)" [ "$rc" = 0 ] || sed 's/^/#   /' "$T/err"
check "a 20 MiB file written in it" \
    is "$(wssh "$A" 'head -c 20971520 /dev/urandom > ~/big && sync && echo ok')" ok

# json_holds FILE PYTHON-EXPRESSION: the expression on the JSON in FILE (as w
# for one object, d for the whole); true when it holds.
json_holds() { python3 -c "import json, sys; w = d = json.load(open(sys.argv[1])); sys.exit(not ($2))" "$1"; }
stats_json() { ws stats "$A" --json > "$T/one.json" 2>"$T/one.err"; }
home_full() { stats_json && json_holds "$T/one.json" "w['home_volume_bytes'] >= $MIB20"; }
check "ws stats $A --json: the home volume holds at least 20 MiB" wait_until 30 home_full ||
    sed 's/^/#   /' "$T/one.json" "$T/one.err"
check "and names it, with the Docker volume's and the layer's bytes, running, a memory figure" json_holds "$T/one.json" "
    w['name'] == '$A' and w['state'] == 'running' and w['home_volume'] == 'workspace-$A' and
    w['docker_volume'] == 'workspace-$A.docker' and w['docker_volume_bytes'] >= 0 and
    w['layer_bytes'] >= 0 and w['memory_bytes'] > 0 and w['memory_limit_bytes'] >= w['memory_bytes'] and
    w['pids'] >= 1 and w['cpu_percent'] is not None and
    w['disk_bytes'] == w['home_volume_bytes'] + w['docker_volume_bytes'] + w['layer_bytes'] and
    w['last_login'] is not None"

ws stats "$A" > "$T/table" 2>"$T/err"; rc=$?
# The HOME column in du -h's form: 20M or more (or G).
home_col() { awk -v n="$A" '$1 == n { print $7 }' "$T/table"; }
check "ws stats $A: a header, its row and a TOTAL line (exit $rc)" eval '[ "$rc" = 0 ] &&
    grep -qE "^NAME +STATE +CPU +MEM +LIMIT +PIDS +HOME +DOCKER +LAYER +DISK +LAST LOGIN$" "$T/table" &&
    grep -qE "^$A +running +[0-9.]+% " "$T/table" && grep -qE "^TOTAL \(1\) " "$T/table" &&
    [ "$(wc -l < "$T/table")" = 3 ]' || sed 's/^/#   /' "$T/table" "$T/err"
check "its HOME column shows the 20 MiB, as du -h would ($(home_col))" eval '
    h=$(home_col); case $h in *G) true ;; *M) [ "${h%M}" -ge 20 ] 2>/dev/null ;; *) false ;; esac'

# A busy workspace: a loop in the background takes a CPU.
check "a busy loop started in it" is "$(wssh "$A" 'setsid sh -c "while :; do :; done" </dev/null >/dev/null 2>&1 & echo ok')" ok
busy() { stats_json && json_holds "$T/one.json" "(w['cpu_percent'] or 0) >= 30"; }
check "ws stats shows its CPU use (>= 30%, one CPU busy is 100%)" wait_until 30 busy ||
    sed 's/^/#   /' "$T/one.json"

# Every workspace, as JSON: valid, and the totals are the sums of the rows.
ws stats --json > "$T/all.json" 2>"$T/err"; rc=$?
check "ws stats --json: valid JSON (python3 -m json.tool, exit $rc)" eval '[ "$rc" = 0 ] && python3 -m json.tool "$T/all.json" >/dev/null'
check "it has $A, and totals that are the sums of the rows" json_holds "$T/all.json" "
    any(r['name'] == '$A' for r in d['workspaces']) and
    d['totals']['workspaces'] == len(d['workspaces']) and
    all(d['totals'][k] == sum(r[k] or 0 for r in d['workspaces'])
        for k in ('memory_bytes', 'pids', 'home_volume_bytes', 'docker_volume_bytes', 'layer_bytes', 'disk_bytes')) and
    abs(d['totals']['cpu_percent'] - sum(r['cpu_percent'] or 0 for r in d['workspaces'])) < 0.01 * (1 + len(d['workspaces'])) and
    d['totals']['home_volume_bytes'] >= $MIB20"

# ws list: the DISK column, and disk_bytes in --json.
ws list > "$T/list"; rc=$?
check "ws list has a DISK column, with $A's disk at 20M or more (exit $rc)" eval '[ "$rc" = 0 ] &&
    grep -qE "^NAME +STATE +PORT +OWNER +DISK +CREATED +LAST USED$" "$T/list" &&
    grep -qE "^$A +running +[0-9]+ +tester +(2[0-9]M|[3-9][0-9]M|[0-9]{3,4}M|[0-9.]+G) " "$T/list"' ||
    sed 's/^/#   /' "$T/list"
ws list --json > "$T/list.json"
check "ws list --json: disk_bytes, the same as ws stats gives" json_holds "$T/list.json" "
    [r['disk_bytes'] for r in d if r['name'] == '$A'][0] >= $MIB20"
ws list --names > "$T/names"
check "ws list --names: names only" eval 'grep -qx "$A" "$T/names" && ! grep -q " " "$T/names"'

# Stopped: its state, "-" for CPU and memory, its disk still counted.
check "ws stop stops it" ws stop "$A"
ws stats "$A" > "$T/table" 2>"$T/err"; rc=$?
check "ws stats of a stopped workspace: exited, '-' for CPU, memory, limit and processes (exit $rc)" \
    eval '[ "$rc" = 0 ] && grep -qE "^$A +exited +- +- +- +- +[0-9.]+[KMG] " "$T/table"' || sed 's/^/#   /' "$T/table"
stats_json
check "--json: null for CPU and memory, the home volume still at 20 MiB or more" json_holds "$T/one.json" "
    w['state'] == 'exited' and w['cpu_percent'] is None and w['memory_bytes'] is None and
    w['pids'] is None and w['home_volume_bytes'] >= $MIB20"

ws stats "$RUN-none" >"$T/out" 2>"$T/err"; rc=$?
check "ws stats of an unknown workspace: exit 3 ($rc), saying so" eval '[ "$rc" = 3 ] && [ ! -s "$T/out" ] &&
    is "$(cat "$T/err")" "ws: no workspace '\''$RUN-none'\''"'

check "ws delete --yes" ws delete "$A" --yes
finish
