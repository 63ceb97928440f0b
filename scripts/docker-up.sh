#!/bin/bash
# Makes sure a Docker engine answers: systemd's when there is one, otherwise
# Debian's dockerd started in the background (log: /var/log/wsgate-dockerd.log).
set -euo pipefail
docker info >/dev/null 2>&1 && exit 0
echo "==> starting the Docker engine"
if [ -d /run/systemd/system ]; then
    systemctl start docker 2>/dev/null || true
fi
if ! docker info >/dev/null 2>&1; then
    # A dockerd still shutting down holds its pid file: let it finish.
    for _ in $(seq 60); do pgrep -x dockerd >/dev/null || break; sleep 0.5; done
    if ! pgrep -x dockerd >/dev/null; then
        rm -f /var/run/docker.pid
        # A dockerd that died hard leaves its port proxies holding host ports,
        # and its containerd and shims running containers whose addresses the
        # new engine would hand out again: end them so it starts clean.
        pkill -x docker-proxy 2>/dev/null || true
        pkill -f 'containerd-shim-runc-v2 -namespace moby' 2>/dev/null || true
        pkill -f 'containerd --config /var/run/docker/containerd/containerd.toml' 2>/dev/null || true
        for _ in $(seq 20); do pgrep -f 'containerd-shim-runc-v2 -namespace moby' >/dev/null || break; sleep 0.5; done
    fi
    nohup dockerd --storage-driver=overlay2 >>/var/log/wsgate-dockerd.log 2>&1 &
    for _ in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
fi
docker info >/dev/null 2>&1 || { echo "docker-up: dockerd did not start; see /var/log/wsgate-dockerd.log" >&2; exit 1; }
