#!/usr/bin/env bash
# Install the Debian servers the discovery tests start on 127.0.0.1: HAProxy (routing
# through `dromos lb`), dig (DNS answers) and Prometheus (marathon_sd against /v2).
# Idempotent and quiet: apt is touched only when something is missing. Needs root, or sudo.
set -euo pipefail
packages=(haproxy bind9-dnsutils prometheus)
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
