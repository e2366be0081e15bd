"""Instances of one cluster that serve different schemes: a standby serving plain HTTP
reaches a leader serving HTTPS over HTTPS (the leader's scheme is stored with its lease)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.dev import wait_for
from tests.support.ha import LEASE_S, START_S, Cluster, running_cluster
from tests.support.localmesos import free_port, stop_tree

pytestmark = pytest.mark.e2e


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path / "ha", schedulers=2, tls=True) as running:
        yield running


@contextlib.contextmanager
def plain_http_instance(cluster: Cluster, data_dir: Path) -> Iterator[str]:
    """One more instance of `cluster`, serving plain HTTP and trusting its certificate."""
    assert cluster.cert is not None
    port = free_port()
    data_dir.mkdir(parents=True)
    with open(data_dir / "scheduler.log", "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "scheduler.process.cli", "scheduler",
             "--master", cluster.dev.mesos_url.removeprefix("http://"), "--db", cluster.db_url,
             "--hostname", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir),
             "--lease", str(LEASE_S), "--tls-ca", str(cluster.cert)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"

    def serving() -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(url + "/ping", timeout=1).ok
        return False
    try:
        wait_for(serving, START_S, lambda: (data_dir / "scheduler.log").read_text())
        yield url
    finally:
        stop_tree(process, data_dir, 10)


def test_a_plain_http_standby_reaches_an_https_leader_over_https(
    cluster: Cluster, tmp_path: Path
) -> None:
    with plain_http_instance(cluster, tmp_path / "plain") as standby:
        leader = cluster.instance(cluster.wait_leader())
        created = requests.post(standby + "/v2/apps", timeout=10, json={
            "id": "/mixed", "cmd": "sleep 600", "cpus": 0.01, "mem": 16, "instances": 1})
        assert created.status_code == 201, created.text
        assert created.headers["X-Marathon-Leader"] == f"https://{leader}"
        assert requests.get(standby + "/v2/leader", timeout=5).json() == {"leader": leader}
        apps = requests.get(standby + "/v2/apps", timeout=10).json()["apps"]
        assert [app["id"] for app in apps] == ["/mixed"]
