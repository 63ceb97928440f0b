#!/bin/bash
# The daemon's command line and configuration, as an administrator meets them.
. "$(dirname "$0")/lib.sh"

"$WSGATE_BIN" --help > "$T/out"
check "--help exits 0 and shows usage" contains "$T/out" "usage: wsgate"
check "--version names the version" bash -c "'$WSGATE_BIN' --version | grep -q '^wsgate [0-9]'"
"$WSGATE_BIN" --bogus 2>/dev/null
check "unknown option exits 2" [ $? = 2 ]

: > "$T/empty.conf"
check "an empty file is valid" "$WSGATE_BIN" -t -f "$T/empty.conf"
check "an absent file means defaults" "$WSGATE_BIN" -t -f "$T/absent.conf"

printf 'listen_port = 2022;\n\nimage = 7;\n' > "$T/bad.conf"
"$WSGATE_BIN" -t -f "$T/bad.conf" 2>"$T/err"
check "-t on a bad file exits non-zero" [ $? != 0 ]
check "-t says file:line: reason" contains "$T/err" "$T/bad.conf:3: 'image' must be a string"
printf 'listen_port = 2022\nnot valid at all\n' > "$T/syntax.conf"
"$WSGATE_BIN" -t -f "$T/syntax.conf" 2>"$T/err"
check "syntax error names file and line" contains "$T/err" "$T/syntax.conf:2:"
printf 'port_min = 2400;\nport_max = 2300;\n' > "$T/rel.conf"
"$WSGATE_BIN" -t -f "$T/rel.conf" 2>"$T/err"
check "port_min above port_max refused" contains "$T/err" "port_min (2400) is above port_max (2300)"

"$WSGATE_BIN" --config-doc > "$T/doc"
# docs/config.md is a 5-line preamble followed by the generated table.
check "docs/config.md is the option table's own reference" \
    bash -c "tail -n +6 '$WSGATE_SRC/docs/config.md' | diff -q - '$T/doc' >/dev/null"

# Keys are generated on first start, kept, and private.
gw_start keys
check "host key generated with mode 0600" [ "$(stat -c %a "$T/host_key")" = 600 ]
sum=$(sha256sum < "$T/host_key")
for p in "${GW_PIDS[@]}"; do kill "$p"; done
sleep 0.3
gw_start keys2
check "host key kept across restarts" [ "$(sha256sum < "$T/host_key")" = "$sum" ]
ssh-keyscan -p "$GW_PORT" -t ed25519 127.0.0.1 2>/dev/null > "$T/scan"
check "the gateway presents its ed25519 host key" contains "$T/scan" "$(ssh-keygen -y -f "$T/host_key" | cut -d' ' -f2)"
finish
