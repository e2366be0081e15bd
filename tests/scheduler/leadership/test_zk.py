"""Election in a real ZooKeeper, fenced in a real PostgreSQL; pymesos finding its Mesos
master through ZooKeeper."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from kazoo.client import KazooClient

from scheduler.leadership.service import Deposed
from scheduler.leadership.zk import ZkElection, parse_zk
from scheduler.store.store import Store
from tests.scheduler.leadership.conftest import Elect
from tests.support.dev import wait_for
from tests.support.localmesos import free_port, running_localmesos, stop_tree
from tests.support.zookeeper import running_zookeeper

# An election thread that dies at close (kazoo's lock released on a stopped client) fails
# the test instead of warning.
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")


@pytest.fixture(scope="module")
def zookeeper() -> Iterator[str]:
    with running_zookeeper() as hosts:
        yield hosts


def test_a_zk_url_names_its_hosts_and_path() -> None:
    assert parse_zk("zk://a:2181,b:2181/dromos") == ("a:2181,b:2181", "/dromos")
    with pytest.raises(ValueError, match="zk://"):
        parse_zk("http://a:2181/dromos")


def test_zookeeper_elects_one_and_the_database_fences_the_one_it_replaced(
    zookeeper: str, db_url: str, elect: Elect
) -> None:
    url = f"zk://{zookeeper}/dromos-test"
    a = ZkElection(url, db_url, "a:1", scheme="https")
    a_duties = elect(a)
    assert a_duties.elected.wait(10)
    b = ZkElection(url, db_url, "b:2")
    b_duties = elect(b)
    wait_for(lambda: b.leader() == "a:1", 10)
    assert b.leader_url() == "https://a:1"  # the scheme a serves, whatever b serves
    assert not b.is_leader() and b_duties.calls == []
    store = Store(db_url)
    store.guard = a.fence
    store.set_setting("framework_id", "fw-a")
    stale = a._epoch
    a.abdicate()
    assert b_duties.elected.wait(10)
    assert b_duties.epochs[0] > a_duties.epochs[0]
    a._epoch = stale  # as if a had not noticed (a pause): the database still refuses it
    with pytest.raises(Deposed):
        store.set_setting("framework_id", "fw-stale")
    store.close()
    reader = Store(db_url)
    assert reader.get_setting("framework_id") == "fw-a"
    reader.close()
    assert a_duties.calls == ["start", "stop"]


def test_the_scheduler_finds_its_mesos_master_through_zookeeper(
    zookeeper: str, db_url: str, tmp_path: Path
) -> None:
    with running_localmesos(tmp_path / "mesos") as mesos:
        host, port = mesos.url.removeprefix("http://").split(":")
        zk = KazooClient(hosts=zookeeper)
        zk.start()
        # What a Mesos master writes when it is elected.
        zk.create("/mesos/json.info_0000000001", json.dumps({
            "address": {"ip": host, "port": int(port)}, "hostname": host}).encode(),
            makepath=True)
        zk.stop()
        api_port = free_port()
        with open(tmp_path / "scheduler.log", "wb") as log:
            scheduler = subprocess.Popen(
                [sys.executable, "-m", "scheduler.process.cli", "scheduler", "--master",
                 f"zk://{zookeeper}/mesos", "--zk", f"zk://{zookeeper}/dromos", "--db", db_url,
                 "--port", str(api_port), "--hostname", "127.0.0.1",
                 "--data-dir", str(tmp_path / "data")],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            def subscribed() -> bool:
                try:
                    metrics = requests.get(f"http://127.0.0.1:{api_port}/metrics", timeout=2)
                except requests.RequestException:
                    return False
                return "dromos_mesos_connected 1.0" in metrics.text
            wait_for(subscribed, 60, lambda: (tmp_path / "scheduler.log").read_text())
            info = requests.get(f"http://127.0.0.1:{api_port}/v2/info", timeout=5).json()
            assert info["elected"] is True
            assert info["zookeeper_config"]["zk"] == f"zk://{zookeeper}/dromos"
        finally:
            stop_tree(scheduler, tmp_path / "data", 10)
