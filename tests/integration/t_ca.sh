#!/bin/bash
# Per-session upstream credentials: workspaces trust the gateway's user CA,
# for their own principal only. A certificate for workspace A is refused by
# B's sshd, an expired one by A's, one from another CA by both; the gateway
# keeps no key that opens a workspace. A workspace made before the CA (or
# for another CA) still works while it runs, with the old key, and moves to
# the CA at its next start, on the same volumes.
. "$(dirname "$0")/lib.sh"
gw_start main
A=$RUN-ca-a
B=$RUN-ca-b
check "workspace A is made through the gateway" is "$(wssh "$A" echo in)" in
check "workspace B too" is "$(wssh "$B" echo in)" in
check "the gateway made its CA, with the .pub beside it" \
    eval '[ "$(stat -c %a "$T/user_ca")" = 600 ] && [ "$(ssh-keygen -y -f "$T/user_ca" | cut -d" " -f2)" = "$(cut -d" " -f2 "$T/user_ca.pub")" ]'
fp=$(ssh-keygen -l -f "$T/user_ca.pub" | cut -d' ' -f2)
check "A's container is labelled with the CA it trusts ($fp)" is "$(label "$A" org.wsgate.ca)" "$fp"
check "and no container carries a gateway key" eval \
    '! docker container inspect -f "{{range .Config.Env}}{{println .}}{{end}}" "workspace-$A" | grep -q "^WSGATE_AUTHORIZED_KEYS="'

# direct NAME KEY: a direct login to NAME's sshd with KEY (and its
# -cert.pub); prints "in" when it gets in.
direct() {
    local port
    port=$(ws_port "$1")
    echo "[127.0.0.1]:$port $(label "$1" org.wsgate.hostkey)" > "$T/known_$1"
    timeout 60 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -o UserKnownHostsFile="$T/known_$1" \
        -o StrictHostKeyChecking=yes -i "$2" -p "$port" workspace@127.0.0.1 echo in 2>"$T/direct.err"
}
ka=$(cert_for "$A")
check "a certificate for A's principal opens A" is "$(direct "$A" "$ka")" in
check "the same certificate is refused by B's sshd" eval \
    '[ -z "$(direct "$B" "$ka")" ] && contains "$T/direct.err" "Permission denied"'
kx=$(cert_for "$A" "-10m:-5m")
check "an expired certificate for A is refused by A's sshd" eval \
    '[ -z "$(direct "$A" "$kx")" ] && contains "$T/direct.err" "Permission denied"'
ssh-keygen -q -t ed25519 -N '' -f "$T/other_ca"
ssh-keygen -q -t ed25519 -N '' -f "$T/forged"
ssh-keygen -q -s "$T/other_ca" -I forged -n "workspace-$A" -V -5m:+5m "$T/forged.pub"
check "a certificate for A from another CA is refused by A's sshd" eval \
    '[ -z "$(direct "$A" "$T/forged")" ] && contains "$T/direct.err" "Permission denied"'
# The workspace's sshd logs who came in through the gateway (the key id).
check "A's sshd names the account each certificate was issued for" eval \
    'docker logs "workspace-$A" 2>&1 | grep -E "Accepted publickey for workspace .* ED25519-CERT .* ID wsgate account=tester src=127\.0\.0\.1:[0-9]+ \(serial [0-9]+\) CA ED25519 " | grep -F "CA ED25519 $fp" >/dev/null'

# (That no process of a session holds the CA's private key afterwards is
# t_privsep's proof, by gcore.)

# A workspace made for another CA (as every workspace made before the CA
# is) and running: a gateway with a new CA tells its sshd to trust the new
# CA (sessions in progress go on), and gets in with a certificate.
docker exec -u workspace "workspace-$A" sh -c 'echo kept-data > ~/kept'
wssh "$A" 'echo held; sleep 60' > "$T/held.out" 2>&1 &
held=$!
bg_pid "$held"
check "a session of A's is in progress" wait_until 20 grep -q held "$T/held.out"
gw_start rotated "user_ca_key = \"$T/user_ca2\";"
fp2=$(ssh-keygen -l -f "$T/user_ca2.pub" | cut -d' ' -f2)
check "with a new CA, the running workspace lets the gateway in" is "$(wssh "$A" echo in)" in
check "the gateway told its sshd to trust the new CA, and says so" contains "$T/rotated.log" \
    "workspace $A was made for another certificate authority (or before wsgate had one): its sshd now trusts this one; its next start makes its container anew"
check "the session in progress went on" kill -0 "$held"
kb=$(cert_for "$B")
check "B, not logged in to through the new gateway, still trusts only the first CA" is "$(direct "$B" "$kb")" in
kill "$held" 2>/dev/null
timeout 120 "$WS_BIN" -f "$T/rotated.conf" stop "$A" >"$T/stop.out" 2>&1
check "once stopped (ws stop), the next login makes its container anew, on its volumes" is "$(wssh "$A" cat kept)" kept-data
check "the gateway said why it made it again" contains "$T/rotated.log" "workspace $A: it trusts another certificate authority; making its container again"
check "the new container is labelled with the new CA" is "$(label "$A" org.wsgate.ca)" "$fp2"
ka2=$(cert_for "$A")
check "the first CA's certificates no longer open it" eval \
    '[ -z "$(direct "$A" "$ka2")" ] && contains "$T/direct.err" "Permission denied"'

finish
