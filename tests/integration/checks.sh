# The checks every integration test uses (sourced by lib.sh; t_cli.sh, which
# needs no engine, sources only this): TAP-like lines that cannot pass by
# accident, and bounded waits. The caller sets PASS=0 FAIL=0 and defines
# finish (called when WS_STOP_ON's check fails).
ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
not_ok() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: passes when the command succeeds; returns its
# verdict, so `check … || { diagnostics; }` works. A shell snippet goes
# through check_sh, never `bash -c` (which would run without pipefail).
check() {
    local d=$1; shift
    if [ $# -eq 0 ]; then not_ok "$d (the check has no command: a test bug)"; return 1; fi
    if [ "$1" = bash ] && [ "${2:-}" = -c ]; then not_ok "$d (use check_sh, not bash -c: a test bug)"; return 1; fi
    case $1 in check|check_sh) not_ok "$d (a check inside a check: a test bug)"; return 1 ;; esac
    if "$@"; then ok "$d"; return 0; fi
    not_ok "$d"
    # The mutation stage waits for one check to fail: the rest is not needed.
    if [ -n "${WS_STOP_ON:-}" ] && [[ "$d" == *"$WS_STOP_ON"* ]]; then
        echo "# stopping here: WS_STOP_ON ('$WS_STOP_ON') has failed"
        finish
    fi
    return 1
}
# check_sh DESCRIPTION SNIPPET: the snippet in bash with errexit, nounset and pipefail.
check_sh() { check "$1" bash -euo pipefail -c "$2"; }
# contains FILE TEXT: the file holds the text (shown when it does not).
contains() { grep -qF -- "$2" "$1" 2>/dev/null || { echo "# expected '$2' in $1:"; sed 's/^/#   /' "$1" 2>/dev/null | tail -5; return 1; }; }
# lacks FILE TEXT: the file exists and does not hold the text.
lacks() { [ -f "$1" ] || { echo "# $1 is missing"; return 1; }; ! grep -qF -- "$2" "$1" || { echo "# unexpected '$2' in $1"; return 1; }; }
# not COMMAND...: the command fails (check's "!").
not() { ! "$@"; }
# is ACTUAL EXPECTED: equality, showing both when they differ.
is() { [ "$1" = "$2" ] || { printf '# got:      %q\n# expected: %q\n' "$1" "$2"; return 1; }; }
# refused OUT ERRFILE TEXT: a negative check. The command's output is not
# the success token and its stderr names the refusal we expect (the wsgate
# line or the client's "Permission denied"), so "could not connect at all"
# never passes.
refused() { [ "$1" != in ] && contains "$2" "$3"; }
# dropped ERRFILE: the client's stderr says the gateway closed the connection
# before any SSH was spoken (max_startups, penalties): an FIN, or an RST when
# the client's version line was still unread.
dropped() {
    grep -qE 'kex_exchange_identification: (Connection closed by remote host|read: Connection reset by peer)' "$1" ||
        { echo "# expected a connection dropped before the SSH banner in $1:"; sed 's/^/#   /' "$1" | tail -5; return 1; }
}
# wait_until SECONDS COMMAND...: polls the command until it succeeds, up to
# SECONDS; returns its last verdict.
wait_until() {
    local limit=$1 end; shift
    end=$(( $(date +%s%N) + limit * 1000000000 ))
    while ! "$@" >/dev/null 2>&1; do
        [ "$(date +%s%N)" -lt "$end" ] || { "$@"; return; }
        sleep 0.1
    done
}
