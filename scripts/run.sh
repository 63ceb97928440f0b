#!/bin/bash
# Quick start: set everything up, then run the gateway in the foreground on
# 127.0.0.1:2222, letting in the ssh keys of the user who invoked this (root,
# or the user behind sudo). Needs no sudo itself.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"

user=${SUDO_USER:-$(id -un)}
home=$(getent passwd "$user" | cut -d: -f6)
[ -n "$home" ] || { echo "run: no home directory for $user" >&2; exit 1; }
conf=/etc/wsgate/wsgate.conf
# as_user CMD...: runs CMD as the invoking user (runuser is always there).
as_user() { if [ "$user" = "$(id -un)" ]; then "$@"; else runuser -u "$user" -- "$@"; fi; }

# The invoking user becomes the wsgate account of the same name.
keys=/etc/wsgate/keys/$user
mkdir -p /etc/wsgate/keys
shopt -s nullglob
pubs=("$home"/.ssh/id_*.pub)
if [ ${#pubs[@]} -eq 0 ] && [ ! -s "$home/.ssh/authorized_keys" ]; then
    echo "==> $user has no ssh key: making $home/.ssh/id_ed25519"
    as_user mkdir -p -m 700 "$home/.ssh"
    as_user ssh-keygen -q -t ed25519 -N '' -f "$home/.ssh/id_ed25519"
    pubs=("$home/.ssh/id_ed25519.pub")
fi
sources=("${pubs[@]}")
[ -s "$home/.ssh/authorized_keys" ] && sources+=("$home/.ssh/authorized_keys")
{ grep -hv '^[[:space:]]*\(#\|$\)' "${sources[@]}" || true; } | sort -u > "$keys.new"
mv "$keys.new" "$keys"
echo "==> account $user: $(wc -l < "$keys") key(s) from $home/.ssh -> $keys"
# Docker-in-Docker is off by default (it is root-equivalent on this host);
# the person running this is root or a sudoer already, so theirs has it. An
# administrator's own file is kept.
acct=/etc/wsgate/accounts/$user.conf
if [ ! -e "$acct" ]; then
    mkdir -p /etc/wsgate/accounts
    printf '# %s may run Docker inside workspaces (root-equivalent here: they are root or a sudoer)
docker_in_docker = "caps";
' "$user" > "$acct"
    echo "==> account $user: Docker-in-Docker on in its workspaces ($acct)"
fi
[ -f "$conf" ] || echo "# wsgate settings; every one has a default: see docs/config.md" > "$conf"
"$top/build/wsgate" -t -f "$conf" >/dev/null
port=$(awk -F'[ =;]+' '$1 == "listen_port" {print $2}' "$conf" | tail -1)
echo
echo "    ssh -p ${port:-2222} myproject@127.0.0.1"
echo
exec "$top/build/wsgate" -f "$conf"
