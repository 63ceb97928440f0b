#!/bin/bash
# Host accounts through a real PAM stack (pam_unix, service wsgate): their
# ~/.ssh/authorized_keys, passwords and keyboard-interactive, expired and
# locked accounts, host groups, a slow PAM module that must not hold up
# anyone else, a password-guessing address that gets penalised (also when
# it idles out the grace time), abandoned keyboard-interactive
# conversations counted as attempts, and a FIFO authorized_keys.
. "$(dirname "$0")/lib.sh"

[ -f /etc/pam.d/wsgate ] || { not_ok "PAM service /etc/pam.d/wsgate is installed (scripts/setup.sh)"; finish; }
U=wu${RUN#t}
G=wg${RUN#t}
PW="Pw-$RUN-ok"
groupadd "$G"
useradd -m -s /bin/bash -G "$G" "$U"
on_exit userdel -r "$U"
on_exit groupdel "$G"
echo "$U:$PW" | chpasswd
install -d -o "$U" -g "$U" -m 700 "/home/$U/.ssh"
install -o "$U" -g "$U" -m 600 "$T/stranger.pub" "/home/$U/.ssh/authorized_keys"
W=$RUN-pam
W2=$RUN-other
D="Permission denied ("

# Host accounts are off by default (a safe default): the same person's key
# and password let no one in until an administrator turns them on.
gw_start closed
check "by default a host account's key lets no one in" eval '[ -z "$(kssh "$T/stranger" "$W" echo in 2>/dev/null)" ]'
check "nor its password" eval '[ -z "$(pwssh password "$U+$W" "$PW" echo in 2>/dev/null)" ]'
check "and no workspace was made" absent container "workspace-$W"
gw_stop "$GW_PID"
GW_EXTRA+=("host_accounts = true;")

gw_start main "audit_log = \"$T/audit.log\";"
MAIN=("$GW_PORT" "$GW_PID")
check "a host account logs in with a key from its ~/.ssh/authorized_keys" \
    is "$(kssh "$T/stranger" "$W" hostname 2>/dev/null)" "$W"
check "and owns the workspace it created" is "$(ws_owner "$W")" "$U"
check "password login through PAM (ACCOUNT+NAME)" is "$(pwssh password "$U+$W" "$PW" echo in 2>/dev/null)" in
check "keyboard-interactive login through PAM" is "$(pwssh keyboard-interactive "$U+$W" "$PW" echo in 2>/dev/null)" in
check "paramiko's password login" /usr/bin/python3 - "$GW_PORT" "$U+$W" "$PW" <<'PY'
import sys, paramiko
c = paramiko.SSHClient(); c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", int(sys.argv[1]), sys.argv[2], password=sys.argv[3], allow_agent=False, look_for_keys=False, timeout=30)
out = c.exec_command("echo in")[1].read().decode().strip()
sys.exit(out != "in")
PY
# The PAM helpers of those logins have ended: a leak in one shows now.
check "no sanitizer report from the PAM helpers so far" san_clean
# Keyboard-interactive requests that abandon their conversation count as
# attempts: each forks a root PAM helper. With max_auth_tries 3 the fourth
# request ends the connection, saying why.
gw_start kbd "max_auth_tries = 3;" "audit_log = \"$T/kbd-audit.log\";"
timeout 120 /usr/bin/python3 "$(dirname "$0")/kbdflood.py" "$GW_PORT" "$U+$W" 10 >"$T/kbdflood.out" 2>"$T/kbdflood.err"
check "10 abandoned keyboard-interactive requests: 3 questions, then the connection ends ($(head -1 "$T/kbdflood.out"))" \
    is "$(head -1 "$T/kbdflood.out")" "infos=3 closed=yes"
check "the client is told why" contains "$T/kbdflood.out" "wsgate: too many authentication failures"
check "each abandoned conversation is audited" wait_until 5 eval \
    '[ "$(grep -c "account=$U workspace=$W method=keyboard-interactive key=- result=abandoned" "$T/kbd-audit.log")" = 3 ]'

# A password guesser that then idles until the grace time ends earns the
# grace-time penalty on top of its failure: 10 + 10 s reaches penalty_min
# (15 s), so its address is refused; failure alone (10 s) would not be.
gw_start graceful "login_grace_time = 3;" "penalty_authfail = 10;" "penalty_grace = 10;" "penalty_min = 15;" "penalty_max = 120;"
/usr/bin/python3 - "$GW_PORT" "$U+$W" > "$T/idler.out" 2>&1 <<'PY'
import socket, sys, time, paramiko
s = socket.socket()
s.bind(("127.0.0.4", 0))
s.connect(("127.0.0.1", int(sys.argv[1])))
t = paramiko.Transport(s)
t.start_client(timeout=20)
try:
    t.auth_password(sys.argv[2], "a-wrong-guess")
    print("accepted?!")
except paramiko.AuthenticationException:
    print("refused")
end = time.monotonic() + 30
while t.is_active() and time.monotonic() < end:
    time.sleep(0.1)
print("ended" if not t.is_active() else "still open")
PY
check "the guesser was refused, then idled until the gateway ended it" is "$(cat "$T/idler.out")" "refused
ended"
check "the gateway logs the grace time ending after failed logins" wait_until 5 \
    contains "$T/graceful.log" "login grace time (3 s) expired for 127.0.0.4 port"
check "its connection has ended" wait_until 10 eval '[ "$(gw_procs | wc -w)" = 1 ]'
out=$(timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.4 -i "$T/id" -p "$GW_PORT" -l "$W2" 127.0.0.1 echo in 2>"$T/err")
check "the idling guesser's address is then refused, even with a good key" \
    eval '[ -z "$out" ] && dropped "$T/err" && contains "$T/graceful.log" "refusing 127.0.0.4 port"'

GW_PORT=${MAIN[0]} GW_PID=${MAIN[1]}
out=$(pwssh password "$U+$W" wrong echo in 2>"$T/err")
check "a wrong password is refused" refused "$out" "$T/err" "$D"
check "and audited as refused" wait_until 10 grep -q "account=$U workspace=$W method=password key=- result=refused" "$T/audit.log"
out=$(pwssh keyboard-interactive "$U+$W" wrong echo in 2>"$T/err")
check "a wrong keyboard-interactive answer is refused" refused "$out" "$T/err" "$D"
check "and audited as refused" wait_until 10 grep -q "account=$U workspace=$W method=keyboard-interactive key=- result=refused" "$T/audit.log"
# A secret longer than PAM's 1024 bytes (OpenSSH cuts what it reads at
# 1023: paramiko sends 2000) is a failed attempt, told as such; never a
# prefix that PAM might take.
refused_lines() { grep -c "account=$U workspace=$W method=\(password\|keyboard-interactive\) key=- result=refused" "$T/audit.log"; }
rb=$(refused_lines)
timeout 60 /usr/bin/python3 - "$GW_PORT" "$U+$W" "$PW" > "$T/long.out" 2>&1 <<'PY'
import sys, paramiko
port, user, pw = int(sys.argv[1]), sys.argv[2], sys.argv[3]
long = pw + "p" * 2000   # begins with the right password
for method in ("password", "keyboard-interactive"):
    t = paramiko.Transport(("127.0.0.1", port))
    t.start_client(timeout=20)
    try:
        if method == "password":
            t.auth_password(user, long)
        else:
            t.auth_interactive(user, lambda title, instr, prompts: [long for _ in prompts])
        print(method, "in")
    except paramiko.AuthenticationException:
        print(method, "refused")
    print(method, "banner", (t.get_banner() or b"").decode(errors="replace").strip())
    t.close()
PY
for m in password keyboard-interactive; do
    check "a $m of 2000 bytes that begins with the right one is refused" grep -qx "$m refused" "$T/long.out"
    check "and the person is told why ($m)" \
        grep -q "^$m banner wsgate: that answer is longer than the 1024 bytes a password may have" "$T/long.out"
done
check "both audited as refused" wait_until 10 eval '[ "$(refused_lines)" = $((rb + 2)) ]'
out=$(pwssh password "$W" "$PW" echo in 2>"$T/err")
check "a password without the account is refused, with a line saying how to name it" \
    refused "$out" "$T/err" "wsgate: passwords need the account name: log in as ACCOUNT+$W@gateway"
# Accounts below host_uid_min (root, system accounts) are never tried, even
# with their right password: a system account made for the test shows it.
S=ws${RUN#t}
useradd -r -M -s /bin/bash "$S"
on_exit userdel "$S"
echo "$S:$PW" | chpasswd
check "the system account's uid is below host_uid_min ($(id -u "$S"))" [ "$(id -u "$S")" -lt 1000 ]
out=$(pwssh password "$S+$W" "$PW" echo in 2>"$T/err")
check "an account below host_uid_min is refused with its right password" refused "$out" "$T/err" "$D"
check "as a plain refusal" wait_until 10 grep -q "account=$S workspace=$W method=password key=- result=refused" "$T/audit.log"
check "no password appears in the gateway's log" lacks "$T/main.log" "$PW"
check "nor in the audit log" lacks "$T/audit.log" "$PW"
check "the audit log records the method" grep -q "account=$U workspace=$W method=keyboard-interactive key=- result=accepted" "$T/audit.log"

chage -E 0 "$U"
out=$(pwssh password "$U+$W" "$PW" echo in 2>"$T/err")
check "an expired account is refused with a clear message" \
    refused "$out" "$T/err" "wsgate: account '$U': the account has expired; ask an administrator"
out=$(kssh "$T/stranger" "$W" echo in 2>"$T/err")
check "an expired account is refused with its key too, with the message" \
    refused "$out" "$T/err" "wsgate: account '$U': the account has expired"
out=$(pwssh password "$U+$W" wrong echo in 2>"$T/err")
check "a wrong password for it is refused" refused "$out" "$T/err" "$D"
check "and learns nothing about the account" lacks "$T/err" "wsgate: "
chage -E -1 "$U"
chage -d 0 "$U"
out=$(pwssh keyboard-interactive "$U+$W" "$PW" echo in 2>"$T/err")
check "a password that must be changed is refused with a clear message" \
    refused "$out" "$T/err" "the password has expired"
chage -d "$(date +%F)" "$U"
passwd -l "$U" >/dev/null
out=$(kssh "$T/stranger" "$W" echo in 2>"$T/err")
check "a locked account (passwd -l) is refused with its key, with a clear message" \
    refused "$out" "$T/err" "wsgate: account '$U' is locked; ask an administrator"
out=$(pwssh password "$U+$W" "$PW" echo in 2>"$T/err")
check "and with its password, saying so" refused "$out" "$T/err" "the account is locked"
passwd -u "$U" >/dev/null
check "unlocked, it logs in again" is "$(pwssh password "$U+$W" "$PW" echo in 2>/dev/null)" in

# Host groups in the access list.
out=$(wssh_info "$W" echo in 2>"$T/err")
check "tester may not enter the host account's workspace" \
    refused "$out" "$T/err" "wsgate: permission denied: account 'tester' may not enter workspace '$W'"
gw_start groups "access = [\"*: @$G\"];"
check "tester creates a workspace" is "$(wssh "$W2" echo in 2>/dev/null)" in
check "that workspace is the tester's" is "$(ws_owner "$W2")" tester
check "@group in the access list lets a member into it" \
    is "$(pwssh password "$U+$W2" "$PW" echo in 2>/dev/null)" in

# A slow PAM module (pam_exec sleep 8) delays only its own login.
SLOW=wsgate-slow-${RUN#t}
printf 'auth required pam_exec.so quiet /bin/sleep 8\n@include common-auth\n@include common-account\n' > "/etc/pam.d/$SLOW"
on_exit rm -f "/etc/pam.d/$SLOW"
gw_start slow "pam_service = \"$SLOW\";"
pwssh password "$U+$W" "$PW" echo slow-in > "$T/slow.out" 2>/dev/null &
slow=$!
# The slow login is inside PAM: its pam_exec sleep runs under this gateway.
in_pam() { local p; for p in $(gw_procs); do grep -qx '/bin/sleep8' <(tr -d '\0' < "/proc/$p/cmdline") && return 0; done; return 1; }
check "the slow login is waiting in PAM" wait_until 10 in_pam
out=$(wssh "$W2" echo in 2>/dev/null)
still=no; in_pam && still=yes
check "another person logs in while the slow PAM login is still waiting" is "$out:$still" in:yes
wait "$slow"
check "the slow login then completes" is "$(cat "$T/slow.out")" slow-in

# Password guessing from 127.0.0.3 is penalised; 127.0.0.2 logs in at once.
# pam_unix already holds each wrong password for 2 s, so a connection's
# penalty must outlast a few of them.
gw_start penal "penalty_authfail = 30;" "penalty_min = 15;" "penalty_max = 120;"
guess() {
    WS_TEST_PW=guess SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 timeout 20 ssh -F /dev/null \
        -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o PubkeyAuthentication=no \
        -o PreferredAuthentications=password -o NumberOfPasswordPrompts=3 -b 127.0.0.3 -p "$GW_PORT" -l "$U+$W" 127.0.0.1 true </dev/null
}
for _ in 1 2; do guess >/dev/null 2>&1; done
# The listener learns of the failures when those connections end.
check "the guessing connections have ended" wait_until 10 eval '[ "$(gw_procs | wc -w)" = 1 ]'
WS_TEST_PW=$PW SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 timeout 20 ssh -F /dev/null \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o PubkeyAuthentication=no \
    -o PreferredAuthentications=password -b 127.0.0.3 -p "$GW_PORT" -l "$U+$W" 127.0.0.1 echo in </dev/null >"$T/out" 2>"$T/err"
check "the guessing address is refused, even with the right password" is "$(cat "$T/out")" ""
check "its connection is closed before the SSH banner" dropped "$T/err"
check "the gateway logs the penalty" contains "$T/penal.log" "refusing 127.0.0.3 port"
check "and why" contains "$T/penal.log" "penalised for failed logins"
out=$(timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.2 -i "$T/id" -p "$GW_PORT" -l "$W2" 127.0.0.1 echo in 2>&1)
check "another address logs in meanwhile" is "$out" in

# A host account's ~/.ssh/authorized_keys made a FIFO must not hold other
# people's logins: a login without an account name scans every host
# account's keys (to find the key's one owner).
F=wf${RUN#t}
useradd -m -s /bin/bash "$F"
on_exit userdel -r "$F"
install -d -o "$F" -g "$F" -m 700 "/home/$F/.ssh"
gw_start fifo "login_grace_time = 30;"
# timed_login: prints the milliseconds of one login of tester to $W2.
timed_login() {
    local t0 out
    t0=$(date +%s%N)
    out=$(wssh "$W2" echo in 2>/dev/null)
    [ "$out" = in ] || { echo "# the login failed: '$out'" >&2; echo 99999; return; }
    echo $(( ($(date +%s%N) - t0) / 1000000 ))
}
min2() { [ "$1" -lt "$2" ] && echo "$1" || echo "$2"; }
base=$(min2 "$(timed_login)" "$(timed_login)")
mkfifo "/home/$F/.ssh/authorized_keys"
chown "$F:$F" "/home/$F/.ssh/authorized_keys"
chmod 600 "/home/$F/.ssh/authorized_keys"
fifo=$(min2 "$(timed_login)" "$(timed_login)")
check "with another account's authorized_keys a FIFO, a login takes $fifo ms (before: $base ms), not 1 s more" \
    [ "$fifo" -lt $((base + 1000)) ]
check "the gateway says it skipped the FIFO" contains "$T/fifo.log" "ignoring authorized keys /home/$F/.ssh/authorized_keys: not a regular file"
finish
