#!/bin/bash
# Quick start: set everything up, then run the gateway in the foreground on
# 127.0.0.1:2222, letting in the ssh keys of the user who invoked this.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh"

user=${SUDO_USER:-$(id -un)}
home=$(getent passwd "$user" | cut -d: -f6)
conf=/etc/wsgate/wsgate.conf
# The invoking user becomes the wsgate account of the same name.
keys=/etc/wsgate/keys/$user
mkdir -p /etc/wsgate/keys
if ! ls "$home"/.ssh/id_*.pub >/dev/null 2>&1 && [ ! -s "$home/.ssh/authorized_keys" ]; then
    echo "==> $user has no ssh key: making $home/.ssh/id_ed25519"
    sudo -u "$user" mkdir -p "$home/.ssh"
    sudo -u "$user" ssh-keygen -q -t ed25519 -N '' -f "$home/.ssh/id_ed25519"
fi
cat "$home"/.ssh/id_*.pub "$home/.ssh/authorized_keys" 2>/dev/null | grep -v '^\s*$' | sort -u > "$keys.new"
mv "$keys.new" "$keys"
echo "==> account $user: $(wc -l < "$keys") key(s) from $home/.ssh -> $keys"
[ -f "$conf" ] || echo "# wsgate settings; every one has a default: see docs/config.md" > "$conf"
"$top/build/wsgate" -t -f "$conf" >/dev/null
echo
echo "    ssh -p 2222 myproject@127.0.0.1"
echo
exec "$top/build/wsgate" -f "$conf"
