#!/bin/bash
# Owners manage their workspaces over SSH (ssh ACCOUNT+@gateway COMMAND), as
# two people would, alice and bob, on the real engine: each sees and runs
# only what is theirs (or what the access list lets them enter), a refusal
# tells nothing of what exists, bad input gets one line and an exit status,
# never a hang; a shell prints the help; forwardings and subsystems are
# refused; the gateway serves normal logins meanwhile. Exit statuses are
# ssh's own.
. "$(dirname "$0")/lib.sh"

for a in alice bob; do ssh-keygen -q -t ed25519 -N '' -f "$T/$a" -C "$a"; cp "$T/$a.pub" "$T/keys/$a"; done
A=$RUN-alice
B=$RUN-bob
S=$RUN-shared
N=$RUN-nothing
gw_start main "audit_log = \"$T/audit.log\";" "access = [\"$S: alice\"];"
# own ACCOUNT [COMMAND...]: ssh ACCOUNT+@gateway with ACCOUNT's key; stdout
# to $T/out, stderr to $T/err; the status is ssh's.
own() { local a=$1; shift; timeout 120 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/$a" -p "$GW_PORT" -l "$a+" 127.0.0.1 "$@" >"$T/out" 2>"$T/err" </dev/null; }
exits() { [ "$1" = "$2" ] || { echo "# exit $1, expected $2"; sed 's/^/#   err: /' "$T/err" | head -5; return 1; }; }

check "alice makes her workspace" is "$(kssh "$T/alice" "$A" echo in 2>/dev/null)" in
check "bob makes his" is "$(kssh "$T/bob" "$B" echo in 2>/dev/null)" in
check "bob makes the one the access list opens to alice" is "$(kssh "$T/bob" "$S" echo in 2>/dev/null)" in

# list: only what each may enter.
own alice list; rc=$?
check "alice+ list: exit 0" exits "$rc" 0
check "it shows her workspace" eval 'grep -qE "^$A +running" "$T/out"'
check "and the one she may enter, bob's" eval 'grep -qE "^$S +running .* bob " "$T/out"'
check "not bob's own" lacks "$T/out" "$B"
own bob list --names; rc=$?
check "bob+ list --names: his two, not alice's" \
    eval '[ "$rc" = 0 ] && is "$(grep "^$RUN-" "$T/out" | sort | tr "\n" " ")" "$B $S "'
own alice list --json; rc=$?
check_sh "alice+ list --json is JSON of her two ($rc)" \
    "[ $rc = 0 ] && python3 -c 'import json,sys; n=sorted(w[\"name\"] for w in json.load(open(sys.argv[1])) if w[\"name\"].startswith(\"$RUN-\")); sys.exit(n != [\"$A\", \"$S\"])' '$T/out'"
# A command that does not read stdin ends all the same, a MiB waiting.
head -c 1048576 /dev/urandom | timeout 60 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/alice" \
    -p "$GW_PORT" -l alice+ 127.0.0.1 list --names >"$T/out" 2>"$T/err"; rc=$?
check "a command that reads no stdin ends with a MiB sent to it ($rc)" \
    eval '[ "$rc" = 0 ] && grep -qx "$A" "$T/out"'

# stop and start her own; the engine agrees.
own alice stop "$A"; rc=$?
check "alice+ stop her workspace: exit 0" exits "$rc" 0
check "it says so" contains "$T/out" "stopped workspace $A"
check "the engine has it stopped" is "$(state "$A")" exited
own alice start "$A"; rc=$?
check "alice+ start it: exit 0" exits "$rc" 0
check "it says so" contains "$T/out" "workspace $A"
check "the engine has it running" is "$(state "$A")" running
check "she logs in to it" is "$(kssh "$T/alice" "$A" echo in 2>/dev/null)" in
own alice stats "$A"; rc=$?
check "alice+ stats her workspace: exit 0, its line" eval 'exits "$rc" 0 && grep -qE "^$A +running" "$T/out"'
own alice stats --json; rc=$?
check_sh "alice+ stats --json: her two and totals of those alone ($rc)" \
    "[ $rc = 0 ] && python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); n=sorted(w[\"name\"] for w in d[\"workspaces\"]); sys.exit(not (n == [\"$A\", \"$S\"] and d[\"totals\"][\"workspaces\"] == 2))' '$T/out'"
own alice stats "$B"; rc=$?
check "alice+ stats bob's: exit 3, as for none" eval 'exits "$rc" 3 && is "$(cat "$T/err")" "ws: no workspace '\''$B'\''"'
own alice stop "$S"; rc=$?
check "alice+ stop the workspace the access list lets her enter: exit 0" exits "$rc" 0
check "it is stopped" is "$(state "$S")" exited

# Not hers: the same line and code as a workspace that does not exist.
own alice stop "$B"; rc=$?
cp "$T/err" "$T/err.bob"
check "alice+ stop bob's: exit 3" exits "$rc" 3
check "with one line" is "$(cat "$T/err.bob")" "ws: no workspace '$B'"
check "bob's is still running" is "$(state "$B")" running
own alice stop "$N"; rc=$?
check "alice+ stop one that does not exist: exit 3" exits "$rc" 3
check "the same line" is "$(sed "s/$N/X/" "$T/err")" "$(sed "s/$B/X/" "$T/err.bob")"
own alice start "$B"; rc=$?
check "alice+ start bob's: exit 3, the same line" \
    eval 'exits "$rc" 3 && is "$(cat "$T/err")" "ws: no workspace '\''$B'\''"'
own bob stop "$A"; rc=$?
check "bob+ stop alice's: exit 3" exits "$rc" 3
check "alice's is still running" is "$(state "$A")" running
out=$(timeout 60 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/alice" -p "$GW_PORT" -l bob+ 127.0.0.1 list 2>"$T/err" </dev/null); rc=$?
check "alice's key does not open bob+ ($rc)" eval '[ "$rc" = 255 ] && [ -z "$out" ] && contains "$T/err" "Permission denied"'

# --- backup, restore, rebuild: her own, never another's ---------------------
kssh "$T/alice" "$A" 'echo mine > /home/workspace/note' 2>/dev/null
aport=$(ws_port "$A")
timeout 300 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/alice" -p "$GW_PORT" -l alice+ 127.0.0.1 \
    backup "$A" > "$T/a.tar.zst" 2> "$T/err" </dev/null; rc=$?
check "alice+ backup her workspace > file: exit 0 ($rc)" exits "$rc" 0
check "the file is an archive of it (its header names it)" \
    eval 'tar --zstd -xOf "$T/a.tar.zst" wsgate-backup.json | python3 -c "import json,sys; sys.exit(json.load(sys.stdin)[\"workspace\"] != \"$A\")"'
check "it runs again after the backup" is "$(state "$A")" running
own bob backup "$A"; rc=$?
check "bob+ backup alice's: exit 3, the line of a workspace that does not exist, no bytes" \
    eval 'exits "$rc" 3 && is "$(cat "$T/err")" "ws: no workspace '\''$A'\''" && [ ! -s "$T/out" ]'
own alice backup "$A" -o /tmp/x.tar.zst; rc=$?
check "-o FILE is refused over SSH: exit 2" eval 'exits "$rc" 2 && [ ! -e /tmp/x.tar.zst ]'
ownin() { local a=$1 f=$2; shift 2; timeout 300 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/$a" -p "$GW_PORT" -l "$a+" 127.0.0.1 "$@" >"$T/out" 2>"$T/err" <"$f"; }
ownin bob "$T/a.tar.zst" restore "$B" --force; rc=$?
check "bob+ restore onto his own with --force works ($rc) and makes it the archive's data" \
    eval 'exits "$rc" 0 && is "$(kssh "$T/bob" "$B" cat /home/workspace/note 2>/dev/null)" mine'
check "... and it stays his: the archive names alice, not its owner" is "$(ws_owner "$B")" bob
ownin bob "$T/a.tar.zst" restore "$A" --force; rc=$?
check "bob+ restore onto alice's: exit 3, the same line as for none" \
    eval 'exits "$rc" 3 && is "$(cat "$T/err")" "ws: no workspace '\''$A'\''"'
check "... her workspace is untouched" eval 'is "$(state "$A")" running && is "$(ws_owner "$A")" alice'
ownin alice "$T/a.tar.zst" restore "$S" --force; rc=$?
check "alice+ restore onto one she may only enter (bob's): exit 3" \
    eval 'exits "$rc" 3 && is "$(ws_owner "$S")" bob'
ownin alice "$T/a.tar.zst" restore "$RUN-again"; rc=$?
check "alice+ restore under a new name: exit 0, hers" \
    eval 'exits "$rc" 0 && is "$(ws_owner "$RUN-again")" alice && is "$(state "$RUN-again")" running'
ownin alice "$T/a.tar.zst" restore "$A" --owner bob; rc=$?
check "--owner is refused over SSH: exit 2" exits "$rc" 2
head -c 3000 "$T/a.tar.zst" > "$T/cut.tar.zst"
ownin alice "$T/cut.tar.zst" restore "$RUN-cut"; rc=$?
check "a cut archive over SSH: exit 6, one line, nothing made" \
    eval 'exits "$rc" 6 && [ "$(wc -l < "$T/err")" = 1 ] && absent volume "workspace-$RUN-cut"'
own alice rebuild "$A" --no-backup; rc=$?
check "alice+ rebuild her own: exit 0, same port, same data" \
    eval 'exits "$rc" 0 && is "$(ws_port "$A")" "$aport" && is "$(kssh "$T/alice" "$A" cat /home/workspace/note 2>/dev/null)" mine'
own alice rebuild "$B" --no-backup; rc=$?
check "alice+ rebuild bob's: exit 3" eval 'exits "$rc" 3 && is "$(state "$B")" running'
own alice rebuild "$A" --image evil:latest; rc=$?
check "--image is refused over SSH: exit 2" exits "$rc" 2

# Bad input: one line and a status.
own alice frobnicate; rc=$?
check "an unknown command: exit 2 with a line" \
    eval 'exits "$rc" 2 && contains "$T/err" "ws: unknown command '\''frobnicate'\''"'
own alice create "$N"; rc=$?
check "the administrator's commands are unknown here (create: exit 2)" \
    eval 'exits "$rc" 2 && contains "$T/err" "unknown command '\''create'\''" && absent container "workspace-$N"'
own alice delete "$A"; rc=$?
check "delete: exit 2, and her workspace stays" eval 'exits "$rc" 2 && [ "$(state "$A")" = running ]'
own alice list --owner bob; rc=$?
check "--owner is refused: exit 2" eval 'exits "$rc" 2 && contains "$T/err" "list does not take --owner"'
own alice ' -f /etc/passwd list'; rc=$?
check "-f is refused: exit 2" eval 'exits "$rc" 2 && contains "$T/err" "-f"'
own alice "stop '$A'"; rc=$?
check "a quote is refused, not read as a shell would: exit 2" \
    eval 'exits "$rc" 2 && contains "$T/err" "quote" && [ "$(state "$A")" = running ]'
own alice "list $(head -c 2048 /dev/zero | tr '\0' x)"; rc=$?
check "a 2 KiB command line: exit 2 with a line" \
    eval 'exits "$rc" 2 && contains "$T/err" "longer than 1024 bytes" && [ "$(wc -l < "$T/err")" = 1 ]'
own alice $(seq 17); rc=$?
check "17 words: exit 2 with a line" eval 'exits "$rc" 2 && contains "$T/err" "more than 16 words"'

# A shell prints the help; a pty is refused.
own alice; rc=$?
check "a shell: the help, exit 0" eval 'exits "$rc" 0 && contains "$T/out" "alice+@GATEWAY COMMAND" && contains "$T/out" "stop NAME"'
check "it lists only the owner's commands" eval 'lacks "$T/out" "delete" && lacks "$T/out" "key add"'
timeout 60 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -tt -i "$T/alice" -p "$GW_PORT" -l alice+ 127.0.0.1 >"$T/out" 2>"$T/err" </dev/null; rc=$?
# OpenSSH's client closes a channel whose pty it demanded (-tt) and did not get.
check "ssh -tt: the pty is refused with the client's line, no hang ($rc)" \
    eval '[ "$rc" != 124 ] && contains "$T/err" "PTY allocation request failed"'
own alice help stop; rc=$?
check "help stop: exit 0" eval 'exits "$rc" 0 && contains "$T/out" "stop NAME"'
timeout 60 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/alice" -p "$GW_PORT" -l alice+ -s 127.0.0.1 sftp >"$T/out" 2>"$T/err" </dev/null; rc=$?
check "a subsystem (sftp) is refused ($rc)" eval '[ "$rc" != 0 ] && contains "$T/err" "subsystem request failed"'

# Forwardings are refused; the gateway serves a normal login meanwhile.
timeout 60 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/alice" -p "$GW_PORT" -l alice+ \
    -o ExitOnForwardFailure=yes -R 0:127.0.0.1:22 127.0.0.1 help >"$T/out" 2>"$T/err" </dev/null; rc=$?
check "-R is refused ($rc)" eval '[ "$rc" = 255 ] && contains "$T/err" "remote port forwarding failed"'
lport=$(free_port)
before=$(pgrep -P "$GW_PID" | tr '\n' ' ')
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=INFO -i "$T/alice" -p "$GW_PORT" -l alice+ \
    -o ControlMaster=yes -o ControlPath="$T/mux" -E "$T/mux.log" -f -N \
    -L "$lport:127.0.0.1:$GW_PORT" 127.0.0.1 </dev/null
check "an alice+ connection with -L is up" wait_until 10 listening "$lport"
on_exit "ssh -o ControlPath='$T/mux' -O exit x 2>/dev/null; true"
reply=$(timeout 10 python3 -c 'import socket,sys; s=socket.create_connection(("127.0.0.1", int(sys.argv[1]))); s.settimeout(8); print(len(s.recv(100)))' "$lport" 2>&1)
check "a connection through -L gets nothing ($reply)" is "$reply" 0
check "ssh says the gateway refused the channel" wait_until 10 contains "$T/mux.log" "administratively prohibited"
# The alice+ connection is served by the sandboxed process, as any: not
# root, under seccomp, holding only its client, its log and its monitor.
mon=$(new_child $before)
conn=$(pgrep -P "${mon:-0}" | head -1)
st() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }
check "its process runs as privsep_user ($(st "${conn:-0}" Uid 2>/dev/null))" \
    eval '[ -n "$conn" ] && [ "$(st "$conn" Uid | cut -d" " -f1)" = "$(id -u wsgate)" ]'
check "under seccomp, no new privileges" is "$(st "${conn:-0}" Seccomp)|$(st "${conn:-0}" NoNewPrivs)" "2|1"
check "with three descriptors: the client, its log, its monitor ($(ls "/proc/${conn:-0}/fd" 2>/dev/null | tr '\n' ' '))" \
    is "$(ls "/proc/${conn:-0}/fd" 2>/dev/null | wc -l)" 3
check "a normal login works meanwhile" is "$(kssh "$T/alice" "$A" echo in 2>/dev/null)" in
# Four commands at once on the one connection.
for i in 1 2 3 4; do
    timeout 60 ssh "${SSH_OPTS[@]}" -o ControlPath="$T/mux" -l alice+ x list --names >"$T/par$i" 2>&1 </dev/null &
    pids[i]=$!
done
okn=0
for i in 1 2 3 4; do wait "${pids[i]}" && grep -qx "$A" "$T/par$i" && okn=$((okn + 1)); done
check "four commands at once on one connection all end well" is "$okn" 4

check "the audit log has a line per command: account, command, workspace, status" \
    eval 'grep -qE "event=command .*account=alice .*command=stop .*workspace=$B .*status=3" "$T/audit.log" &&
          grep -qE "event=command .*account=alice .*command=stop .*workspace=$A .*status=0" "$T/audit.log"'
check "the login of alice+ is audited as hers" \
    eval 'grep -qE "event=auth .*account=alice .*workspace=alice\\+ .*result=accepted" "$T/audit.log"'
check "no process broke the monitor protocol" lacks "$T/main.log" "broke the monitor protocol"
finish
