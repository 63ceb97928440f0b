#!/bin/bash
# Backup and restore speed: ws backup of a running workspace (paused while
# read) and ws restore of its archive, in MiB/s of volume data (the tar
# bytes of both volumes), next to tar on the host over the same volume
# directories in the same run: plain tar to a file, and tar | zstd -1 -T2
# (what ws writes). Restore is compared with zstd -d | tar -x into an empty
# directory. Loopback only; removes what it made.
#   bench/backup.sh [--mib N]     (data to put in the workspace, default 1024)
set -euo pipefail
MIB=1024
[ "${1:-}" = --mib ] && MIB=$2
. "$(dirname "$0")/lib.sh"
WS_BIN=$(dirname "$WSGATE_BIN")/ws
hops_up
R=${NAME}r
cleanup_more() {
    docker rm -f "workspace-$R" >/dev/null 2>&1 || true
    docker volume rm -f "workspace-$R" "workspace-$R.docker" >/dev/null 2>&1 || true
    cleanup
}
trap cleanup_more EXIT

# The data: a quarter random (does not compress), the rest copies of /usr
# (many files of every size, as a checkout and its build are).
rnd=$((MIB / 4))
"${S[@]}" -p "$gport" "$NAME@127.0.0.1" "set -e; head -c ${rnd}M /dev/urandom > random.bin
    i=0; while [ \$(du -sm . | cut -f1) -lt $MIB ]; do cp -a /usr/share usr-\$i; cp -a /usr/lib usr-\$i-lib 2>/dev/null || true; i=\$((i+1)); done"
home=$(docker volume inspect -f '{{.Mountpoint}}' "workspace-$NAME")
dock=$(docker volume inspect -f '{{.Mountpoint}}' "workspace-$NAME.docker")
now() { date +%s.%N; }
sync; echo 3 > /proc/sys/vm/drop_caches

t0=$(now); "$WS_BIN" -f "$T/wsgate.conf" backup "$NAME" -o "$T/ws.tar.zst" >"$T/bk.out" 2>"$T/bk.err"; t1=$(now)
tar_bytes=$(tar --zstd -xOf "$T/ws.tar.zst" manifest.json | python3 -c 'import json,sys; print(sum(p["bytes"] for p in json.load(sys.stdin)["parts"]))')
paused=$(grep -o 'paused for [0-9.]* s' "$T/bk.err" | grep -o '[0-9.]*' || echo 0)
sync; echo 3 > /proc/sys/vm/drop_caches
t2=$(now); tar -C "$home" -cf "$T/plain.tar" . && tar -C "$dock" -rf "$T/plain.tar" .; t3=$(now)
rm -f "$T/plain.tar"
sync; echo 3 > /proc/sys/vm/drop_caches
t4=$(now); { tar -C "$home" -cf - .; tar -C "$dock" -cf - .; } | zstd -q -1 -T2 > "$T/tz.tar.zst"; t5=$(now)
sync; echo 3 > /proc/sys/vm/drop_caches

t6=$(now); "$WS_BIN" -f "$T/wsgate.conf" restore "$R" -i "$T/ws.tar.zst" >"$T/rs.out" 2>"$T/rs.err"; t7=$(now)
rs_s=$(grep -o 'of workspace .* in [0-9.]* s' "$T/rs.err" | grep -o '[0-9.]* s$' | cut -d' ' -f1)
mkdir "$T/untar"
sync; echo 3 > /proc/sys/vm/drop_caches
t8=$(now); zstd -q -dc "$T/tz.tar.zst" | tar -C "$T/untar" -xf - --numeric-owner; t9=$(now)

mib=$(python3 -c "print($tar_bytes / 1048576)")
rate() { python3 -c "print('%.1f' % ($mib / ($2 - $1)))"; }
bk=$(rate "$t0" "$t1"); tp=$(rate "$t2" "$t3"); tz=$(rate "$t4" "$t5")
rs=$(python3 -c "print('%.1f' % ($mib / $rs_s))"); rsall=$(rate "$t6" "$t7"); ut=$(rate "$t8" "$t9")
echo "wsgate bench: backup and restore of a workspace with $(printf '%.0f' "$mib") MiB of volume data"
echo "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ); archive $(( $(stat -c %s "$T/ws.tar.zst") / 1048576 )) MiB (tar|zstd: $(( $(stat -c %s "$T/tz.tar.zst") / 1048576 )) MiB)"
printf '%-40s %9s %9s\n' step MiB/s "x tar"
printf '%-40s %9s %9s\n' "ws backup (running; paused ${paused} s)" "$bk" "$(python3 -c "print('%.2f' % ($bk / $tz))")"
printf '%-40s %9s %9s\n' "  tar | zstd -1 -T2 on the host" "$tz" 1.00
printf '%-40s %9s %9s\n' "  tar on the host (no compression)" "$tp" "$(python3 -c "print('%.2f' % ($tp / $tz))")"
printf '%-40s %9s %9s\n' "ws restore (checked, placed)" "$rs" "$(python3 -c "print('%.2f' % ($rs / $ut))")"
printf '%-40s %9s %9s\n' "  ws restore and first start" "$rsall" "$(python3 -c "print('%.2f' % ($rsall / $ut))")"
printf '%-40s %9s %9s\n' "  zstd -d | tar -x on the host" "$ut" 1.00
