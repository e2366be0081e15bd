#!/usr/bin/env bash
# Install the Debian servers the discovery tests start on 127.0.0.1: HAProxy (routing
# through `dromos lb`), dig (DNS answers) and Prometheus (marathon_sd against /v2).
exec "$(dirname "$0")/apt_install.sh" haproxy bind9-dnsutils prometheus
