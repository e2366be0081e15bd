#!/bin/sh
# Headless Chromium and its driver for the browser tests (Debian packages); idempotent.
set -eu
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "install_browser.sh: run as root to install chromium and chromium-driver" >&2
    exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
