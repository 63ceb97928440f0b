#!/bin/bash
# Everything wsgate needs on a Debian 12 machine, as root: Debian packages, a
# build, a Docker engine that answers, and the workspace image. Idempotent.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '==> %s\n' "$*"; }

PACKAGES=(build-essential cmake pkg-config clang libssl-dev zlib1g-dev libseccomp-dev libsystemd-dev gdb libcurl4-openssl-dev
          libjson-c-dev libconfig-dev libpam0g-dev libcrypt-dev libcmocka-dev docker.io debootstrap
          openssh-client openssh-server tmux curl ca-certificates iproute2 procps python3
          libclang-rt-14-dev cppcheck clang-tidy rsync git strace
          putty-tools dropbear-bin python3-paramiko python3-asyncssh ssh-audit
          libsystemd-dev debhelper lintian fakeroot dpkg-dev man-db groff-base
          libmicrohttpd-dev prometheus)
# Backups (workspace/archive.c): zstd, and the CLI tool the bench compares with.
PACKAGES+=(libzstd-dev zstd)
# Session recordings (docs/recording.md): the tests play them back.
PACKAGES+=(asciinema)

[ "$(id -u)" = 0 ] || { echo "setup: run as root (sudo $0)" >&2; exit 1; }

missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$top/scripts/docker-up.sh"

# The sandbox's own unprivileged user (privsep_user), with no home and no shell.
getent passwd wsgate >/dev/null ||
    adduser --quiet --system --group --no-create-home --home /nonexistent --shell /usr/sbin/nologin wsgate

# The key directory and account files (wsgate -t wants the key directory).
install -d -m 0755 /etc/wsgate /etc/wsgate/keys /etc/wsgate/accounts

# PAM service for passwords; an administrator's edited copy is kept.
[ -f /etc/pam.d/wsgate ] || install -m 0644 "$top/packaging/pam/wsgate" /etc/pam.d/wsgate

# libssh 0.12 with our patch, from Debian's source package (cached).
say "libssh 0.12 with wsgate's patch (packaging/libssh/build.sh)"
"$top/packaging/libssh/build.sh" "$top/build/libssh" >/dev/null

say "building wsgate"
cmake -S "$top" -B "$top/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$top/build" -j "$(nproc)" >/dev/null

say "workspace image"
"$top/packaging/image/build.sh"
