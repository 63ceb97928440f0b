#!/bin/sh
# Runs at every start of a workspace, as root, then becomes sshd. Everything
# it needs comes from the container's environment, set by wsgate at creation:
#   WSGATE_HOST_KEY          the workspace's ed25519 host key (pinned by wsgate)
#   WSGATE_USER_CA           the gateway's user certificate authority ("type base64")
#   WSGATE_PRINCIPAL         the one principal its certificates must name here
#                            (workspace-NAME): a certificate for another
#                            workspace is refused
#   WSGATE_ENV_KEYS          names of variables every session gets (credentials)
#   WSGATE_FILES, WSGATE_FILE_n   "DEST\nCONTENT" files to write (credentials)
#   WSGATE_DIND              1: start the workspace's own dockerd (needs CAP_SYS_ADMIN)
# Each step is idempotent, so an interrupted start is finished by the next one.
# The repository is cloned by wsgate once sshd answers (its bring-up), so
# that a clone is awaited and its failure reported.
# The variables are removed before sshd starts so no session inherits them.
set -eu
nl='
'
umask 077
if [ -n "${WSGATE_HOST_KEY:-}" ]; then
    printf '%s\n' "$WSGATE_HOST_KEY" > /etc/ssh/ssh_host_ed25519_key
    ssh-keygen -y -f /etc/ssh/ssh_host_ed25519_key > /etc/ssh/ssh_host_ed25519_key.pub
    chmod 0644 /etc/ssh/ssh_host_ed25519_key.pub
elif [ ! -s /etc/ssh/ssh_host_ed25519_key ]; then
    ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
fi
umask 022
printf '%s\n' "${WSGATE_USER_CA:-}" > /etc/ssh/wsgate_user_ca.pub
printf '%s\n' "${WSGATE_PRINCIPAL:-}" > /etc/ssh/wsgate_principals
chmod 0644 /etc/ssh/wsgate_user_ca.pub /etc/ssh/wsgate_principals
# A fresh named volume copies /home/workspace from the image; an old one may not.
[ -d /home/workspace ] || mkdir -p /home/workspace
chown workspace:workspace /home/workspace
mkdir -p /run/sshd /etc/ssh/sshd_config.d

# Session environment: sshd's SetEnv reaches every session type (shell, exec,
# sftp), unlike profile scripts. wsgate allows no quotes or backslashes in values.
envconf=/etc/ssh/sshd_config.d/wsgate-env.conf
(umask 077; : > "$envconf")
if [ -n "${WSGATE_ENV_KEYS:-}" ]; then
    line=SetEnv
    for k in $WSGATE_ENV_KEYS; do
        eval "v=\${$k:-}"
        line="$line \"$k=$v\""
    done
    printf '%s\n' "$line" > "$envconf"
    unset $WSGATE_ENV_KEYS
fi

# Files, written afresh at each start: the config is the source of truth.
i=1
while [ "$i" -le "${WSGATE_FILES:-0}" ]; do
    eval "v=\${WSGATE_FILE_$i}"
    dest=${v%%"$nl"*}
    case "$dest" in
    /home/workspace/*)
        runuser -u workspace -- mkdir -p "$(dirname "$dest")"
        (umask 077; printf '%s' "${v#*"$nl"}" > "$dest")
        chown workspace:workspace "$dest" ;;
    /*)
        mkdir -p "$(dirname "$dest")"
        (umask 077; printf '%s' "${v#*"$nl"}" > "$dest") ;;
    esac
    unset "WSGATE_FILE_$i"
    i=$((i + 1))
done

# Docker-in-Docker needs CAP_SYS_ADMIN (wsgate's docker_in_docker = "caps" or
# "privileged"). Without full privilege the engine mounts the cgroup
# hierarchies read-only: mount them afresh, writable, and keep the inner
# containers under this workspace's own cgroup so its limits hold for them.
dind_cgroups() {
    if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then
        [ -w /sys/fs/cgroup ] || mount -o remount,rw /sys/fs/cgroup || true
        return 0
    fi
    for m in $(awk '$3 == "cgroup" {print $2}' /proc/mounts); do
        [ -w "$m" ] && continue
        opts=$(awk -v m="$m" '$2 == m {print $4}' /proc/mounts | tr , '\n' |
            grep -vxE 'ro|rw|nosuid|nodev|noexec|relatime' | paste -sd, -)
        umount -l "$m" && mount -t cgroup -o "$opts" cgroup "$m" || echo "wsgate: cannot remount $m" >&2
    done
}
capeff=$(awk '/^CapEff/ {print $2}' /proc/self/status)
if [ "${WSGATE_DIND:-0}" = 1 ] && command -v dockerd >/dev/null &&
   [ $(( 0x$capeff >> 21 & 1 )) = 1 ]; then
    parent=$(awk -F: '$2 == "memory" || $2 == "" {print $3; exit}' /proc/self/cgroup)
    dind_cgroups
    rm -f /var/run/docker.pid
    dockerd --data-root /var/lib/docker --cgroup-parent "${parent%/}/dind" >/var/log/dockerd.log 2>&1 &
    echo "wsgate: dockerd started (data in /var/lib/docker)"
fi

unset WSGATE_HOST_KEY WSGATE_USER_CA WSGATE_PRINCIPAL WSGATE_ENV_KEYS WSGATE_FILES WSGATE_DIND
exec /usr/sbin/sshd -D -e
