#!/bin/sh
# Writes the host key and the gateway's public key handed over at creation, then runs
# sshd in the foreground. The variables are removed before sshd starts so that no
# session inherits them.
set -eu
umask 077
if [ -n "${WSGATE_HOST_KEY:-}" ]; then
    printf '%s\n' "$WSGATE_HOST_KEY" > /etc/ssh/ssh_host_ed25519_key
    ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key > /etc/ssh/ssh_host_ed25519_key.pub
    chmod 0644 /etc/ssh/ssh_host_ed25519_key.pub
elif [ ! -s /etc/ssh/ssh_host_ed25519_key ]; then
    ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
fi
umask 022
printf '%s\n' "${WSGATE_AUTHORIZED_KEYS:-}" > /etc/ssh/wsgate_authorized_keys
chmod 0644 /etc/ssh/wsgate_authorized_keys
# A fresh named volume copies /home/workspace from the image; an old one may not.
[ -d /home/workspace ] || mkdir -p /home/workspace
chown workspace:workspace /home/workspace
mkdir -p /run/sshd
unset WSGATE_HOST_KEY WSGATE_AUTHORIZED_KEYS
exec /usr/sbin/sshd -D -e
