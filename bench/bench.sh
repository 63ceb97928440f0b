#!/bin/bash
# Throughput and login latency through wsgate, direct to the workspace's sshd,
# and through OpenSSH ProxyJump (an sshd on loopback as the jump host), in one
# run against the same running workspace. Prints each with its ratio to direct.
#   bench/bench.sh [--size MiB] [--runs N] [--logins N] [--cipher NAME|default]
#                  [--kex NAME|default]
# Every hop uses the key exchange its client would (--kex default: with
# OpenSSH 9.2 everywhere, sntrup761x25519-sha512 on every hop,
# wsgate's own to the workspace too: like for like) and, unless --cipher
# default, the same cipher (aes128-gcm@openssh.com, what wsgate's own hop to
# the workspace prefers); the algorithms each hop negotiated are printed with
# the figures.
# Needs what scripts/setup.sh sets up; run as root. Loopback only; stops itself.
set -euo pipefail
SIZE=1024 RUNS=3 LOGINS=15
while [ $# -gt 0 ]; do
    case $1 in
    --size) SIZE=$2; shift 2 ;;
    --runs) RUNS=$2; shift 2 ;;
    --logins) LOGINS=$2; shift 2 ;;
    --cipher) export BENCH_CIPHER=$2; shift 2 ;;
    --kex) export BENCH_KEX=$2; shift 2 ;;
    *) echo "usage: $0 [--size MiB] [--runs N] [--logins N] [--cipher NAME|default] [--kex NAME|default]" >&2; exit 2 ;;
    esac
done

. "$(dirname "$0")/lib.sh"
hops_up

declare -A CMD
CMD[direct]="${S[*]} -p $wport workspace@127.0.0.1"
CMD[wsgate]="${S[*]} -p $gport $NAME@127.0.0.1"
CMD[proxyjump]="${S[*]} -J root@127.0.0.1:$jport -p $wport workspace@127.0.0.1"

now() { date +%s.%N; }
# algos CMD...: the key exchange and cipher of every hop the client sees.
algos() {
    "$@" -v true 2>&1 | awk '/kex: algorithm:/ {k=$NF} /kex: server->client cipher:/ {printf "%s%s/%s", sep, k, $5; sep=" + "} END {print ""}'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
declare -A TP LAT
for path in direct wsgate proxyjump; do
    for _ in $(seq "$RUNS"); do
        t0=$(now)
        head -c "${SIZE}M" /dev/zero | ${CMD[$path]} 'cat >/dev/null'
        t1=$(now)
        echo "$SIZE $t0 $t1" | awk '{printf "%.1f\n", $1 / ($3 - $2)}'
    done > "$T/tp_$path"
    TP[$path]=$(median < "$T/tp_$path")
    for _ in $(seq "$LOGINS"); do
        t0=$(now); ${CMD[$path]} true; t1=$(now)
        echo "$t0 $t1" | awk '{printf "%.1f\n", ($2 - $1) * 1000}'
    done > "$T/lat_$path"
    LAT[$path]=$(median < "$T/lat_$path")
done

echo "algorithms (key exchange/cipher, per hop):"
for path in direct wsgate proxyjump; do
    a=$(algos ${CMD[$path]})
    # wsgate's own hop to the workspace is in its log.
    [ "$path" = wsgate ] && a="$a + $(grep -o 'reached on port .*(kex [^,]*, cipher [^)]*)' "$T/wsgate.log" | tail -1 | sed 's/.*(kex \([^,]*\), cipher \([^)]*\))/\1\/\2/') (gateway to workspace)"
    printf '  %-10s %s\n' "$path" "$a"
done
echo "wsgate bench: ${SIZE} MiB into 'cat >/dev/null' (median of $RUNS), 'ssh ... true' (median of $LOGINS)"
echo "client $(ssh -V 2>&1 | cut -d, -f1), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-10s %12s %9s %14s %9s\n' path "MiB/s" "x direct" "login ms" "x direct"
for path in direct wsgate proxyjump; do
    printf '%-10s %12s %9s %14s %9s\n' "$path" "${TP[$path]}" \
        "$(awk -v a="${TP[$path]}" -v b="${TP[direct]}" 'BEGIN {printf "%.2f", a / b}')" \
        "${LAT[$path]}" \
        "$(awk -v a="${LAT[$path]}" -v b="${LAT[direct]}" 'BEGIN {printf "%.2f", a / b}')"
done
echo "wsgate vs proxyjump: throughput $(awk -v a="${TP[wsgate]}" -v b="${TP[proxyjump]}" 'BEGIN {printf "%.2f", a / b}')x, login $(awk -v a="${LAT[wsgate]}" -v b="${LAT[proxyjump]}" 'BEGIN {printf "%.2f", a / b}')x"
