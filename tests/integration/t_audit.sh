#!/bin/bash
# The audit log: one line per authentication attempt and per session start and
# end, with source, workspace, method, key fingerprint, result, bytes each way
# and duration; untrusted names cannot forge fields.
. "$(dirname "$0")/lib.sh"
gw_start main "audit_log = \"$T/audit.log\";"
W=$RUN-audit
fp=$(ssh-keygen -lf "$T/id.pub" | awk '{print $2}')
sfp=$(ssh-keygen -lf "$T/stranger.pub" | awk '{print $2}')

head -c 1000000 /dev/zero | wssh "$W" 'cat > /dev/null; head -c 500000 /dev/zero' | wc -c > "$T/n"
check "session carried its bytes" is "$(cat "$T/n")" 500000
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/stranger" -p "$GW_PORT" -l "$W" 127.0.0.1 true 2>/dev/null
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l 'Evil result=accepted' 127.0.0.1 true 2>/dev/null
A="$T/audit.log"
check "the invalid name's attempt is logged" wait_until 10 grep -q "result=invalid-name" "$A"
check "the first session's end is logged" wait_until 10 grep -q "event=session-end .* workspace=$W " "$A"
sed 's/^/#   /' "$A" | head -12
check "accepted key logged with its fingerprint" grep -q "event=auth src=127.0.0.1 port=[0-9]* account=tester workspace=$W method=publickey key=$fp result=accepted" "$A"
check "session start logged" grep -q "event=session-start src=127.0.0.1 .* workspace=$W .*key=$fp" "$A"
check "session end logged with bytes each way and duration" \
    grep -q "event=session-end src=127.0.0.1 .* workspace=$W bytes_in=1000000 bytes_out=500000 duration=[0-9.]*" "$A"
check "refused key logged" grep -q "event=auth .* workspace=$W method=publickey key=$sfp result=refused" "$A"
check "hostile name escaped, cannot forge a result" grep -q "workspace=Evil%20result%3Daccepted method=- key=- result=invalid-name" "$A"
check "every line is one event" eval '[ -s "$A" ] && ! grep -v " audit event=" "$A"'
finish
