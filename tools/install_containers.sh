#!/usr/bin/env bash
# Install what the docker containerizer's tests drive: Debian's podman (a docker-compatible
# CLI that needs no daemon), runc (podman's default crun fails on these machines' kernels)
# and busybox-static (the test image is built from it, since no registry is reachable).
exec "$(dirname "$0")/apt_install.sh" podman runc busybox-static
