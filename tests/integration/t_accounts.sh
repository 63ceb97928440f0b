#!/bin/bash
# Accounts, owners and who may enter what: key-directory accounts, ACCOUNT+NAME
# logins, the owner label, the access and create lists, a key held by two
# accounts, and a site's HTTP authentication endpoint (a local server).
. "$(dirname "$0")/lib.sh"

for a in alice bob carol erin; do ssh-keygen -q -t ed25519 -N '' -f "$T/$a" -C "$a"; done
cp "$T/alice.pub" "$T/keys/alice"
cp "$T/bob.pub" "$T/keys/bob"
cp "$T/carol.pub" "$T/keys/carol"
W1=$RUN-own
W2=$RUN-new
W3=$RUN-shared

gw_start main "create = [\"alice\", \"carol\"];" "audit_log = \"$T/audit.log\";"
check "alice creates her workspace by logging in" is "$(kssh "$T/alice" "$W1" hostname 2>"$T/err")" "$W1"
check "the workspace records alice as its owner" is "$(ws_owner "$W1")" alice
check "alice+NAME names the account explicitly" is "$(kssh "$T/alice" "alice+$W1" echo in 2>/dev/null)" in

out=$(kssh "$T/bob" "$W1" echo in 2>"$T/bob-existing")
check "bob's valid key does not open alice's workspace: told permission denied" \
    refused "$out" "$T/bob-existing" "wsgate: permission denied: account 'bob' may not enter workspace '$W1'"
out=$(kssh "$T/bob" "alice+$W1" echo in 2>"$T/err")
check "bob's key does not pass for alice either (alice+NAME)" refused "$out" "$T/err" "Permission denied (publickey"
out=$(kssh "$T/bob" "$W2" echo in 2>"$T/bob-missing")
check "bob may not create a workspace" \
    refused "$out" "$T/bob-missing" "wsgate: permission denied: account 'bob' may not enter workspace '$W2'"
check "no container was made for bob" absent container "workspace-$W2"
sed "s/$W2/NAME/" "$T/bob-missing" | grep wsgate > "$T/m1"
sed "s/$W1/NAME/" "$T/bob-existing" | grep wsgate > "$T/m2"
check "the refusal is the same whether or not the workspace exists" eval '[ -s "$T/m1" ] && cmp "$T/m1" "$T/m2"'
out=$(wssh_info "$W2" echo in 2>"$T/err")
check "the tester account (not in create) may not create either" \
    refused "$out" "$T/err" "wsgate: permission denied: account 'tester' may not enter workspace '$W2'"
check "the audit log names the account and the refusal" \
    grep -q "account=bob workspace=$W1 method=publickey .* result=denied" "$T/audit.log"
check "the audit log names alice's accepted login" \
    grep -q "account=alice workspace=$W1 method=publickey .* result=accepted" "$T/audit.log"

# A key that two accounts hold: NAME@ is ambiguous, ACCOUNT+NAME is not.
cat "$T/carol.pub" >> "$T/keys/bob"
out=$(kssh "$T/carol" "$W2" echo in 2>"$T/err")
check "a key of two accounts is refused without the account, and the user is told to name it" \
    refused "$out" "$T/err" "this key belongs to several accounts: log in as ACCOUNT+$W2@gateway"
check "carol+NAME picks carol" is "$(kssh "$T/carol" "carol+$W2" echo in 2>/dev/null)" in
check "carol owns what she created" is "$(ws_owner "$W2")" carol
out=$(kssh "$T/carol" "bob+$W1" echo in 2>"$T/err")
check "bob+NAME with the shared key is still bob: alice's workspace stays shut" \
    refused "$out" "$T/err" "wsgate: permission denied: account 'bob' may not enter workspace '$W1'"

# The access list opens other people's workspaces; create = [] stops creation.
gw_start access "access = [\"$W1: bob\", \"*: @ext\"];" "create = [];" \
    "auth_url = \"http://127.0.0.1:1/\";"
check "the access list lets bob into alice's workspace" is "$(kssh "$T/bob" "$W1" echo in 2>/dev/null)" in
out=$(kssh "$T/bob" "bob+$W2" echo in 2>"$T/err")
check "but not into carol's" refused "$out" "$T/err" "wsgate: permission denied: account 'bob' may not enter workspace '$W2'"
check "the owner still enters" is "$(kssh "$T/alice" "$W1" echo in 2>/dev/null)" in
out=$(kssh "$T/alice" "$W3" echo in 2>"$T/err")
check "create = [] stops even alice from creating" \
    refused "$out" "$T/err" "wsgate: permission denied: account 'alice' may not enter workspace '$W3'"
check "no container was made" absent container "workspace-$W3"
out=$(kssh "$T/erin" "$W1" echo in 2>"$T/err")
check "an unreachable auth_url refuses cleanly" refused "$out" "$T/err" "Permission denied (publickey"
check "the gateway logs why" contains "$T/access.log" "auth_url: "

# A site's HTTP endpoint: dave exists only there (password), erin by key.
erin_fp=$(ssh-keygen -lf "$T/erin.pub" | awk '{print $2}')
cat > "$T/rules.json" <<EOF
{"passwords": {"dave": "dave-Secret-$RUN"}, "keys": {"$erin_fp": "erin"}, "groups": {"dave": ["ext"]}}
EOF
/usr/bin/python3 "$WSGATE_SRC/tests/integration/authd.py" "$T/authd.port" "$T/authd.log" "$T/rules.json" &
AUTHD=$!
bg_pid "$AUTHD"
check "the test's auth endpoint is up" wait_until 10 test -s "$T/authd.port"
gw_start http "auth_url = \"http://127.0.0.1:$(cat "$T/authd.port")/check\";" \
    "access = [\"*: @ext\"];" "audit_log = \"$T/audit-http.log\";"
check "dave logs in with a password the endpoint accepts" \
    is "$(pwssh password "$W1" "dave-Secret-$RUN" echo in 2>/dev/null)" in
check "the endpoint's group (ext) opened alice's workspace for dave" grep -q "account=dave workspace=$W1 method=password .* result=accepted" "$T/audit-http.log"
check "the request named the workspace, method and source" \
    /usr/bin/python3 -c "import json,sys; r=json.loads(open('$T/authd.log').readline()); sys.exit(not (r['workspace']=='$W1' and r['method']=='password' and r['remote_address']=='127.0.0.1' and r['remote_port']>0 and 'account' not in r))"
check "dave+NAME sends the account" is "$(pwssh keyboard-interactive "dave+$W1" "dave-Secret-$RUN" echo in 2>/dev/null)" in
check "the request carried it" grep -q '"account": *"dave".*"method": *"keyboard-interactive"\|"method": *"keyboard-interactive".*"account": *"dave"' "$T/authd.log"
out=$(pwssh password "dave+$W1" wrong echo in 2>"$T/err")
check "a wrong password is refused" refused "$out" "$T/err" "Permission denied ("
check "erin's key is accepted by fingerprint" is "$(kssh "$T/erin" "$W3" echo in 2>/dev/null)" in
check "the key request carried the fingerprint and key" /usr/bin/python3 -c "
import json, sys
rs = [json.loads(l) for l in open('$T/authd.log')]
sys.exit(not any(r.get('key_fingerprint') == '$erin_fp' and r.get('key', '').startswith('ssh-ed25519 ') for r in rs))" || { sed 's/^/#   /' "$T/authd.log"; false; }
check "erin owns the workspace she created" is "$(ws_owner "$W3")" erin
out=$(kssh "$T/erin" "$W1" echo in 2>"$T/err")
check "erin (not in group ext) stays out of alice's" \
    refused "$out" "$T/err" "wsgate: permission denied: account 'erin' may not enter workspace '$W1'"
out=$(pwssh password garbage "dave-Secret-$RUN" echo in 2>"$T/err")
check "a malformed endpoint answer is a refusal" refused "$out" "$T/err" "Permission denied ("
check "and the gateway says so" contains "$T/http.log" "malformed body"
check "no password reaches the gateway's log" lacks "$T/http.log" dave-Secret
check "nor the audit log" lacks "$T/audit-http.log" dave-Secret
kill "$AUTHD" 2>/dev/null
check "the gateway still serves" is "$(kssh "$T/alice" "$W1" echo in 2>/dev/null)" in
finish
