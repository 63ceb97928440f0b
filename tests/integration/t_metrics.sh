#!/bin/bash
# Metrics and health (metrics_listen, docs/metrics.md): /metrics scraped
# during activity passes promtool and shows it (a session bridging, its
# channel, its workspace's bring-up), and agrees with the audit log once it
# is over (auth attempts by method and result, sessions, bytes each way);
# /healthz and /readyz, which goes 503 on a gateway whose engine is not
# there; the endpoints' process holds no root and is started again when it
# ends; connection monitors do not map the metrics.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || { not_ok "promtool is installed (Debian's prometheus; scripts/setup.sh)"; finish; }
MP=$(free_port)
gw_start main "audit_log = \"$T/audit.log\";" "metrics_listen = \"127.0.0.1:$MP\";"
MAIN_PID=$GW_PID
W=$RUN-metrics
A="$T/audit.log"
URL=http://127.0.0.1:$MP

# scrape [PORT]: /metrics into $T/scrape (fails unless 200).
scrape() { curl -sf -m 10 -o "$T/scrape" "http://127.0.0.1:${1:-$MP}/metrics"; }
# metric NAME{LABELS}: its value in the last scrape (nothing when absent).
metric() { awk -v k="$1" '$1 == k { print $2 }' "$T/scrape"; }
# status PATH [PORT]: the HTTP status of GET PATH.
status() { curl -s -m 10 -o "$T/body" -w '%{http_code}' "http://127.0.0.1:${2:-$MP}$1"; }
# at_least NAME{LABELS} N: a fresh scrape shows the metric at N or more.
at_least() {
    local v
    scrape || return 1
    v=$(metric "$1")
    [ -n "$v" ] && [ "${v%.*}" -ge "$2" ] || { echo "# $1 is '${v:-absent}', want >= $2"; return 1; }
}
# is_now NAME{LABELS} N: a fresh scrape shows the metric at exactly N.
is_now() {
    local v
    scrape || return 1
    v=$(metric "$1")
    [ "$v" = "$2" ] || { echo "# $1 is '${v:-absent}', want $2"; return 1; }
}

# (The endpoints' socket is bound just after the SSH listener's line.)
check "/healthz answers 200 while the listener runs" wait_until 10 eval '[ "$(status /healthz)" = 200 ]'
check "the listener said where" grep -q "metrics and health endpoints on 127.0.0.1:$MP" "$T/main.log"
check "/readyz answers 200 once the engine has been probed" wait_until 15 eval '[ "$(status /readyz)" = 200 ]'
check "POST is refused (405)" is "$(curl -s -m 10 -o /dev/null -w '%{http_code}' -X POST -d x "$URL/metrics")" 405
check "an unknown path is 404" is "$(status /metrics/x)" 404
check "/metrics before any activity passes promtool" eval 'scrape && promtool check metrics < "$T/scrape"'

# Activity: a login that creates and starts the workspace, with a transfer;
# refused attempts (another's key, a bad name, a wrong password); a session
# held open while /metrics is read.
head -c 3000000 /dev/zero | wssh "$W" 'cat > /dev/null; head -c 1000000 /dev/zero' | wc -c > "$T/n"
check "the transfer went through" is "$(cat "$T/n")" 1000000
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/stranger" -p "$GW_PORT" -l "$W" 127.0.0.1 true 2>/dev/null
timeout 30 ssh "${SSH_OPTS[@]}" -o LogLevel=ERROR -i "$T/id" -p "$GW_PORT" -l 'Not A Name' 127.0.0.1 true 2>/dev/null
pwssh password "$W" wrong-password true >/dev/null 2>&1
wssh "$W" 'sleep 12' &
held=$!
bg_pid $held
check "during a session: one connection bridging" wait_until 15 at_least 'wsgate_connections{state="bridging"}' 1
check "during a session: a session open" at_least 'wsgate_sessions_open' 1
check "during a session: its session channel, from the bridge's figures" wait_until 5 at_least 'wsgate_channels_open{type="session"}' 1
check "during a session: /metrics passes promtool" eval 'promtool check metrics < "$T/scrape"'
cp "$T/scrape" "$T/during"
check "the workspace was created once, by this login" is "$(metric 'wsgate_workspace_creates_total{result="ok"}')" 1
check "and started once" is "$(metric 'wsgate_workspace_starts_total{result="ok"}')" 1
check "its bring-up phases are timed (create)" is "$(metric 'wsgate_bringup_seconds_count{phase="create"}')" 1
check "the engine is up" is "$(metric wsgate_engine_up)" 1

# The processes: the endpoints' one holds no root and nothing but its
# socket; a connection's monitor does not map the metrics (the listener
# does: the check can fail).
HTTP=$(pgrep -P "$GW_PID" -f -- '--metrics-http' | head -1)
check "the endpoints' process runs" [ -n "$HTTP" ]
uid=$(id -u wsgate)
check "it runs as the sandbox user ($uid), real, effective, saved and fs" \
    is "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$HTTP/status")" "$uid $uid $uid $uid"
check "with no groups, no new privileges, a seccomp filter" eval \
    'grep -q "^Groups:\s*$" /proc/$HTTP/status && grep -q "^NoNewPrivs:\s*1" /proc/$HTTP/status && grep -q "^Seccomp:\s*2" /proc/$HTTP/status'
check "chrooted to the empty directory" is "$(readlink "/proc/$HTTP/root")" /run/wsgate/empty
check "it maps the metrics read-only" eval 'grep "wsgate-metrics" /proc/$HTTP/maps | grep -q " r--s "'
check "the listener maps them (read-write)" eval 'grep "wsgate-metrics" /proc/$GW_PID/maps | grep -q " rw-s "'
mon=
for p in $(pgrep -P "$GW_PID"); do [ "$p" != "$HTTP" ] && pgrep -P "$p" >/dev/null && mon=$p; done
check "a connection's monitor is there" [ -n "$mon" ]
check "and does not map the metrics" eval '[ -n "$mon" ] && ! grep -q wsgate-metrics /proc/$mon/maps'
wait $held

# Once everything is over, the metrics agree with the audit log.
check "every session has ended" wait_until 15 is_now 'wsgate_sessions_open' 0
check "no connection is left in any state" eval "is_now 'wsgate_connections{state=\"bridging\"}' 0 && is_now 'wsgate_connections{state=\"authenticating\"}' 0 && is_now 'wsgate_connections{state=\"bringing_up\"}' 0"
agree() {
    python3 - "$A" "$T/scrape" <<'PY'
import re, sys
audit, scrape = open(sys.argv[1]).read(), open(sys.argv[2]).read()
want, bad = {}, 0
for m in re.finditer(r" audit event=auth .* method=(\S+) key=\S+ result=(\S+)", audit):
    k = ("none" if m.group(1) == "-" else m.group(1), m.group(2))
    want[k] = want.get(k, 0) + 1
got = {}
for m in re.finditer(r'^wsgate_auth_attempts_total\{method="([^"]+)",result="([^"]+)"\} (\d+)$', scrape, re.M):
    if int(m.group(3)):
        got[(m.group(1), m.group(2))] = int(m.group(3))
if got != want:
    print(f"# auth attempts: audit log {sorted(want.items())}, metrics {sorted(got.items())}")
    bad = 1
def metric(name):
    m = re.search(r"^" + re.escape(name) + r" (\S+)$", scrape, re.M)
    return int(float(m.group(1))) if m else None
starts = audit.count(" audit event=session-start ")
ends = re.findall(r" audit event=session-end .* bytes_in=(\d+) bytes_out=(\d+) ", audit)
checks = [("sessions", metric("wsgate_sessions_total"), starts),
          ("sessions ended", len(ends), starts),
          ("bytes from clients", metric('wsgate_bytes_total{direction="from_client"}'), sum(int(a) for a, b in ends)),
          ("bytes to clients", metric('wsgate_bytes_total{direction="to_client"}'), sum(int(b) for a, b in ends)),
          ("sshd phases timed", metric('wsgate_bringup_seconds_count{phase="sshd"}'), starts)]
for what, m, a in checks:
    if m != a:
        print(f"# {what}: metrics {m}, audit log {a}")
        bad = 1
print(f"# {sum(want.values())} auth attempts, {starts} sessions agree" if not bad else "# they disagree")
sys.exit(bad)
PY
}
check "auth attempts by method and result, sessions and bytes agree with the audit log" eval 'scrape && agree'
check "refused attempts are among them (another's key)" at_least 'wsgate_auth_attempts_total{method="publickey",result="refused"}' 1
check "and a name that is none" at_least 'wsgate_auth_attempts_total{method="none",result="invalid-name"}' 1
check "no report was dropped or refused" eval "is_now wsgate_metrics_reports_dropped_total 0 && is_now 'wsgate_metrics_reports_rejected_total{reason=\"sender\"}' 0 && is_now 'wsgate_metrics_reports_rejected_total{reason=\"malformed\"}' 0"

# A start of a stopped workspace is counted and timed.
ws stop "$W" >/dev/null 2>&1
check "after ws stop, a login starts it again" is "$(wssh "$W" echo in)" in
check "a second start, timed" eval "is_now 'wsgate_workspace_starts_total{result=\"ok\"}' 2 && is_now 'wsgate_bringup_seconds_count{phase=\"start\"}' 2"
check "and still one create" is_now 'wsgate_workspace_creates_total{result="ok"}' 1

# The endpoints' process ends: the listener starts another.
kill -TERM "$HTTP"
check "a new endpoints' process comes" wait_until 10 eval 'p=$(pgrep -P $GW_PID -f -- --metrics-http) && [ -n "$p" ] && [ "$p" != "$HTTP" ]'
check "and answers /healthz" wait_until 10 eval '[ "$(status /healthz)" = 200 ]'
check "the listener said so" grep -q "metrics endpoints' process $HTTP ended" "$T/main.log"

# A gateway whose engine is not there: alive, not ready.
MP2=$(free_port)
gw_start noengine "docker_socket = \"$T/no-engine.sock\";" "metrics_listen = \"127.0.0.1:$MP2\";"
check "no engine: /healthz is 200" wait_until 10 eval '[ "$(status /healthz $MP2)" = 200 ]'
# (503 before its first probe too: wait for the probe's verdict.)
check "no engine: /readyz is 503, saying the engine does not answer" wait_until 15 eval \
    '[ "$(status /readyz $MP2)" = 503 ] && grep -q "does not answer" "$T/body"'
check "the gateway logged it" grep -q "the container engine does not answer at $T/no-engine.sock" "$T/noengine.log"
check "no engine: wsgate_engine_up is 0" wait_until 5 eval 'scrape $MP2 && [ "$(metric wsgate_engine_up)" = 0 ]'
check "the main gateway is still ready" is "$(status /readyz)" 200

# Off by default: no endpoints' process, nothing listening.
gw_start off
sleep 2
check "metrics_listen unset: no endpoints' process" not pgrep -P "$GW_PID" -f -- '--metrics-http'
check "the gateway with metrics has one (the check can fail)" pgrep -P "$MAIN_PID" -f -- '--metrics-http'
finish
