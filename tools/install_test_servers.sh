#!/usr/bin/env bash
# Install the servers the tests start on free loopback ports: PostgreSQL (the store's
# contract tests and the HA tests) and ZooKeeper (election through --zk, pymesos's zk://).
exec "$(dirname "$0")/apt_install.sh" postgresql zookeeper
