#!/usr/bin/env bash
# Install the Debian packages the ops checks (tests/ops) need: vagrant and
# vagrant-libvirt for `vagrant validate`, systemd for `systemd-analyze verify`
# (installable without systemd running as PID 1).
exec "$(dirname "$0")/apt_install.sh" vagrant vagrant-libvirt systemd
