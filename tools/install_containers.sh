#!/usr/bin/env bash
# Install what the agent's tasks run with in the tests: Debian's podman (a docker-compatible
# CLI that needs no daemon), runc (podman's default crun fails on these machines' kernels)
# and busybox-static (the test image is built from it, since no registry is reachable), for
# the docker containerizer; perl, whose alarm a job run launched ahead waits for.
exec "$(dirname "$0")/apt_install.sh" podman runc busybox-static perl
