#!/usr/bin/env bash
# Install headless Chromium and its WebDriver from Debian for the browser tests
# (tests/e2e/ui).
exec "$(dirname "$0")/apt_install.sh" chromium chromium-driver
