#!/usr/bin/env bash
# Install the Debian packages the ops checks (tests/ops) need: vagrant and
# vagrant-libvirt for `vagrant validate`, systemd for `systemd-analyze verify`
# (installable without systemd running as PID 1). Idempotent and quiet: apt is
# touched only when something is missing. Needs root, or sudo.
set -euo pipefail
packages=(vagrant vagrant-libvirt systemd)
missing=()
for pkg in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$pkg")
    fi
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
