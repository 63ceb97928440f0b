#!/bin/bash
# Many channels on one connection, as VS Code Remote-SSH opens them: a 200 MiB
# transfer on one channel while 10 execs and 100 direct-tcpip tunnels (64 KiB
# echoed each) are opened at once beside it, all checked byte for byte.
# Time through wsgate, direct to the workspace's sshd and through an OpenSSH
# jump host (ProxyJump), in one run, with ratios to direct. The client is
# asyncssh (the same on every path).
#   bench/channels.sh [--runs N]      (default 3; loopback only; stops itself)
set -euo pipefail
RUNS=3
[ "${1:-}" = --runs ] && RUNS=$2
. "$(dirname "$0")/lib.sh"
hops_up "max_channels = 256;" "MaxSessions 64"

# The workspace's side: a 200 MiB file and an echo server on its loopback.
sha=$("${S[@]}" -p "$gport" "$NAME@127.0.0.1" 'head -c 200M /dev/urandom > big && sha256sum < big' | cut -c1-64)
eport=$(( 20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000 ))
"${S[@]}" -p "$gport" "$NAME@127.0.0.1" "cat > .wsgate-echo.py; (setsid nohup python3 .wsgate-echo.py $eport >/dev/null 2>&1 < /dev/null &)
for i in \$(seq 50); do python3 -c 'import socket; socket.create_connection((\"127.0.0.1\", $eport))' 2>/dev/null && exit 0; sleep 0.1; done; exit 1" < "$top/tests/integration/echo_server.py"

PY="/usr/bin/python3 -W ignore $top/tests/integration/channels.py"   # Debian's, with asyncssh
declare -A ARGS SECS
ARGS[direct]="$wport workspace $T/id $eport $sha"
ARGS[wsgate]="$gport $NAME $T/id $eport $sha"
ARGS[proxyjump]="$wport workspace $T/id $eport $sha $jport"
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
for path in direct wsgate proxyjump; do
    for _ in $(seq "$RUNS"); do
        # shellcheck disable=SC2086
        out=$($PY load ${ARGS[$path]} 2>&1) || { echo "$path: $out" >&2; exit 1; }
        grep -q '^ok 10 execs' <<< "$out" || { echo "$path: $out" >&2; exit 1; }
        grep '^execs wrong' <<< "$out" | grep -o '[0-9.]* s$' | cut -d' ' -f1
    done > "$T/ch_$path"
    SECS[$path]=$(median < "$T/ch_$path")
done
echo "wsgate bench: 200 MiB + 10 execs + 100 tunnels on one connection (asyncssh $(/usr/bin/python3 -c 'import asyncssh; print(asyncssh.__version__)'), median of $RUNS)"
echo "$(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-10s %10s %9s\n' path seconds "x direct"
for path in direct wsgate proxyjump; do
    printf '%-10s %10s %9s\n' "$path" "${SECS[$path]}" \
        "$(awk -v a="${SECS[$path]}" -v b="${SECS[direct]}" 'BEGIN {printf "%.2f", a / b}')"
done
echo "wsgate vs proxyjump: $(awk -v a="${SECS[wsgate]}" -v b="${SECS[proxyjump]}" 'BEGIN {printf "%.2f", a / b}')x the time"
