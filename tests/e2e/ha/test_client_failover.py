"""Dromos's own clients, given several scheduler instances, ride out the death of the leader
they talk to: `dromos lb` keeps HAProxy current from another instance's event stream, and
`dromos deployment watch --url A,B` follows a deployment to its end under the new leader."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.dev import wait_for
from tests.support.ha import Cluster, running_cluster
from tests.support.haproxy import servers_in_service
from tests.support.localmesos import free_port

pytestmark = pytest.mark.e2e

JSON = {"Content-Type": "application/json"}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("ha-clients")) as running:
        yield running


def _kill_leader(cluster: Cluster) -> int:
    """SIGKILL the leader; the index of the instance that leads after it."""
    leader = cluster.wait_leader()
    os.kill(cluster.pid(leader), signal.SIGKILL)
    return cluster.wait_leader(60, other_than=leader)


def _servers(config: Path, app: str) -> int:
    """The app's servers HAProxy routes to (joins go through its runtime API, into slots)."""
    return len(servers_in_service(config.parent / "haproxy.master.sock", f"{app}_"))


def test_the_lb_keeps_haproxy_current_after_the_leader_it_followed_dies(
    cluster: Cluster, tmp_path: Path
) -> None:
    leader = cluster.wait_leader()
    urls = [cluster.url(leader), *(cluster.url(i) for i in range(3) if i != leader)]
    config = tmp_path / "haproxy.cfg"
    command = [sys.executable, "-m", "scheduler.process.cli", "lb", "--haproxy-config",
               str(config), "--bind-address", "127.0.0.1", "--http-port", str(free_port()),
               "--stats-port", str(free_port())]
    for url in urls:
        command += ["--marathon", url]
    app = {"id": "/routed", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 1,
           "portDefinitions": [{"port": 0}], "labels": {"HAPROXY_0_PORT": str(free_port())}}
    requests.post(urls[0] + "/v2/apps", json=app, headers=JSON, timeout=10).raise_for_status()
    with open(tmp_path / "lb.log", "ab") as log:
        balancer = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _servers(config, "routed") == 1, 60,
                 lambda: (tmp_path / "lb.log").read_text())
        new = _kill_leader(cluster)
        requests.put(cluster.url(new) + "/v2/apps/routed", json={"instances": 3}, headers=JSON,
                     timeout=10).raise_for_status()
        wait_for(lambda: _servers(config, "routed") == 3, 60,
                 lambda: (tmp_path / "lb.log").read_text())
    finally:
        balancer.terminate()
        balancer.wait(20)


def test_a_deployment_watch_follows_the_deployment_to_its_end_across_a_failover(
    cluster: Cluster, tmp_path: Path
) -> None:
    leader = cluster.wait_leader()
    urls = ",".join([cluster.url(leader), *(cluster.url(i) for i in range(3) if i != leader)])
    healthy = tmp_path / "healthy"  # the instances pass their health check once it exists
    app = {"id": "/watched", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 2,
           "healthChecks": [{"protocol": "COMMAND", "command": {"value": f"test -f {healthy}"},
                             "gracePeriodSeconds": 300, "intervalSeconds": 1}]}
    answer = requests.post(cluster.url(leader) + "/v2/apps", json=app, headers=JSON,
                           timeout=10)
    answer.raise_for_status()
    deployment_id = answer.json()["deployments"][0]["id"]
    watcher = subprocess.Popen(
        [sys.executable, "-m", "scheduler.process.cli", "deployment", "watch", deployment_id,
         "--url", urls, "--timeout", "120"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert watcher.stdout is not None
    try:
        assert "step" in watcher.stdout.readline()
        _kill_leader(cluster)
        healthy.touch()
        assert watcher.wait(120) == 0, watcher.stdout.read()
    finally:
        if watcher.poll() is None:
            watcher.kill()
    assert f"deployment {deployment_id} finished" in watcher.stdout.read()
