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
out=$("$WSGATE_BIN" -t -f "$T/empty.conf"); rc=$?
check "an empty file is valid ($rc)" eval '[ "$rc" = 0 ] && [ "$out" = "$T/empty.conf: configuration OK" ]'
out=$("$WSGATE_BIN" -t -f "$T/absent.conf"); rc=$?
check "an absent file means defaults ($rc)" eval '[ "$rc" = 0 ] && [ "$out" = "$T/absent.conf: configuration OK" ]'

# A configuration error is exit 1 (a crash would be 134 or 139).
printf 'listen_port = 2022;\n\nimage = 7;\n' > "$T/bad.conf"
"$WSGATE_BIN" -t -f "$T/bad.conf" 2>"$T/err"; rc=$?
check "-t on a bad file exits 1 ($rc)" [ "$rc" = 1 ]
check "-t says file:line: reason" contains "$T/err" "$T/bad.conf:3: 'image' must be a string"
printf 'listen_port = 2022\nnot valid at all\n' > "$T/syntax.conf"
"$WSGATE_BIN" -t -f "$T/syntax.conf" 2>"$T/err"; rc=$?
check "syntax error: exit 1 ($rc), naming file and line" eval '[ "$rc" = 1 ] && contains "$T/err" "$T/syntax.conf:2:"'
printf 'port_min = 2400;\nport_max = 2300;\n' > "$T/rel.conf"
"$WSGATE_BIN" -t -f "$T/rel.conf" 2>"$T/err"; rc=$?
check "port_min above port_max refused: exit 1 ($rc)" \
    eval '[ "$rc" = 1 ] && contains "$T/err" "port_min (2400) is above port_max (2300)"'

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
