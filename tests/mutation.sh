#!/bin/bash
# Mutation check: does the suite notice when the gateway is broken on purpose?
# Each mutant below patches a copy of the source tree in one small way (skip
# the signature check, drop exit-status, …), the copy is rebuilt, and the
# integration tests that guard that behaviour run against it. A mutant the
# tests pass is a hole in the suite: this script then fails.
#   tests/mutation.sh [MUTANT...]      (default: all; run as root, after setup)
# A patch that no longer applies to the code fails the script too, so the
# mutants follow the code instead of silently testing nothing.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/wsgate-mutants.XXXXXX)
trap 'rm -rf "$W"' EXIT

# name | tests to run (ctest -R) | text of a check that must fail | what it breaks
# A mutant counts as killed only when that very check fails: a flaky check,
# a dead engine or a broken test elsewhere is not a kill.
MUTANTS=(
    "signature|it_t_security|no hostile attempt was accepted|a key offered without a signature is taken as a login (no proof of the private key)"
    "exit_status|it_t_basic|exit 42 gives 42|the workspace's exit status never reaches the client"
    "stderr|it_t_basic|stdout carries only stdout|the workspace's stderr is sent as stdout"
    "owner|it_t_accounts|bob's valid key does not open alice's workspace|anyone who logs in may enter any workspace"
    "max_auth_tries|it_t_limits|max_auth_tries 2:|max_auth_tries is never enforced"
    "progress_stdout|it_t_provision|no progress line in the data|the gateway's progress lines are written into the session's stdout"
    "ws_progress_stdout|it_t_ws|and none of them on stdout|ws prints its progress lines on stdout"
    "privsep|it_t_privsep|the bridge runs as the sandbox user|a connection's process keeps root, its descriptors and no filter"
    "pk_queries|it_t_security|50 unsigned key questions|a client may ask without end whether a key would do (a root file read or auth_url call and an audit line each)"
    "jail_off|it_t_idle|their process lists were read in jails running as wsgate|what workspaces write (process lists, logs, command output) is parsed in root processes"
    "monitor_turn|it_t_privsep|a bridge asking for a password check after login is ended|the monitor answers any request in any state (a logged-in bridge may ask for more logins)"
    "orphan_owner|it_t_tenants|cannot make a workspace on alice's orphaned volumes|anyone allowed to create may take an orphan's volumes"
    "entrant_settings|it_t_tenants|with alice's environment|a remake takes the settings of whoever logged in, not the owner's"
    "penalty|it_t_limits|the guessing address is refused|failed logins are never penalised"
    "per_source|it_t_limits|the flood from 127.0.0.2 holds its 6 connections|one address's unauthenticated connections fill max_startups for everyone"
    "kbd_abandon|it_t_pam|10 abandoned keyboard-interactive requests|each keyboard-interactive request forks a root PAM helper without counting an attempt"
    "grace_penalty|it_t_pam|the idling guesser's address is then refused|a connection that idles out the login grace time earns no penalty"
    "close_drops_data|it_t_channels|DATA, EOF and CLOSE behind a full window|a client's CLOSE drops what it sent before it that the workspace had no window for"
    "unasked_opens|it_t_rogue|the gateway refused them itself|the workspace may open any channel towards the client"
    "watchdog|it_t_privsep|a bridge that spins without returning to its loop is ended by its watchdog|a connection that stops returning to its loop spins on unnoticed"
    "log_escape|it_t_rogue|its message escaped|a peer's newline starts a log line of its own"
    "forged_signature|it_t_privsep|a forged 'valid' publickey signature ends that process|the monitor takes its child's word that a publickey signature was valid"
    "sign_anything|it_t_privsep|a bridge asking to sign 10 bytes is ended|the monitor signs whatever its child asks with the host key"
    "hostkey_kept|it_t_privsep|the host key's seed is not in the bridge's memory|the connection process has the private host key (read before its fork)"
    "pty_modes|it_t_pty|the workspace's pty has erase = ^H|the client's terminal modes are dropped"
    "break_refused|it_t_pty|~B reaches the workspace's pty as a break|break requests are refused"
    "streamlocal|it_t_forward|-L to a socket: the workspace's socket answers|unix-socket forwarding is refused"
    "reload_ignored|it_t_reload|the listener says it reloaded, in a new main log|SIGHUP reloads nothing (new connections keep the old configuration)"
    "audit_kept|it_t_reload|bob's session is in the reopened audit log|the audit log is never reopened (rotation loses every line after it)"
    "shallow_check|it_t_config|a missing keys_dir is refused|wsgate -t checks only the file's values (keys, directories, account files unread)"
    "host_accounts_on|it_t_pam|by default a host account's key lets no one in|host accounts are on by default (every host user may log in)"
    "leak|it_t_audit|no sanitizer report|a connection's process leaks memory on every login (LeakSanitizer must see it)"
    "pam_leak|it_t_pam|no sanitizer report|the PAM helper leaks memory on every attempt (LeakSanitizer must see it)"
    "record_output|it_t_record|asciinema cat shows what the command printed|a recorded pty session's output never reaches its file"
    "metrics_gone|it_t_metrics|every session has ended|a connection's gauges outlive it (its session stays open in the metrics)"
    "restore_unchecked|it_t_backup|a byte changed and packed again: refused by the sums|a restore takes an archive whose parts' sha256 differ from its manifest's"
    "backup_no_pause|it_t_backup|it paused the workspace for the copy|a running workspace is backed up while it runs (a copy of no one moment)"
    "rebuild_no_rollback|it_t_backup|the workspace runs its old container|a failed rebuild leaves the workspace without a running container"
    "owner_backup_any|it_t_owner|bob+ backup alice's: exit 3|an account may back up any workspace over SSH"
    "restore_owner_archive|it_t_owner|it stays his: the archive names alice|a restore over SSH gives the workspace to whoever the archive names"
)

# apply NAME DIR: the mutant's edits, each an exact text that must occur.
apply() {
    python3 - "$1" "$2" <<'PY'
import sys
name, root = sys.argv[1], sys.argv[2]
E = {
 "signature": [("gateway/login.c",
    "\tif (sig == WS_MP_SIG_NONE) {\n\t\tret = ws_key_query(c, user, account, fp);",
    "\tif (0) {\n\t\tret = ws_key_query(c, user, account, fp);")],
 "privsep": [("common/privsep.c",
    "\tif (user[0] == '\\0' || geteuid() != 0)\n\t\treturn WS_OK;",
    "\tif (1)\n\t\treturn WS_OK;")],
 "pk_queries": [("gateway/login.c",
    "\tif (++c->queries > 2 * c->ctx->cfg->max_auth_tries) {",
    "\tif (++c->queries < 0) {")],
 "jail_off": [("common/jail.c",
    "\tif (ws_jail_as[0] == '\\0' || geteuid() != 0) {",
    "\tif (1) {")],
 "monitor_turn": [("gateway/mon_req.c",
    "\t\tif (!(ws_mon_reqs[i].states & WS_IN(m->state))) {",
    "\t\tif (!(ws_mon_reqs[i].states & WS_IN(m->state)) && 0) {")],
 "penalty": [("gateway/penalty.c",
    "\tws_addr_source(addr, ip, sizeof(ip));\n\ts = ws_pfind(t, ip);",
    "\tws_addr_source(addr, ip, sizeof(ip));\n\ts = ws_pfind(t, ip);\n\tif (now > 0)\n\t\treturn 0;")],
 "kbd_abandon": [("gateway/kbdint.c",
    "\tif (c->kbd.pam != NULL) {\n\t\t/* A new request abandons",
    "\tif (0) {\n\t\t/* A new request abandons")],
 "per_source": [("gateway/listener.c",
    "\tif (cfg->per_source_max_startups > 0 && mine >= cfg->per_source_max_startups)",
    "\tif (cfg->per_source_max_startups < 0 && mine >= cfg->per_source_max_startups)")],
 "grace_penalty": [("gateway/listener.c",
    "\t\telse if (note.kind == 'G' && !ws_penalty_exempt(cfg, note.ip))",
    "\t\telse if (note.kind == 'g' && !ws_penalty_exempt(cfg, note.ip))")],
 "reload_ignored": [("gateway/listener.c",
    "\t\tif (ws_reload) {",
    "\t\tif (ws_reload && 0) {")],
 "audit_kept": [("gateway/audit.c",
    "\tif (ws_audit_fd != STDERR_FILENO && ws_audit_fd != fd)\n\t\tclose(ws_audit_fd);\n\tws_audit_fd = fd;",
    "\tif (ws_audit_fd != STDERR_FILENO) {\n\t\tif (fd != STDERR_FILENO)\n\t\t\tclose(fd);\n\t\treturn WS_OK;\n\t}\n\tws_audit_fd = fd;")],
 "shallow_check": [("gateway/main.c",
    "\tif (deep && (rc == WS_OK || rc == WS_ERR_CONFIG))\n\t\tws_confcheck(cfg, d, WS_CONFCHECK_KEYS);",
    "\tif (0)\n\t\tws_confcheck(cfg, d, WS_CONFCHECK_KEYS);")],
 "host_accounts_on": [("config/options.c",
    "OFF(host_accounts), 0, 1, 0, NULL,",
    "OFF(host_accounts), 0, 1, 1, NULL,")],
 "exit_status": [("gateway/bridge.c",
    "ssh_channel_request_send_exit_status(down, b->exit_status);", "(void)0;")],
 "stderr": [("gateway/bridge.c",
    "rc = is_stderr ? ssh_channel_write_stderr(dst, data, (uint32_t)n) :",
    "rc = (is_stderr && 0) ? ssh_channel_write_stderr(dst, data, (uint32_t)n) :")],
 "owner": [("gateway/reach.c",
    "return ws_policy_may_enter(a->cfg->access, a->who, a->name, owner);",
    "return 1;")],
 "orphan_owner": [("workspace/workspace.c",
    "\t\tif (!ws_admitted(r, v.owner))\n\t\t\treturn ws_fail(r, WS_ERR_DENIED);",
    "\t\tif (0)\n\t\t\treturn ws_fail(r, WS_ERR_DENIED);")],
 "entrant_settings": [("workspace/workspace.c",
    "\t    ws_config_for_account(r->p->cfg, owner, &acfg, why, sizeof(why)) != WS_OK) {",
    "\t    ws_config_for_account(r->p->cfg, r->p->entrant[0] ? r->p->entrant : owner, &acfg, why, sizeof(why)) != WS_OK) {")],
 "max_auth_tries": [("gateway/login.c",
    "if (++c->failures >= c->ctx->cfg->max_auth_tries) {",
    "if (++c->failures >= 1000000) {")],
 "progress_stdout": [
   ("gateway/preauth.c",
    "static void ws_preauth_tell(struct ws_sess *s)\n{",
    "char ws_mut_progress[4096];\nstatic void ws_preauth_tell(struct ws_sess *s)\n{"),
   ("gateway/preauth.c",
    "\t\tssh_send_issue_banner(s->down, str);",
    "\t\t{ size_t n = strlen(ws_mut_progress); snprintf(ws_mut_progress + n, sizeof(ws_mut_progress) - n, \"%s\", line); }"),
   ("gateway/relay.c",
    "\tif (r->msg != NULL && !b->down_closed) {\n\t\tif (ok)\n\t\t\tssh_message_channel_request_reply_success(r->msg);",
    "\t{ extern char ws_mut_progress[]; if (ok && (r->kind->subtype == SSH_CHANNEL_REQUEST_EXEC ||\n"
    "\t    r->kind->subtype == SSH_CHANNEL_REQUEST_SHELL) && ws_mut_progress[0]) {\n"
    "\t\tssh_channel_write(b->c2w.src, ws_mut_progress, (uint32_t)strlen(ws_mut_progress)); ws_mut_progress[0] = 0; } }\n"
    "\tif (r->msg != NULL && !b->down_closed) {\n\t\tif (ok)\n\t\t\tssh_message_channel_request_reply_success(r->msg);")],
 "close_drops_data": [("gateway/bridge.c",
    "\tif (b->c2w.src_closed && ws_delivered(&b->c2w)) {", "\tif (b->c2w.src_closed) {")],
 "forged_signature": [("gateway/mon_req.c",
    "\tif (state == WS_MP_SIG_VALID &&\n\t    (rc = ws_req_pubkey_sig(",
    "\tif (0 && state == WS_MP_SIG_VALID &&\n\t    (rc = ws_req_pubkey_sig(")],
 "sign_anything": [("gateway/mon_req.c",
    "(n != 32 && n != 48 && n != 64)) {", "n == 0) {")],
 "hostkey_kept": [("gateway/monitor.c",
    "\tif ((m.child = fork()) < 0) {",
    "\tssh_pki_import_privkey_file(ctx->cfg->host_key, NULL, NULL, NULL, &m.hostkey);\n"
    "\tif ((m.child = fork()) < 0) {")],
 "pty_modes": [("gateway/relay.c",
    "\t    modes ? modes : (const unsigned char *)\"\", modes ? len : 0);",
    "\t    modes && 0 ? modes : (const unsigned char *)\"\", modes && 0 ? len : 0);")],
 "break_refused": [("gateway/relay.c",
    "{ \"break\", SSH_CHANNEL_REQUEST_BREAK, ws_send_break }", "{ \"break\", -2, ws_send_break }")],
 "streamlocal": [("gateway/forward.c",
    "{ \"direct-streamlocal\", SSH_CHANNEL_DIRECT_STREAMLOCAL, 0,", "{ \"direct-streamlocal\", -2, 0,")],
 "unasked_opens": [("gateway/forward.c",
    "\tswitch (k->subtype) {\n\tcase SSH_CHANNEL_SESSION:\n\t\treturn 1;",
    "\tif (k != NULL)\n\t\treturn 1;\n\tswitch (k->subtype) {\n\tcase SSH_CHANNEL_SESSION:\n\t\treturn 1;")],
 "watchdog": [("gateway/session.c",
    "\tif (ws_watchdog_arm(WS_WATCHDOG_CPU, escaped) != 0)",
    "\tif (0)")],
 "log_escape": [("common/log.c",
    "\tws_log_escape(esc, sizeof(esc), msg);\n\t/* One write per line",
    "\tsnprintf(esc, sizeof(esc), \"%s\", msg);\n\t/* One write per line"),
    # the monitor checks its child's lines, and escapes what it relays
    # that is not escaped: those go as well
    ("gateway/monitor.c",
    "\t\tif ((unsigned char)line[i] < 0x20 || (unsigned char)line[i] >= 0x7f)\n\t\t\treturn -1;",
    "\t\tif (0)\n\t\t\treturn -1;"),
    ("common/log.c",
    "\tif (*p != '\\0') {\n\t\tws_log_escape(esc, sizeof(esc), msg);",
    "\tif (0) {\n\t\tws_log_escape(esc, sizeof(esc), msg);")],
 "leak": [("gateway/reach.c",
    "\t/* The decision is made on what the engine holds, before anything is\n",
    "\t{ char *leak = strdup(c->name); ws_debug(\"mutant %s\", leak); }\n\t/* The decision is made on what the engine holds, before anything is\n")],
 "pam_leak": [("auth/pam.c",
    "\tif (prompts > 0 && ws_send(fd, 'W', \"\", 0) != 0)",
    "\t{ char *leak = strdup(\"mutant\"); (void)!write(-1, leak, 1); }\n\tif (prompts > 0 && ws_send(fd, 'W', \"\", 0) != 0)")],
 "record_output": [("gateway/recsink.c",
    "\tif (slot->cast != NULL && len > 0)\n",
    "\tif (slot->cast != NULL && len > 0 && kind == WS_MP_REC_INPUT)\n")],
 "metrics_gone": [("gateway/metrics_recv.c",
    "\t\t\tws_pid_set(rv, e, (enum ws_metric)m, c, 0);", "\t\t\t(void)c;")],
 "restore_unchecked": [("workspace/archive_read.c",
    "\t\tif (sha == NULL || strcmp(sha, r->parts[i].sha256) != 0) {",
    "\t\tif (sha == NULL) {")],
 "backup_no_pause": [("workspace/backup.c",
    "\tif (b->a.orphan || b->a.c.state != WS_CSTATE_RUNNING)\n\t\treturn WS_OK;",
    "\tif (1)\n\t\treturn WS_OK;")],
 "rebuild_no_rollback": [("workspace/rebuild.c",
    "\tif (was_running &&\n", "\tif (0 && was_running &&\n")],
 "owner_backup_any": [("workspace/cli_backup.c",
    "\tif ((ret = ws_cli_may(w, argv[0], WS_MAY_READ)) != WS_EXIT_OK)",
    "\tif ((ret = WS_EXIT_OK) != WS_EXIT_OK)")],
 "restore_owner_archive": [("workspace/cli_backup.c",
    "\t\treq.owner = w->as->who.account;", "\t\treq.owner = NULL;")],
 "ws_progress_stdout": [("workspace/cli_ws.c",
    "\tfprintf(stderr, \"ws: %s\\n\", line);", "\tfprintf(stdout, \"ws: %s\\n\", line);")],
}
if name not in E:
    sys.exit(f"mutation.sh: no mutant named {name}")
for path, old, new in E[name]:
    p = f"{root}/{path}"
    s = open(p).read()
    if old not in s:
        sys.exit(f"mutation.sh: mutant {name} no longer applies to {path}: update it in tests/mutation.sh")
    open(p, "w").write(s.replace(old, new))
    print(path)
PY
}

echo "==> copying the tree and building it once"
mkdir -p "$W/src"
(cd "$top" && git ls-files -co --exclude-standard | grep -v '^build' | tar -cf - -T -) | tar -C "$W/src" -xf -
# The suite's own build: ASan+UBSan, so that the leak mutant can be seen.
cmake -S "$W/src" -B "$W/build" -DWSGATE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
    -DWSGATE_LIBSSH_PREFIX="$top/build/libssh/prefix" >/dev/null || exit 1
cmake --build "$W/build" -j "$(nproc)" >/dev/null || exit 1
cp -a "$W/src" "$W/pristine"
pristine_sum=$(sha256sum "$W/build/wsgate" "$W/build/ws")

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
want=("$@")
survived=() killed=()
for m in "${MUTANTS[@]}"; do
    IFS='|' read -r -a f <<< "$m"
    name=${f[0]} what=${f[-1]} expect=${f[-2]}
    tests=$(IFS='|'; echo "${f[*]:1:${#f[@]}-3}")
    if [ ${#want[@]} -gt 0 ] && [[ " ${want[*]} " != *" $name "* ]]; then continue; fi
    echo "==> mutant $name: $what (tests: $tests)"
    changed=$(apply "$name" "$W/src") || { echo "$changed"; exit 1; }
    # Only what the integration tests run: relinking every unit test costs more.
    if ! cmake --build "$W/build" -j "$(nproc)" --target wsgate ws >"$W/build.log" 2>&1; then
        tail -20 "$W/build.log"; echo "mutation.sh: mutant $name does not build: fix it in tests/mutation.sh"; exit 1
    fi
    # The mutant must be in what runs: a stale build tests nothing.
    if [ "$(sha256sum "$W/build/wsgate" "$W/build/ws")" = "$pristine_sum" ]; then
        echo "mutation.sh: mutant $name changed no binary: fix it in tests/mutation.sh"; exit 1
    fi
    t0=$(date +%s)
    # The test stops once that check has failed (WS_STOP_ON, tests/integration/lib.sh).
    (cd "$W/build" && WS_STOP_ON=$expect ctest -R "^($tests)\$" --output-on-failure >"$W/$name.log" 2>&1)
    if grep '^not ok - ' "$W/$name.log" | grep -qF -- "$expect"; then
        killed+=("$name")
        echo "    killed ($(( $(date +%s) - t0 )) s): '$expect' failed; failing checks:"
        grep -E '^not ok' "$W/$name.log" | head -5 | sed 's/^/      /'
    else
        survived+=("$name")
        echo "    SURVIVED: '$expect' did not fail ($(( $(date +%s) - t0 )) s)"
        grep -E '^not ok' "$W/$name.log" | head -5 | sed 's/^/      other failure: /'
    fi
    # Back to the pristine text, with a new mtime so that it is rebuilt.
    for p in $(echo "$changed" | sort -u); do cp "$W/pristine/$p" "$W/src/$p"; done
done
echo "mutants killed: ${#killed[@]}${killed:+ (${killed[*]})}; survived: ${#survived[@]}${survived:+ (${survived[*]})}"
[ ${#survived[@]} -eq 0 ]
