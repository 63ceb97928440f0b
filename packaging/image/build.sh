#!/bin/sh
# Builds workspace:latest when absent or when this recipe changed.
# Base: a registry's debian:bookworm-slim when one answers, otherwise a debootstrap
# of Debian bookworm imported with `docker import` (no registry needed).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
image=${WSGATE_IMAGE:-workspace:latest}
base=wsgate-base:bookworm
recipe=$(cat "$here/Dockerfile" "$here/sshd_config" "$here/entrypoint.sh" | sha256sum | cut -c1-16)
have=$(docker image inspect -f '{{ index .Config.Labels "org.wsgate.recipe" }}' "$image" 2>/dev/null || true)
if [ "$have" = "$recipe" ] && [ "${1:-}" != "--force" ]; then
    echo "image $image is up to date ($recipe)"
    exit 0
fi
if ! docker image inspect "$base" >/dev/null 2>&1; then
    if timeout 20 docker pull -q debian:bookworm-slim >/dev/null 2>&1; then
        docker tag debian:bookworm-slim "$base"
    else
        command -v debootstrap >/dev/null || { echo "build.sh: debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
        mirror=${WSGATE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
        root=$(mktemp -d /var/tmp/wsgate-rootfs.XXXXXX)
        trap 'rm -rf "$root"' EXIT
        echo "debootstrap bookworm from $mirror (a few minutes)..."
        debootstrap --variant=minbase \
            --include=openssh-server,git,sudo,ca-certificates,xauth,procps,less,rsync,python3 \
            bookworm "$root" "$mirror" >"$root.log" 2>&1 || { tail -20 "$root.log" >&2; exit 1; }
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
        tar -C "$root" -c . | docker import - "$base" >/dev/null
        rm -f "$root.log"
    fi
fi
docker build -q --network=host --build-arg BASE="$base" --label org.wsgate.recipe="$recipe" -t "$image" "$here" >/dev/null
echo "built $image ($recipe)"
