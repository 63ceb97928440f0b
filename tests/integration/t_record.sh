#!/bin/bash
# Session recording (docs/recording.md): alice's account records input, so
# her pty session is an asciicast file, written by the root side: 0600 and
# root's in a 0700 record_dir, named by time, account and workspace; Debian's
# asciinema plays it back with what she typed and what it printed; a session
# without a pty, and bob's (no recording), leave no file; a workspace in
# record_workspaces records bob's output but never his keystrokes; a session
# past record_max_mb gets the log line, a file within the cap, and all of
# its output all the same.
. "$(dirname "$0")/lib.sh"
command -v asciinema >/dev/null && command -v script >/dev/null ||
    { not_ok "asciinema and script are installed (scripts/setup.sh)"; finish; }
for a in alice bob; do
    ssh-keygen -q -t ed25519 -N '' -f "$T/$a" -C "$a"
    cp "$T/$a.pub" "$T/keys/$a"
done
mkdir -p "$T/accounts"
echo 'record = "input";' > "$T/accounts/alice.conf"
REC=$T/recordings
t0=$(date -u +%s)
gw_start main "accounts_dir = \"$T/accounts\";" "record_dir = \"$REC\";" "record_max_mb = 1;"
WA=$RUN-reca
WB=$RUN-recb
check "alice's workspace is up" is "$(kssh "$T/alice" "$WA" echo in 2>"$T/up.err")" in
check "bob's workspace is up" is "$(kssh "$T/bob" "$WB" echo in 2>>"$T/up.err")" in
check "sessions without a pty left no recording" eval '[ -z "$(ls -A "$REC" 2>/dev/null)" ]'

# cast FILE KIND: the data of its KIND events ("o", "i", "r", "m") strung
# together; fails unless every line is JSON as asciicast v2 has it.
cast() {
    python3 - "$1" "$2" <<'PY'
import json, sys
lines = open(sys.argv[1], encoding="utf-8", errors="strict").read().split("\n")
assert lines[-1] == "", "the last line ends with a newline"
head = json.loads(lines[0])
assert head["version"] == 2 and isinstance(head["width"], int) and isinstance(head["height"], int)
out = []
for l in lines[1:-1]:
    t, kind, data = json.loads(l)
    assert isinstance(t, float) and isinstance(data, str)
    if kind == sys.argv[2]:
        out.append(data)
sys.stdout.write("".join(out))
PY
}
# header FILE KEY: a field of the header.
header() { python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())[sys.argv[2]])' "$1" "$2"; }
# played FILE: what asciinema cat prints (it wants a terminal: script gives one).
played() { script -qec "asciinema cat '$1'" /dev/null </dev/null; }
# recordings PATTERN: the files in record_dir whose names match, oldest first.
recordings() { ls -tr "$REC" 2>/dev/null | grep -E "$1"; }
# tssh KEY LOGIN [COMMAND...]: ssh -tt (a pty) through the last gateway.
tssh() { local k=$1 l=$2; shift 2; timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -tt -i "$k" -p "$GW_PORT" -l "$l" 127.0.0.1 "$@"; }

# alice, in a real terminal (tmux): a command typed with a marker that only
# the shell turns into its output ($((6*7)) -> 42).
sock="$T/tmux"
check "a terminal (tmux) with alice's ssh in it starts" tmux -S "$sock" new-session -d -s a -x 100 -y 30 \
    "ssh ${SSH_OPTS[*]} -o LogLevel=ERROR -tt -i $T/alice -p $GW_PORT -l $WA 127.0.0.1; echo rc=\$? > $T/a.rc"
tpid=$(tmux -S "$sock" display-message -p -t a '#{pid}')
on_exit "tmux -S '$sock' kill-server; wait_until 5 proc_gone ${tpid:-0}"
pane() { tmux -S "$sock" capture-pane -p -t a; }
pane_has() { pane | grep -qF -- "$1"; }
check "alice's prompt shows" wait_until 20 pane_has "workspace@$WA:~\$"
tmux -S "$sock" send-keys -t a "echo \"REC-OUT-\$((6*7))-$RUN\"" Enter
check "her command runs" wait_until 10 pane_has "REC-OUT-42-$RUN"
tmux -S "$sock" resize-window -t a -x 120 -y 40
sleep 0.5
tmux -S "$sock" send-keys -t a 'exit' Enter
check "her session ends" wait_until 15 test -e "$T/a.rc"
check "the gateway says the recording ended" \
    wait_until 10 grep -q "recording $REC/[^ ]*_alice_${WA}_[0-9]*-1.cast ended" "$T/main.log"
f=$(recordings "_alice_${WA}_" | head -1)
F=$REC/$f
check "one recording of alice's session ($f)" is "$(recordings "_alice_${WA}_" | wc -l)" 1
check "named TIME_ACCOUNT_WORKSPACE_PID-1.cast" eval '[[ "$f" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}-[0-9]{2}-[0-9]{2}Z_alice_${WA}_[0-9]+-1\.cast$ ]]'
when=$(date -u -d "$(echo "$f" | sed -E 's/^(.{10})T(..)-(..)-(..)Z.*/\1 \2:\3:\4/')" +%s 2>/dev/null)
check "the time in its name is the session's ($when, test began $t0)" \
    eval '[ -n "$when" ] && [ "$when" -ge "$t0" ] && [ "$when" -le "$(date -u +%s)" ]'
check "the file is 0600 and root's" is "$(stat -c '%a %U %G' "$F")" "600 root root"
check "record_dir was made 0700, root's" is "$(stat -c '%a %U' "$REC")" "700 root"
check "the header: alice@workspace, 100x30, TERM" \
    eval '[ "$(header "$F" title)" = "alice@$WA" ] && [ "$(header "$F" width)x$(header "$F" height)" = 100x30 ] &&
          [[ "$(header "$F" env)" == *tmux-256color* ]]'
check "every line is asciicast v2 JSON" eval 'cast "$F" o > "$T/a.o"'
cast "$F" i > "$T/a.i" 2>/dev/null
played "$F" > "$T/a.played" 2>&1
check "asciinema cat shows what the command printed" contains "$T/a.played" "REC-OUT-42-$RUN"
check "and the command as it was echoed" contains "$T/a.played" "echo \"REC-OUT-\$((6*7))-$RUN\""
check "the keystrokes are recorded as typed (input events)" contains "$T/a.i" "echo \"REC-OUT-\$((6*7))-$RUN\""
check "and only as typed: no output in them" lacks "$T/a.i" "REC-OUT-42-"
check "the resize is recorded (120x40)" eval '[[ "$(cast "$F" r)" == *120x40* ]]'

# bob: no recording for his account, even in a terminal.
out=$(tssh "$T/bob" "$WB" "echo bob-\$((6*7))" </dev/null 2>"$T/b.err")
check "bob's pty session works" eval '[[ "$out" == *bob-42* ]]'
check "and leaves no recording" eval '[ -z "$(recordings "_bob_")" ]'
check "the gateway recorded nothing of bob" eval '! grep -E "(pty sessions|recording a pty session) of bob@" "$T/main.log"'

# A workspace every session of which is recorded (output only): bob's
# output is, his keystrokes are not.
gw_start listed "accounts_dir = \"$T/accounts\";" "record_dir = \"$REC\";" "record_workspaces = [\"$WB\"];"
out=$(printf 'echo "typed-$((6*7))"\nexit\n' | tssh "$T/bob" "$WB" 2>"$T/b2.err")
check "bob's session in a listed workspace works" eval '[[ "$out" == *typed-42* ]]'
check "the gateway says it records output" contains "$T/listed.log" "pty sessions of bob@$WB are recorded (output)"
check "it is recorded" wait_until 10 eval '[ -n "$(recordings "_bob_${WB}_")" ]'
FB=$REC/$(recordings "_bob_${WB}_" | head -1)
check "with its output" wait_until 10 eval '[[ "$(cast "$FB" o)" == *typed-42* ]]'
check "but no input event" is "$(cast "$FB" i)" ""

# The cap: 1 MiB, and some 2.9 MB of output.
GW_PORT=$(sed -n 's/^listen_port = \([0-9]*\);/\1/p' "$T/main.conf")
tssh "$T/alice" "$WA" 'seq 1 400000' > "$T/big.out" 2>"$T/big.err" </dev/null
check "the long session's output arrives whole (checksum)" \
    is "$(tr -d '\r' < "$T/big.out" | md5sum)" "$(seq 1 400000 | md5sum)"
check "the log says the cap was reached, once" \
    eval '[ "$(grep -c "recording of alice@$WA reached record_max_mb (1 MiB); the rest of the session is not recorded" "$T/main.log")" = 1 ]'
FC=$REC/$(recordings "_alice_${WA}_" | tail -1)
check "a second recording of alice's" [ "$FC" != "$F" ]
check "not larger than the cap ($(stat -c %s "$FC") bytes)" [ "$(stat -c %s "$FC")" -le 1048576 ]
check "nearly full" [ "$(stat -c %s "$FC")" -gt 1000000 ]
check "its last event says the cap was reached" eval '[[ "$(cast "$FC" m)" == *"record_max_mb reached"* ]]'
played "$FC" | tr -d '\r' > "$T/c.played"
check "and asciinema still plays it" grep -qx 12345 "$T/c.played"
finish
