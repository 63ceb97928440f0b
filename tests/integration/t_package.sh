#!/bin/bash
# The Debian package as an administrator meets it: built (packaging/deb/
# build.sh, lintian content; or build/deb's .deb when no source is newer),
# installed with apt, its unit accepted by systemd-analyze, the installed
# daemon run exactly as the unit runs it (ExecStartPre, then ExecStart, read
# from the installed unit) with a test configuration on a port of the test's,
# a login through it to a workspace, removed (keys, configuration and logs
# kept), then purged (all gone but the wsgate user). What the package would
# overwrite or delete on this host (setup.sh's /etc/pam.d/wsgate, /etc/wsgate,
# /var/lib/wsgate, /var/log/wsgate, the wsgate user) is saved first and put
# back at the end, whatever happens. (/run/wsgate, which other gateways'
# sessions may be chrooted below, is left alone.)
. "$(dirname "$0")/lib.sh"

UNIT=/lib/systemd/system/wsgate.service
W=$RUN-pkg
arch=$(dpkg --print-architecture)

if dpkg-query -W -f='${Status}' wsgate 2>/dev/null | grep -q ' installed$'; then
    not_ok "the wsgate package is not installed on this host (this test installs and purges it: remove it first)"
    finish
fi

# 1. The package: the last one built, unless a source file is newer.
deb=$(ls "$WSGATE_SRC"/build/deb/wsgate_*_"$arch".deb 2>/dev/null | sort -V | tail -1)
newer=
if [ -n "$deb" ]; then
    newer=$(cd "$WSGATE_SRC" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 -r sh -c 'for f; do [ "$f" -nt "$0" ] && { echo "$f"; break; }; done' "$deb" | head -1)
fi
if [ -z "$deb" ] || [ -n "$newer" ]; then
    echo "# building the package${newer:+ ($newer is newer than $deb)}"
    check "packaging/deb/build.sh builds the package and lintian has nothing to say" \
        eval '"$WSGATE_SRC/packaging/deb/build.sh" > "$T/deb.out" 2> "$T/deb.err" || { tail -20 "$T/deb.err"; false; }'
    deb=$(tail -1 "$T/deb.out")
fi
check "there is a package to install ($deb)" eval '[ -f "$deb" ] && dpkg-deb -I "$deb" >/dev/null'
[ -f "$deb" ] || finish
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' > "$T/contents"
for f in /usr/sbin/wsgate /usr/bin/ws "$UNIT" /etc/wsgate/wsgate.conf /etc/pam.d/wsgate \
         /etc/logrotate.d/wsgate /usr/share/man/man5/wsgate.conf.5.gz /usr/share/man/man8/wsgate.8.gz \
         /usr/share/man/man1/ws.1.gz /usr/share/wsgate/image/build.sh; do
    check "the package holds $f" grep -qx "$f" "$T/contents"
done
check "it depends on adduser and recommends docker.io and logrotate" \
    eval 'dpkg-deb -f "$deb" Depends | grep -qw adduser && [ "$(dpkg-deb -f "$deb" Recommends)" = "docker.io, logrotate" ]'

# 2. What the package touches on this host, saved, then cleared so that the
#    installation is a first one; put back by the last cleanup hook.
SAVE=$T/saved
mkdir -p "$SAVE"
TOUCHED=(/etc/pam.d/wsgate /etc/wsgate /etc/logrotate.d/wsgate /var/lib/wsgate /var/log/wsgate)
: > "$SAVE/list"
for p in "${TOUCHED[@]}"; do [ -e "$p" ] && echo "${p#/}" >> "$SAVE/list"; done
tar -C / --xattrs --acls -cpf "$SAVE/files.tar" -T "$SAVE/list" ||
    { not_ok "what the package would touch is saved (tar)"; finish; }
HAD_USER=0
getent passwd wsgate >/dev/null && HAD_USER=1
restore() {
    local p
    if dpkg-query -W -f='${Status}' wsgate 2>/dev/null | grep -qv '^unknown ok not-installed'; then
        DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq wsgate >/dev/null 2>&1 || dpkg --purge wsgate
    fi
    for p in "${TOUCHED[@]}"; do rm -rf "$p"; done
    [ ! -s "$SAVE/list" ] || tar -C / --xattrs --acls -xpf "$SAVE/files.tar"
    if [ "$HAD_USER" = 0 ] && getent passwd wsgate >/dev/null; then userdel wsgate; fi
    true
}
on_exit restore
for p in "${TOUCHED[@]}"; do rm -rf "$p"; done

# 3. Installed as an administrator installs it.
check "apt installs the package" eval 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$deb" > "$T/apt.log" 2>&1 || { tail -20 "$T/apt.log"; false; }'
check "the wsgate system user exists, without a shell" \
    eval '[ "$(getent passwd wsgate | cut -d: -f7)" = /usr/sbin/nologin ] && [ "$(id -u wsgate)" -lt 1000 ]'
check "/var/lib/wsgate is root's only (0700)" is "$(stat -c '%a %U' /var/lib/wsgate 2>&1)" "700 root"
check "/var/log/wsgate exists (0750)" is "$(stat -c '%a %U' /var/log/wsgate 2>&1)" "750 root"
check "the package did not enable the unit" not test -e /etc/systemd/system/multi-user.target.wants/wsgate.service
check "systemd-analyze verify accepts the installed unit" \
    eval 'systemd-analyze verify "$UNIT" > "$T/verify" 2>&1 || { cat "$T/verify"; false; }'
check "the packaged configuration passes the unit's ExecStartPre (wsgate -t)" /usr/sbin/wsgate -t
check "the installed man pages format without a warning" \
    eval '[ -z "$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings wsgate.conf wsgate ws 2>&1 >/dev/null)" ]'

# 4. The daemon as the unit runs it, with the test's settings in the
#    packaged file's place (the keys in their packaged place, made now).
port=$(free_port)
cat > /etc/wsgate/wsgate.conf <<EOF
listen_port = $port;
keys_dir = "$T/keys";
docker_socket = "$DOCKER_SOCK";
docker_in_docker = "off";
audit_log = "/var/log/wsgate/audit.log";
log_level = "debug";
penalty_authfail = 0;
penalty_grace = 0;
penalty_crash = 0;
EOF
read -ra pre <<< "$(sed -n 's/^ExecStartPre=//p' "$UNIT")"
read -ra start <<< "$(sed -n 's/^ExecStart=//p' "$UNIT")"
check "the unit's ExecStartPre (${pre[*]}) accepts the test's settings" "${pre[@]}"
"${start[@]}" > "$T/pkg.log" 2>&1 8>&- &
GW_PID=$!
GW_PIDS+=("$GW_PID")
GW_LOGS+=("$T/pkg.log")
check "the unit's ExecStart (${start[*]}) listens on the test's port" \
    wait_until 20 eval 'listening "$port" && grep -q "listening on .* port $port" "$T/pkg.log"'
GW_PORT=$port
check "it made its host key in /var/lib/wsgate (0600)" is "$(stat -c %a /var/lib/wsgate/host_ed25519_key 2>&1)" 600
check "and the user certificate authority" test -s /var/lib/wsgate/user_ca_ed25519_key.pub
check "a login through the installed gateway reaches a new workspace" is "$(wssh "$W" 'echo in; whoami')" "$(printf 'in\nworkspace')"
check "the audit log in /var/log/wsgate has the login" \
    wait_until 10 grep -q "event=auth .* workspace=$W .*result=accepted" /var/log/wsgate/audit.log
check "the installed gateway stops on SIGTERM" gw_stop "$GW_PID"
check "the installed ws deletes the workspace" \
    eval '/usr/bin/ws delete "$W" --yes > "$T/ws.out" 2>&1 || { cat "$T/ws.out"; false; }'

# 5. Removed: the programs go, the administrator's configuration and the
#    gateway's keys stay. Purged: all gone but the user.
check "apt removes the package" eval 'DEBIAN_FRONTEND=noninteractive apt-get remove -y -q wsgate > "$T/apt.log" 2>&1 || { tail -20 "$T/apt.log"; false; }'
check "removal took the programs" eval '[ ! -e /usr/sbin/wsgate ] && [ ! -e /usr/bin/ws ] && [ ! -e "$UNIT" ]'
check "and kept the configuration, the keys and the audit log" \
    eval '[ -f /etc/wsgate/wsgate.conf ] && [ -f /var/lib/wsgate/user_ca_ed25519_key ] && [ -s /var/log/wsgate/audit.log ]'
check "apt purges the package" eval 'DEBIAN_FRONTEND=noninteractive apt-get purge -y -q wsgate > "$T/apt.log" 2>&1 || { tail -20 "$T/apt.log"; false; }'
left=
while read -r f; do
    [ -n "$f" ] && [ "$f" != / ] && [ ! -d "$f" ] && [ -e "$f" ] && left="$left $f"
done < "$T/contents"
check "no file of the package is left" is "$left" ""
for d in /var/lib/wsgate /var/log/wsgate /etc/wsgate; do
    check "purge left no $d" not test -e "$d"
done
check "dpkg has forgotten the package" not eval "dpkg-query -W -f='\${Status}' wsgate 2>/dev/null | grep -q installed"
check "the wsgate user stays, as Debian leaves system users" getent passwd wsgate
finish
