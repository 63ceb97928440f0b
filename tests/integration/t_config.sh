#!/bin/bash
# The daemon's command line and configuration, as an administrator meets them.
. "$(dirname "$0")/lib.sh"

"$WSGATE_BIN" --help > "$T/out"; rc=$?
check "--help exits 0 ($rc) and shows usage" eval '[ "$rc" = 0 ] && grep -q "^usage: wsgate " "$T/out"'
"$WSGATE_BIN" --version > "$T/out"; rc=$?
# ssh_version() may carry its build's suffixes ("0.10.6/openssl/zlib").
check "--version exits 0 ($rc) and names the version" \
    eval '[ "$rc" = 0 ] && grep -qxE "wsgate [0-9]+\.[0-9]+\.[0-9]+ \(libssh [0-9]+\.[0-9]+\.[0-9]+[^)]*\)" "$T/out"'
"$WSGATE_BIN" --bogus 2>"$T/err"; rc=$?
check "unknown option exits 2 ($rc) with the usage" eval '[ "$rc" = 2 ] && grep -q "^usage: wsgate " "$T/err"'

: > "$T/empty.conf"
out=$("$WSGATE_BIN" -t -f "$T/empty.conf" 2>"$T/err"); rc=$?
if [ -d /etc/wsgate/keys ]; then
    check "an empty file is valid on a set-up machine ($rc)" eval '[ "$rc" = 0 ] && [ "$out" = "$T/empty.conf: configuration OK" ]'
fi
mkdir -p "$T/keys"
printf 'keys_dir = "%s";\n' "$T/keys" > "$T/min.conf"
out=$("$WSGATE_BIN" -t -f "$T/min.conf" 2>"$T/err"); rc=$?
check "a file naming only an existing keys_dir is valid ($rc)" eval '[ "$rc" = 0 ] && [ "$out" = "$T/min.conf: configuration OK" ]'

# A file named with -f must exist: a typo is not "defaults".
"$WSGATE_BIN" -t -f "$T/wsgat.conf" > "$T/out" 2>"$T/err"; rc=$?
check "-t on a misspelt file name exits 1 ($rc) and says it cannot read it" \
    eval '[ "$rc" = 1 ] && contains "$T/err" "$T/wsgat.conf: error: cannot read: No such file or directory" && ! grep -q OK "$T/out"'
timeout 20 "$WSGATE_BIN" -f "$T/wsgat.conf" 2>"$T/err"; rc=$?
check "the daemon on a misspelt file name does not start on defaults (exit $rc)" \
    eval '[ "$rc" = 1 ] && contains "$T/err" "cannot read"'

# A configuration error is exit 1 (a crash would be 134 or 139).
printf 'listen_port = 2022;\n\nimage = 7;\n' > "$T/bad.conf"
"$WSGATE_BIN" -t -f "$T/bad.conf" 2>"$T/err"; rc=$?
check "-t on a bad file exits 1 ($rc)" [ "$rc" = 1 ]
check "-t says file:line: reason" contains "$T/err" "$T/bad.conf:3: error: 'image' must be a string"
printf 'listen_port = 2022\nnot valid at all\n' > "$T/syntax.conf"
"$WSGATE_BIN" -t -f "$T/syntax.conf" 2>"$T/err"; rc=$?
check "syntax error: exit 1 ($rc), naming file and line" eval '[ "$rc" = 1 ] && contains "$T/err" "$T/syntax.conf:2:"'
printf 'port_min = 2400;\nport_max = 2300;\n' > "$T/rel.conf"
"$WSGATE_BIN" -t -f "$T/rel.conf" 2>"$T/err"; rc=$?
check "port_min above port_max refused: exit 1 ($rc)" \
    eval '[ "$rc" = 1 ] && contains "$T/err" "port_min (2400) is above port_max (2300)"'

# As deep as sshd -t: every problem of the issue's list, each at its
# file:line (inside an @include too), all in one run.
mkdir -p "$T/deep/conf.d" "$T/deep/accounts" "$T/deep/keys"
printf 'not a key\n' > "$T/deep/hostkey"; chmod 600 "$T/deep/hostkey"
cat > "$T/deep/conf.d/more.conf" <<EOF2
# included
penalty_exempt = ["10.*", "not-an-ip"];
EOF2
cat > "$T/deep/wsgate.conf" <<EOF2
listen_address = "999.1.1.1";
keys_dir = "$T/deep/nokeys";
accounts_dir = "$T/deep/accounts";
audit_log = "$T/deep/missing-dir/audit.log";
files = ["$T/deep/no-such-source:/home/workspace/x"];
access = ["demo: "];
host_key = "$T/deep/hostkey";
@include "conf.d/more.conf"
EOF2
printf 'listen_port = 2000;\n' > "$T/deep/accounts/alice.conf"
printf '\ncpu_millis = "lots";\n' > "$T/deep/accounts/bob.conf"
printf 'memory_mb = 512;\n' > "$T/deep/accounts/carol.conf"
"$WSGATE_BIN" -t -f "$T/deep/wsgate.conf" > "$T/out" 2>"$T/err"; rc=$?
sed 's/^/#   /' "$T/err"
check "-t on the bad file exits 1 ($rc)" [ "$rc" = 1 ]
D=$T/deep/wsgate.conf
check "listen_address 999.1.1.1 is refused at its line" contains "$T/err" "$D:1: error: listen_address: '999.1.1.1'"
check "a missing keys_dir is refused" contains "$T/err" "$D:2: error: keys_dir $T/deep/nokeys: No such file or directory"
check "an audit_log in a missing directory is refused" contains "$T/err" "$D:4: error: audit_log $T/deep/missing-dir/audit.log: its directory"
check "a missing files source is refused" contains "$T/err" "$D:5: error: files entry 1: source $T/deep/no-such-source"
check "access \"demo: \" (no one) is refused" contains "$T/err" "$D:6: error: access entry 1: names no one"
check "a host key that does not load is refused" contains "$T/err" "$D:7: error: host_key $T/deep/hostkey does not load"
check "penalty_exempt not-an-ip is blamed on the included file's line" \
    contains "$T/err" "$T/deep/conf.d/more.conf:2: error: penalty_exempt entry 2: 'not-an-ip'"
check "an account file setting listen_port is refused at its line" \
    contains "$T/err" "$T/deep/accounts/alice.conf:1: error: 'listen_port' cannot be set per account"
check "an account file with cpu_millis = \"lots\" is refused at its line" \
    contains "$T/err" "$T/deep/accounts/bob.conf:2: error: 'cpu_millis' must be an integer"
check "the summary counts all 9 errors" contains "$T/err" "$D: 9 errors"

# Warnings: dangerous combinations; the file is still usable (exit 0).
cat > "$T/warn.conf" <<EOF2
keys_dir = "$T/keys";
host_accounts = true;
docker_in_docker = "caps";
auth_url = "http://auth.example.com/check";
EOF2
touch "$T/keys/alice.pub"
printf '# carl\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5 cut-short\n' > "$T/keys/carl"
out=$("$WSGATE_BIN" -t -f "$T/warn.conf" 2>"$T/err"); rc=$?
check "warnings only: exit 0 ($rc), configuration OK" eval '[ "$rc" = 0 ] && [ "$out" = "$T/warn.conf: configuration OK" ]'
check "host accounts + creation for all + Docker-in-Docker is warned about" \
    contains "$T/err" "$T/warn.conf:3: warning: host_accounts is on, create lets accounts make workspaces and docker_in_docker is 'caps'"
check "auth_url over plain http to another host is warned about" \
    contains "$T/err" "$T/warn.conf:4: warning: auth_url sends passwords in clear text"
check "a key file named alice.pub is warned about" contains "$T/err" "$T/keys/alice.pub is ignored"
check "a key line logins skip is warned about at its line" contains "$T/err" "$T/keys/carl:2: warning: this key line is skipped by logins"
rm -f "$T/keys/alice.pub" "$T/keys/carl"

# What the hostile review found -t passing that fails later.
mkdir -p "$T/more/accounts"
ln -sf "$T/elsewhere.log" "$T/more/linked.log"
printf 'docker_in_docker = "caps";\n' > "$T/more/accounts/dana.conf"
cat > "$T/more/wsgate.conf" <<EOF2
keys_dir = "$T/keys";
accounts_dir = "$T/more/accounts";
host_accounts = true;
log_target = "$T/more/linked.log";
auth_url = "http://127.0.0.1@auth.example.com/check";
env = ["TOKEN=secret"];
EOF2
chmod 644 "$T/more/wsgate.conf"
"$WSGATE_BIN" -t -f "$T/more/wsgate.conf" > /dev/null 2>"$T/err"; rc=$?
M=$T/more/wsgate.conf
check "a log_target that is a symbolic link is refused (the daemon never follows one): exit $rc" \
    eval '[ "$rc" = 1 ] && contains "$T/err" "$M:4: error: log_target $T/more/linked.log is a symbolic link"'
check "auth_url's host is read as curl reads it (127.0.0.1@host is host)" \
    contains "$T/err" "$M:5: warning: auth_url sends passwords in clear text"
check "credentials in a file anyone may read are warned about" \
    contains "$T/err" "$M:6: warning: $M sets env or files (credentials) and anyone on this host may read it"
check "Docker-in-Docker turned on in an account file is warned about with host accounts on" \
    contains "$T/err" "$T/more/accounts/dana.conf:1: warning: host_accounts is on"

# Safe defaults: no host account, no Docker-in-Docker unless an administrator says so.
"$WSGATE_BIN" -T -f "$T/min.conf" > "$T/eff" 2>"$T/err"; rc=$?
check "-T prints the effective settings (exit $rc)" eval '[ "$rc" = 0 ] && contains "$T/eff" "keys_dir = \"$T/keys\";"'
check "by default host accounts are off" contains "$T/eff" "host_accounts = false;"
check "by default Docker-in-Docker is off" contains "$T/eff" 'docker_in_docker = "off";'
"$WSGATE_BIN" -T -f "$T/eff" > "$T/eff2" 2>&1; rc=$?
check "-T's output is a configuration that reads back the same ($rc)" eval '[ "$rc" = 0 ] && diff -q "$T/eff" "$T/eff2"'
printf 'keys_dir = "%s";\naccounts_dir = "%s";\nenv = ["G=1"];\n' "$T/keys" "$T/deep/accounts" > "$T/acct.conf"
printf 'memory_mb = 512;\nenv = ["C=2"];\ndocker_in_docker = "caps";\n' > "$T/deep/accounts/carol.conf"
"$WSGATE_BIN" -T -f "$T/acct.conf" -C account=carol > "$T/carol" 2>"$T/err"; rc=$?
check "-T -C account=carol: her file applied (exit $rc)" \
    eval '[ "$rc" = 0 ] && contains "$T/carol" "memory_mb = 512;" && contains "$T/carol" "env = [\"G=1\", \"C=2\"];" && contains "$T/carol" "docker_in_docker = \"caps\";"'
"$WSGATE_BIN" -T -f "$T/acct.conf" -C account=dave > "$T/dave" 2>"$T/err"; rc=$?
check "-T -C account=dave (no file) gets the global settings" \
    eval '[ "$rc" = 0 ] && contains "$T/dave" "memory_mb = 0;" && contains "$T/dave" "docker_in_docker = \"off\";"'
"$WSGATE_BIN" -T -f "$T/acct.conf" -C account=bob > "$T/bob" 2>"$T/err"; rc=$?
check "-T -C account=bob (a bad file) exits 1 ($rc) with its error" \
    eval '[ "$rc" = 1 ] && contains "$T/err" "bob.conf:2: error:"'
"$WSGATE_BIN" -T -f "$T/acct.conf" -C user=bob > /dev/null 2>"$T/err"; rc=$?
check "-C with anything but account= is a usage error ($rc)" eval '[ "$rc" = 2 ] && contains "$T/err" "account=NAME"'

"$WSGATE_BIN" --config-doc > "$T/doc"; rc=$?
# docs/config.md is a 5-line preamble followed by the generated table.
tail -n +6 "$WSGATE_SRC/docs/config.md" > "$T/doc.md"
check "docs/config.md is the option table's own reference (--config-doc exit $rc)" \
    eval '[ "$rc" = 0 ] && [ -s "$T/doc" ] && diff -q "$T/doc.md" "$T/doc"'
"$WSGATE_BIN" --config-man > "$T/man"; rc=$?
check "--config-man writes wsgate.conf(5), which groff reads without a warning (exit $rc)" \
    eval '[ "$rc" = 0 ] && contains "$T/man" ".TH WSGATE.CONF 5" && [ -z "$(groff -man -ww -z "$T/man" 2>&1)" ]'

# Keys are generated on first start, kept, and private.
gw_start keys
check "host key generated with mode 0600" is "$(stat -c %a "$T/host_key")" 600
sum=$(sha256sum < "$T/host_key")
pub=$(ssh-keygen -y -f "$T/host_key" | cut -d' ' -f2)
check "the first gateway stops" gw_stop "$GW_PID"
gw_start keys2
check "host key kept across restarts" eval '[ -n "$pub" ] && [ "$(sha256sum < "$T/host_key")" = "$sum" ]'
ssh-keyscan -p "$GW_PORT" -t ed25519 127.0.0.1 2>/dev/null > "$T/scan"
check "the restarted gateway presents that ed25519 host key" eval '[ -n "$pub" ] && contains "$T/scan" "$pub"'
finish
