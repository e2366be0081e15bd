#!/usr/bin/env bash
# Install headless Chromium and its WebDriver from Debian for the browser tests
# (tests/e2e/ui). Idempotent: apt is touched only when either binary is missing.
set -euo pipefail
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium chromium-driver >/dev/null
