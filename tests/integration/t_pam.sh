#!/bin/bash
# Host accounts through a real PAM stack (pam_unix, service wsgate): their
# ~/.ssh/authorized_keys, passwords and keyboard-interactive, expired and
# locked accounts, host groups, a slow PAM module that must not hold up
# anyone else, and a password-guessing address that gets penalised.
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

gw_start main "audit_log = \"$T/audit.log\";"
check "a host account logs in with a key from its ~/.ssh/authorized_keys" \
    [ "$(kssh "$T/stranger" "$W" hostname 2>/dev/null)" = "$W" ]
check "and owns the workspace it created" [ "$(ws_owner "$W")" = "$U" ]
check "password login through PAM (ACCOUNT+NAME)" [ "$(pwssh password "$U+$W" "$PW" echo in 2>/dev/null)" = in ]
check "keyboard-interactive login through PAM" [ "$(pwssh keyboard-interactive "$U+$W" "$PW" echo in 2>/dev/null)" = in ]
check "paramiko's password login" /usr/bin/python3 - "$GW_PORT" "$U+$W" "$PW" <<'PY'
import sys, paramiko
c = paramiko.SSHClient(); c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
c.connect("127.0.0.1", int(sys.argv[1]), sys.argv[2], password=sys.argv[3], allow_agent=False, look_for_keys=False, timeout=30)
out = c.exec_command("echo in")[1].read().decode().strip()
sys.exit(out != "in")
PY
check "a wrong password is refused" [ "$(pwssh password "$U+$W" wrong echo in 2>/dev/null)" != in ]
check "a wrong keyboard-interactive answer is refused" [ "$(pwssh keyboard-interactive "$U+$W" wrong echo in 2>/dev/null)" != in ]
out=$(pwssh password "$W" "$PW" echo in 2>"$T/err")
check "a password without the account is refused" [ "$out" != in ]
check "with a line saying how to name it" contains "$T/err" "passwords need the account name: log in as ACCOUNT+$W@gateway"
check "root's password is never tried (below host_uid_min)" [ "$(pwssh password "root+$W" "$PW" echo in 2>/dev/null)" != in ]
check "no password appears in the gateway's log or audit" bash -c "! grep -q -- '$PW' '$T/main.log' '$T/audit.log'"
check "the audit log records the method" grep -q "account=$U workspace=$W method=keyboard-interactive key=- result=accepted" "$T/audit.log"

chage -E 0 "$U"
out=$(pwssh password "$U+$W" "$PW" echo in 2>"$T/err")
check "an expired account is refused" [ "$out" != in ]
check "with a clear message" contains "$T/err" "wsgate: account '$U': the account has expired; ask an administrator"
out=$(kssh "$T/stranger" "$W" echo in 2>"$T/err")
check "an expired account is refused with its key too" [ "$out" != in ]
check "also with the message" contains "$T/err" "the account has expired"
out=$(pwssh password "$U+$W" wrong echo in 2>"$T/err")
check "a wrong password learns nothing about the account" bash -c "! grep -q expired '$T/err'"
chage -E -1 "$U"
chage -d 0 "$U"
out=$(pwssh keyboard-interactive "$U+$W" "$PW" echo in 2>"$T/err")
check "a password that must be changed is refused" [ "$out" != in ]
check "with a clear message" contains "$T/err" "the password has expired"
chage -d "$(date +%F)" "$U"
passwd -l "$U" >/dev/null
out=$(kssh "$T/stranger" "$W" echo in 2>"$T/err")
check "a locked account (passwd -l) is refused with its key" [ "$out" != in ]
check "with a clear message" contains "$T/err" "wsgate: account '$U' is locked; ask an administrator"
out=$(pwssh password "$U+$W" "$PW" echo in 2>"$T/err")
check "and with its password, saying so" contains "$T/err" "the account is locked"
passwd -u "$U" >/dev/null
check "unlocked, it logs in again" [ "$(pwssh password "$U+$W" "$PW" echo in 2>/dev/null)" = in ]

# Host groups in the access list.
check "tester may not enter the host account's workspace" [ "$(wssh "$W" echo in 2>/dev/null)" != in ]
gw_start groups "access = [\"*: @$G\"];"
check "tester creates a workspace" [ "$(wssh "$W2" echo in 2>/dev/null)" = in ]
check "that workspace is the tester's" [ "$(ws_owner "$W2")" = tester ]
check "@group in the access list lets a member into it" \
    [ "$(pwssh password "$U+$W2" "$PW" echo in 2>/dev/null)" = in ]

# A slow PAM module (pam_exec sleep 4) delays only its own login.
SLOW=wsgate-slow-${RUN#t}
printf 'auth required pam_exec.so quiet /bin/sleep 4\n@include common-auth\n@include common-account\n' > "/etc/pam.d/$SLOW"
on_exit rm -f "/etc/pam.d/$SLOW"
gw_start slow "pam_service = \"$SLOW\";"
pwssh password "$U+$W" "$PW" echo slow-in > "$T/slow.out" 2>/dev/null &
slow=$!
sleep 0.5
out=$(wssh "$W2" echo in 2>/dev/null)
still=no; kill -0 "$slow" 2>/dev/null && still=yes
check "another person logs in while the slow PAM login is still waiting" [ "$out:$still" = in:yes ]
wait "$slow"
check "the slow login then completes" [ "$(cat "$T/slow.out")" = slow-in ]

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
sleep 0.5
out=$(WS_TEST_PW=$PW SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force DISPLAY=:0 timeout 20 ssh -F /dev/null \
    -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o PubkeyAuthentication=no \
    -o PreferredAuthentications=password -b 127.0.0.3 -p "$GW_PORT" -l "$U+$W" 127.0.0.1 echo in </dev/null 2>&1)
check "the guessing address is refused, even with the right password" [ "$out" != in ]
check "the gateway logs the penalty" contains "$T/penal.log" "penalised for failed logins"
out=$(timeout 20 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -b 127.0.0.2 -i "$T/id" -p "$GW_PORT" -l "$W2" 127.0.0.1 echo in 2>&1)
check "another address logs in meanwhile" [ "$out" = in ]
finish
