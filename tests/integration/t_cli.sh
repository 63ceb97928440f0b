#!/bin/bash
# The ws command as an administrator meets it on the first day, without the
# Docker engine: help, version, usage errors, -f, the reasons the engine's
# socket cannot be reached (sockets of the test's own), ws key add/list/remove
# on a key directory of its own, archives ws restore refuses before it asks the
# engine anything (exit 6), and the bash completion. It needs no engine
# and no port, so it sources only the checks (checks.sh), not lib.sh.
set -uo pipefail
: "${WSGATE_BIN:?set WSGATE_BIN to the wsgate binary}" "${WSGATE_SRC:?set WSGATE_SRC to the source tree}"
[ "$(id -u)" = 0 ] || { echo "not ok - t_cli.sh runs as root (it runs ws as nobody)"; exit 1; }
PASS=0
FAIL=0
. "$(dirname "$0")/checks.sh"

WS_BIN=$(dirname "$WSGATE_BIN")/ws
T=$(mktemp -d /tmp/wsgate-cli.XXXXXX)
# nobody runs ws below: it must reach its settings and the sockets
chmod 755 "$T"
SAN=$(mktemp -d /tmp/wsgate-san.XXXXXX)
chmod 1777 "$SAN"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$SAN/asan:handle_abort=1"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$SAN/ubsan"
trap 'rm -rf "$T" "$SAN"' EXIT
finish() {
    local f
    trap - EXIT
    for f in "$SAN"/*; do
        [ -e "$f" ] || continue
        not_ok "no sanitizer report ($(basename "$f"))"
        head -40 "$f" | sed 's/^/#   /'
    done
    echo "$PASS passed, $FAIL failed"
    if [ -n "${WS_KEEP:-}" ]; then echo "# kept $T"; else rm -rf "$T" "$SAN"; fi
    [ "$FAIL" -eq 0 ] && [ "$PASS" -gt 0 ]
    exit $?
}
# run ARGS...: ws with its exit code in $rc, stdout in $T/out, stderr in $T/err.
run() { timeout 60 "$WS_BIN" "$@" >"$T/out" 2>"$T/err" </dev/null; rc=$?; }
# line FILE TEXT: FILE holds exactly the one line TEXT.
line() { is "$(cat "$1")" "$2"; }

# --- help, to stdout, exit 0 ---
for h in --help -h help; do
    run $h
    check "ws $h: usage on stdout, exit 0 ($rc), nothing on stderr" \
        eval '[ "$rc" = 0 ] && grep -q "^usage: ws \[-f CONF\] COMMAND" "$T/out" && [ ! -s "$T/err" ]'
    cp "$T/out" "$T/help$h"
done
check "ws --help, -h and help say the same" eval 'cmp -s "$T/help--help" "$T/help-h" && cmp -s "$T/help-h" "$T/helphelp"'
for c in "create NAME" "start NAME" "stop NAME" "delete NAME" "list \[" "status NAME" "stats \[NAME\]" "adopt NAME" \
         "backup NAME \[-o FILE\|-\]" "restore NAME \[-i FILE\|-\] \[--owner ACCOUNT\] \[--force\]" \
         "rebuild NAME \[--image IMAGE\] \[--no-backup\]" "key add ACCOUNT" "key list \[ACCOUNT\]" "key remove ACCOUNT" "help \[COMMAND\]"; do
    check "ws help lists '$c'" grep -qE "^  $c" "$T/help--help"
done
check_sh "ws help has the exit codes 0 to 5" "grep -qx '  0  done' '$T/help--help' &&
    grep -qx '  2  usage: unknown command or option, invalid name, key line or configuration' '$T/help--help' &&
    grep -qx '  3  no such workspace, account or key' '$T/help--help' &&
    grep -qx '  4  the workspace already exists' '$T/help--help' && grep -qx '  5  deletion not confirmed' '$T/help--help'"
check "ws help has exit code 6, the archive's" \
    grep -qx '  6  the archive is damaged, cut short or not a wsgate backup' "$T/help--help"
check "ws help names -o, -i and --no-backup" eval 'grep -qE "^ +-o FILE +write the archive to FILE" "$T/help--help" &&
    grep -qE "^ +-i FILE +read the archive from FILE" "$T/help--help" && grep -qE "^ +--no-backup +rebuild without" "$T/help--help"'
check "ws help names the global options" eval 'grep -q -- "-f, --config CONF" "$T/help--help" && grep -q -- "--version" "$T/help--help"'
run help create
check "ws help create: its usage and options (exit $rc)" eval '[ "$rc" = 0 ] &&
    grep -qx "usage: ws \[-f CONF\] create NAME \[--clone URL\] \[--image IMAGE\] \[--owner ACCOUNT\]" "$T/out" &&
    grep -q "^  --clone URL" "$T/out" && ! grep -q -- "--json" "$T/out"'
cp "$T/out" "$T/help-create"
run create --help
check "ws create --help says the same (exit $rc)" eval '[ "$rc" = 0 ] && cmp -s "$T/out" "$T/help-create"'
run help key
check "ws help key: the three key commands (exit $rc)" eval '[ "$rc" = 0 ] && [ "$(grep -c "^usage: ws \[-f CONF\] key " "$T/out")" = 3 ]'
run key remove --help
check "ws key remove --help (exit $rc)" eval '[ "$rc" = 0 ] && grep -qx "usage: ws \[-f CONF\] key remove ACCOUNT FINGERPRINT|COMMENT" "$T/out"'
run help nosuch
check "ws help nosuch: unknown command, exit 2 ($rc)" eval '[ "$rc" = 2 ] && [ ! -s "$T/out" ] &&
    line "$T/err" "ws: unknown command '\''nosuch'\'' (see '\''ws help'\'')"'

# --- version ---
run --version
want=$(sed -n 's/^#define WS_VERSION "\(.*\)"$/\1/p' "$WSGATE_SRC/common/version.h")
check "ws --version: 'ws $want' (exit $rc)" eval '[ "$rc" = 0 ] && [ -n "$want" ] && line "$T/out" "ws $want"'

# --- usage errors: one line on stderr, a hint, exit 2 ---
run frobnicate
check "ws frobnicate: unknown command, exit 2 ($rc)" eval '[ "$rc" = 2 ] && [ ! -s "$T/out" ] &&
    line "$T/err" "ws: unknown command '\''frobnicate'\'' (see '\''ws help'\'')"'
run lsit
check "ws lsit: did you mean 'list'? (exit $rc)" eval '[ "$rc" = 2 ] &&
    line "$T/err" "ws: unknown command '\''lsit'\'' (see '\''ws help'\''): did you mean '\''list'\''?"'
run key remvoe alice x
check "ws key remvoe: did you mean 'key remove'? (exit $rc)" eval '[ "$rc" = 2 ] &&
    line "$T/err" "ws: unknown command '\''key remvoe'\'' (see '\''ws help key'\''): did you mean '\''key remove'\''?"'
run
check "ws alone: the usage on stderr, exit 2 ($rc)" eval '[ "$rc" = 2 ] && [ ! -s "$T/out" ] && grep -q "^usage: ws " "$T/err" &&
    grep -qx "ws: no command given (see '\''ws help'\'')" "$T/err"'
run --bogus list
check "an unknown option, exit 2 ($rc)" eval '[ "$rc" = 2 ] && line "$T/err" "ws: unknown option '\''--bogus'\'' (see '\''ws help'\'')"'
run start x --json
check "an option the command does not take, exit 2 ($rc)" eval '[ "$rc" = 2 ] &&
    line "$T/err" "ws: start does not take --json (see '\''ws help start'\'')"'
run start
check "a missing NAME, exit 2 ($rc)" eval '[ "$rc" = 2 ] && line "$T/err" "ws: start needs an argument: ws start NAME (see '\''ws help start'\'')"'
run stats a b
check "stats takes one NAME at most, exit 2 ($rc)" eval '[ "$rc" = 2 ] && line "$T/err" "ws: stats: unexpected argument '\''b'\'' (see '\''ws help stats'\'')"'
run stats Bad/Name
check "stats: an invalid NAME, exit 2 ($rc)" eval '[ "$rc" = 2 ] && contains "$T/err" "ws: '\''Bad/Name'\'': the workspace name may hold only"'
run help stats
check "ws help stats: its usage, --json (exit $rc)" eval '[ "$rc" = 0 ] && grep -qx "usage: ws \[-f CONF\] stats \[NAME\] \[--json\]" "$T/out" && grep -q "^  --json" "$T/out"'
run help backup
check "ws help backup: its usage and -o only (exit $rc)" eval '[ "$rc" = 0 ] && grep -qx "usage: ws \[-f CONF\] backup NAME \[-o FILE|-\]" "$T/out" &&
    grep -q "^  -o FILE" "$T/out" && [ "$(grep -c "^  -" "$T/out")" = 1 ]'
run restore --help
check "ws restore --help: its usage, -i, --owner, --force (exit $rc)" eval '[ "$rc" = 0 ] &&
    grep -qx "usage: ws \[-f CONF\] restore NAME \[-i FILE|-\] \[--owner ACCOUNT\] \[--force\]" "$T/out" &&
    grep -q "^  -i FILE" "$T/out" && grep -q "^  --owner ACCOUNT" "$T/out" && grep -q "^  --force" "$T/out" && grep -q "exit 6" "$T/out"'
run help rebuild
check "ws help rebuild: its usage, --image, --no-backup (exit $rc)" eval '[ "$rc" = 0 ] &&
    grep -qx "usage: ws \[-f CONF\] rebuild NAME \[--image IMAGE\] \[--no-backup\]" "$T/out" &&
    grep -q "^  --image IMAGE" "$T/out" && grep -q "^  --no-backup" "$T/out" && grep -q backup_dir "$T/out"'
run backup x -i f
check "backup does not take -i, exit 2 ($rc)" eval '[ "$rc" = 2 ] && line "$T/err" "ws: backup does not take -i (see '\''ws help backup'\'')"'
run rebuild x --force
check "rebuild does not take --force, exit 2 ($rc)" eval '[ "$rc" = 2 ] && line "$T/err" "ws: rebuild does not take --force (see '\''ws help rebuild'\'')"'
run restore
check "restore needs NAME, exit 2 ($rc)" eval '[ "$rc" = 2 ] &&
    line "$T/err" "ws: restore needs an argument: ws restore NAME [-i FILE|-] [--owner ACCOUNT] [--force] (see '\''ws help restore'\'')"'
run stop a b
check "an extra argument, exit 2 ($rc)" eval '[ "$rc" = 2 ] && line "$T/err" "ws: stop: unexpected argument '\''b'\'' (see '\''ws help stop'\'')"'
run list --json --names
check "--json and --names together, exit 2 ($rc)" eval '[ "$rc" = 2 ] && contains "$T/err" "list takes --json or --names, not both"'

# --- -f: a file named must exist; only the default may be absent ---
(cd "$T" && timeout 60 "$WS_BIN" -f missing.conf list >"$T/out" 2>"$T/err"); rc=$?
check "ws -f missing.conf list: one line, exit 2 ($rc)" eval '[ "$rc" = 2 ] && [ ! -s "$T/out" ] &&
    line "$T/err" "ws: missing.conf: cannot read: No such file or directory"'
printf 'keys_dir = 7;\n' > "$T/bad.conf"
run -f "$T/bad.conf" key list
check "a bad setting: file:line: reason, exit 2 ($rc)" eval '[ "$rc" = 2 ] && contains "$T/err" "$T/bad.conf:1:"'

# --- the engine's socket: why it cannot be reached (no engine involved) ---
mkdir -m 755 "$T/sock"
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T/sock/docker.sock"
chmod 600 "$T/sock/docker.sock"
chgrp daemon "$T/sock/docker.sock"
printf 'docker_socket = "%s";\n' "$T/sock/docker.sock" > "$T/sock.conf"
printf 'docker_socket = "%s";\n' "$T/sock/none.sock" > "$T/nosock.conf"
printf 'docker_socket = "%s";\n' "$T/sock.conf" > "$T/file.conf"
chmod 644 "$T"/*.conf
setpriv --reuid=nobody --regid=nogroup --clear-groups timeout 60 "$WS_BIN" -f "$T/sock.conf" list \
    >"$T/out" 2>"$T/err" </dev/null; rc=$?
check "ws list as nobody, socket 0600: permission denied on the socket, exit 1 ($rc)" eval '[ "$rc" = 1 ] && [ ! -s "$T/out" ] &&
    line "$T/err" "ws: permission denied on the Docker socket $T/sock/docker.sock: run ws as root or as a member of the group that owns it (daemon)"'
setpriv --reuid=nobody --regid=nogroup --clear-groups timeout 60 "$WS_BIN" -f "$T/sock.conf" status x \
    >"$T/out" 2>"$T/err" </dev/null; rc=$?
check "ws status as nobody: the same line, exit 1 ($rc)" eval '[ "$rc" = 1 ] &&
    line "$T/err" "ws: permission denied on the Docker socket $T/sock/docker.sock: run ws as root or as a member of the group that owns it (daemon)"'
run -f "$T/nosock.conf" list
check "no socket at the path: said so, exit 1 ($rc)" eval '[ "$rc" = 1 ] &&
    line "$T/err" "ws: no Docker socket at $T/sock/none.sock (No such file or directory): is the engine running, and does docker_socket name its socket?"'
run -f "$T/file.conf" list
check "a path that is no socket: said so, exit 1 ($rc)" eval '[ "$rc" = 1 ] && contains "$T/err" "ws: $T/sock.conf is not a socket"'
run -f "$T/sock.conf" list
check "root, and nobody listening on the socket: the engine is not answering, exit 1 ($rc)" eval '[ "$rc" = 1 ] &&
    line "$T/err" "ws: the Docker engine is not answering at $T/sock/docker.sock (nobody listens on the socket): is dockerd running?"'

# --- archives, without an engine: a restore reads the header before it asks
# the engine anything, so what is no wsgate backup is refused (exit 6) here ---
run -f "$T/nosock.conf" restore x -i "$WSGATE_SRC/README.md"
check "restore of a file that is not zstd: exit 6 ($rc), one line" eval '[ "$rc" = 6 ] && [ ! -s "$T/out" ] &&
    line "$T/err" "ws: the archive cannot be restored: it is not a wsgate backup (not zstd data)"'
tar -C "$WSGATE_SRC" -c README.md | zstd -q > "$T/foreign.tar.zst"
run -f "$T/nosock.conf" restore x -i "$T/foreign.tar.zst"
check "restore of a zstd tar of something else: exit 6 ($rc), not a wsgate backup" eval '[ "$rc" = 6 ] &&
    line "$T/err" "ws: the archive cannot be restored: it is not a wsgate backup (it begins with '\''README.md'\'', not wsgate-backup.json)"'
run -f "$T/nosock.conf" restore x
check "restore of an empty stdin: exit 6 ($rc), cut short" eval '[ "$rc" = 6 ] &&
    line "$T/err" "ws: the archive cannot be restored: it is cut short (the data ends after 0 bytes)"'
run -f "$T/nosock.conf" restore x -i "$T/none.tar.zst"
check "restore -i of a file that does not exist: exit 2 ($rc)" eval '[ "$rc" = 2 ] &&
    line "$T/err" "ws: cannot read $T/none.tar.zst: No such file or directory"'
run -f "$T/nosock.conf" backup x -o "$T/bk.tar.zst"
check "a backup the engine cannot make: exit 1 ($rc), no file and no partial file" eval '[ "$rc" = 1 ] &&
    [ -z "$(ls "$T" | grep "^bk.tar.zst")" ]'

# --- ws key add/list/remove, on a key directory of the test's own ---
K="$T/etc/keys"
printf 'keys_dir = "%s";\n' "$K" > "$T/k.conf"
kws() { run -f "$T/k.conf" "$@"; }
for k in a1 a2 b1; do ssh-keygen -q -t ed25519 -N '' -f "$T/$k" -C "$k@laptop"; done
ssh-keygen -q -t rsa -b 2048 -N '' -f "$T/a3" -C "a3 with spaces"
fp() { ssh-keygen -l -E sha256 -f "$1" | awk '{print $2}'; }
cat "$T/a1.pub" "$T/a2.pub" > "$T/alice.keys"
kws key add alice "$T/alice.keys"
check "ws key add alice FILE: two keys added (exit $rc)" eval '[ "$rc" = 0 ] && [ "$(grep -c "^added to alice: ssh-ed25519 SHA256:" "$T/out")" = 2 ]'
check "the key directory was made, mode 0755" is "$(stat -c %a "$K" 2>&1)" 755
check "alice's file: mode 0644, the two lines" eval '[ "$(stat -c %a "$K/alice")" = 644 ] && cmp -s "$K/alice" "$T/alice.keys"'
# Everything about alice's file, to see that no later command touches it.
alice_state() { stat -c '%i %s %Y %y' "$K/alice"; sha256sum < "$K/alice"; }
before=$(alice_state)
kws key list alice
check "ws key list alice: type, fingerprint (as ssh-keygen), comment (exit $rc)" eval '[ "$rc" = 0 ] &&
    [ "$(cat "$T/out")" = "ssh-ed25519 $(fp "$T/a1.pub") a1@laptop
ssh-ed25519 $(fp "$T/a2.pub") a2@laptop" ]'

cat "$T/b1.pub" "$T/b1.pub" > "$T/bob.keys"
timeout 60 "$WS_BIN" -f "$T/k.conf" key add bob - <"$T/bob.keys" >"$T/out" 2>"$T/err"; rc=$?
check "ws key add bob from stdin: one key added, the repeat skipped with a note (exit $rc)" eval '[ "$rc" = 0 ] &&
    line "$T/out" "added to bob: ssh-ed25519 $(fp "$T/b1.pub") b1@laptop" &&
    contains "$T/err" "ws: note: stdin:2: the same key as line 1: skipped"'
check "adding to bob never touched alice's file" is "$(alice_state)" "$before"
check "bob's file holds his key" eval 'cmp -s "$K/bob" "$T/b1.pub"'

# A bad line anywhere: named FILE:LINE: reason, and nothing changes.
bob_before=$(sha256sum < "$K/bob")
{ cat "$T/a3.pub"; echo 'command="/bin/sh" '"$(cat "$T/a1.pub")"; echo 'ssh-ed25519 AAAAC3NzaC1lZDI1'; } > "$T/bad.keys"
kws key add bob "$T/bad.keys"
check "bad lines refused: each FILE:LINE: reason, exit 2 ($rc)" eval '[ "$rc" = 2 ] && [ ! -s "$T/out" ] &&
    contains "$T/err" "ws: $T/bad.keys:2: option '\''command'\'' is not one wsgate honours" &&
    contains "$T/err" "ws: $T/bad.keys:3: the ssh-ed25519 key does not parse" &&
    lacks "$T/err" "bad.keys:1:" && contains "$T/err" "ws: nothing added to bob: 2 lines the gateway would skip"'
check "bob's file did not change" is "$(sha256sum < "$K/bob")" "$bob_before"
check "no temporary file was left in the key directory" is "$(find "$K" -name '.*' | wc -l)" 0
kws key add bob "$T/a1.pub"
check "a key alice holds too: added to bob, with a warning (exit $rc)" eval '[ "$rc" = 0 ] &&
    contains "$T/err" "ws: warning: alice has the key $(fp "$T/a1.pub") too: a login with it must name its account (bob+WORKSPACE@gateway)"'
kws key add alice "$T/a1.pub"
check "a key alice has already: skipped with a note, nothing written (exit $rc)" eval '[ "$rc" = 0 ] &&
    contains "$T/err" "ws: note: $T/a1.pub:1: alice has this key already ($(fp "$T/a1.pub")): skipped" &&
    [ "$(alice_state)" = "$before" ]'
kws key add Alice "$T/a1.pub"
check "an invalid account name, exit 2 ($rc)" eval '[ "$rc" = 2 ] &&
    line "$T/err" "ws: account '\''Alice'\'': the account name must start with a lowercase letter or '\''_'\''"'
kws key add alice "$T/nonexistent"
check "an input file that does not exist, exit 2 ($rc)" eval '[ "$rc" = 2 ] && line "$T/err" "ws: $T/nonexistent: cannot read: No such file or directory"'

# ws key list: accounts and counts; files the gateway ignores are named.
cp "$T/a3.pub" "$K/alice.pub"
kws key list
check "ws key list: each account and its number of keys (exit $rc)" eval '[ "$rc" = 0 ] &&
    grep -qE "^alice +2$" "$T/out" && grep -qE "^bob +2$" "$T/out" && [ "$(wc -l < "$T/out")" = 3 ]'
check "a file named alice.pub: the gateway ignores it, says ws" \
    contains "$T/err" "ws: warning: $K/alice.pub is ignored by the gateway: the account name may hold only"
kws key list --names
check "ws key list --names: the accounts only" eval '[ "$rc" = 0 ] && [ "$(cat "$T/out")" = "alice
bob" ]'
kws key list carol
check "ws key list of an account without a file, exit 3 ($rc)" eval '[ "$rc" = 3 ] && contains "$T/err" "ws: carol has no keys"'

# ws key remove: by comment, by fingerprint; the other lines stay.
kws key remove bob a1@laptop
check "ws key remove bob COMMENT (exit $rc)" eval '[ "$rc" = 0 ] && line "$T/out" "removed from bob: ssh-ed25519 $(fp "$T/a1.pub") a1@laptop" &&
    cmp -s "$K/bob" "$T/b1.pub"'
check "removing from bob never touched alice's file" is "$(alice_state)" "$before"
kws key remove alice "$(fp "$T/a2.pub")"
check "ws key remove alice FINGERPRINT (exit $rc)" eval '[ "$rc" = 0 ] && cmp -s "$K/alice" "$T/a1.pub"'
kws key remove alice "$(fp "$T/a2.pub")"
check "removing it again: no such key, exit 3 ($rc)" eval '[ "$rc" = 3 ] &&
    contains "$T/err" "ws: alice has no key with the fingerprint or comment '\''$(fp "$T/a2.pub")'\''"'
kws key remove carol x
check "removing from an account without a file, exit 3 ($rc)" eval '[ "$rc" = 3 ] && contains "$T/err" "ws: carol has no keys"'
kws key remove bob b1@laptop
check "removing bob's last key removes his file" eval '[ "$rc" = 0 ] && [ ! -e "$K/bob" ]'

# --- bash completion: commands, options, workspaces (a stub ws: the
# engine is not asked), accounts (the real ws, on the key directory) ---
mkdir "$T/bin" "$T/stub"
ln -s "$WS_BIN" "$T/bin/ws"
printf '#!/bin/sh\n[ "$*" = "-f %s list --names" ] && { echo alpha; echo beta; echo gamma; exit 0; }\nexec "%s" "$@"\n' \
    "$T/k.conf" "$WS_BIN" > "$T/stub/ws"
printf '#!/bin/sh\necho "ws: the Docker engine is not answering" >&2\nexit 1\n' > "$T/bin-down"
chmod +x "$T/stub/ws" "$T/bin-down"
kws key add bob "$T/b1.pub"
# complete [PATH-DIR] WORDS...: what the completion offers for the command
# line WORDS (its last word is the one being completed), one a line.
complete_words() {
    local dir=$1; shift
    PATH="$dir:$PATH" bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _ws; printf "%s\n" "${COMPREPLY[@]}" | sort' \
        _ "$WSGATE_SRC/packaging/bash-completion/ws" "$@" 2>"$T/comp.err"
}
check "completion: commands" is "$(complete_words "$T/bin" ws s | tr '\n' ' ')" "start stats status stop "
check "completion: key subcommands" is "$(complete_words "$T/bin" ws key '' | tr '\n' ' ')" "add list remove "
check "completion: list's options" is "$(complete_words "$T/bin" ws list --n | tr '\n' ' ')" "--names "
check "completion: delete's options" is "$(complete_words "$T/bin" ws delete x --f | tr '\n' ' ')" "--force "
check "completion: workspace names for stop (ws list --names)" \
    is "$(complete_words "$T/stub" ws -f "$T/k.conf" stop '' | tr '\n' ' ')" "alpha beta gamma "
check "completion: stats' option" is "$(complete_words "$T/bin" ws stats --j | tr '\n' ' ')" "--json "
check "completion: workspace names for stats" \
    is "$(complete_words "$T/stub" ws -f "$T/k.conf" stats '' | tr '\n' ' ')" "alpha beta gamma "
check "completion: workspace names, by prefix" is "$(complete_words "$T/stub" ws -f "$T/k.conf" status g)" gamma
check "completion: no name for create" is "$(complete_words "$T/stub" ws -f "$T/k.conf" create '')" ""
check "completion: accounts for ws key list (the key directory)" \
    is "$(complete_words "$T/bin" ws -f "$T/k.conf" key list '' | tr '\n' ' ')" "alice bob "
check "completion: fingerprints for ws key remove alice" \
    is "$(complete_words "$T/bin" ws -f "$T/k.conf" key remove alice '')" "$(fp "$T/a1.pub" | sed 's/^SHA256://')"
check "completion: commands, the new ones" is "$(complete_words "$T/bin" ws re | tr '\n' ' ')" "rebuild restore "
check "completion: backup's options" is "$(complete_words "$T/bin" ws backup x - | tr '\n' ' ')" "--config --help -f -h -o "
check "completion: restore's options" is "$(complete_words "$T/bin" ws restore x -- | tr '\n' ' ')" "--config --force --help --owner "
check "completion: restore takes -i" is "$(complete_words "$T/bin" ws restore x -i | tr '\n' ' ')" "-i "
check "completion: rebuild's options" is "$(complete_words "$T/bin" ws rebuild x -- | tr '\n' ' ')" "--config --help --image --no-backup "
touch "$T/arch.tar.zst"
check "completion: files for backup -o" is "$(complete_words "$T/bin" ws backup x -o "$T/arch")" "$T/arch.tar.zst"
check "completion: files for restore -i" is "$(complete_words "$T/bin" ws restore x -i "$T/arch")" "$T/arch.tar.zst"
check "completion: accounts for restore --owner" \
    is "$(complete_words "$T/bin" ws -f "$T/k.conf" restore x --owner '' | tr '\n' ' ')" "alice bob "
check "completion: nothing for rebuild --image" is "$(complete_words "$T/stub" ws -f "$T/k.conf" rebuild x --image '')" ""
for c in backup restore rebuild; do
    check "completion: workspace names for $c" \
        is "$(complete_words "$T/stub" ws -f "$T/k.conf" $c '' | tr '\n' ' ')" "alpha beta gamma "
done
check "completion: a workspace name after -o FILE" \
    is "$(complete_words "$T/stub" ws -f "$T/k.conf" backup -o "$T/arch.tar.zst" b)" beta
check "completion: no second name for restore" is "$(complete_words "$T/stub" ws -f "$T/k.conf" restore alpha '')" ""
mkdir "$T/down"
cp "$T/bin-down" "$T/down/ws"
out=$(complete_words "$T/down" ws start ''); rc=$?
check "completion: an engine that does not answer offers nothing, quietly" eval '[ "$rc" = 0 ] && [ -z "$out" ] && [ ! -s "$T/comp.err" ]'

finish
