"""Placement and agent loss on `dromos dev --agents 3`: three agent processes, hosts
127.0.0.1-3 in racks r1-r3, unreachable after four unanswered pings half a second apart."""

from __future__ import annotations

import signal
from collections import Counter
from collections.abc import Iterator

import pytest
import requests

from tests.support.dev import Dev, running_dev, wait_for
from tests.support.marathon_client import MarathonApp, MarathonClient

pytestmark = pytest.mark.e2e

SLEEPER = "sleep 600"
HOSTS = {"127.0.0.1", "127.0.0.2", "127.0.0.3"}


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    # Agents are declared lost after 5 s without an answer: short enough for the loss tests,
    # long enough that a loaded machine (two CPUs running the suite) does not lose them.
    options = ("--agents", "3", "--agent-ping-timeout", "1", "--max-agent-ping-timeouts", "5")
    with running_dev(tmp_path_factory.mktemp("cluster"), *options) as running:
        yield running  # all three agents have registered


@pytest.fixture(scope="module")
def client(dev: Dev) -> MarathonClient:
    return MarathonClient(dev.url)


def agents(dev: Dev) -> list[dict]:
    slaves: list[dict] = requests.get(dev.mesos_url + "/master/slaves", timeout=5).json()["slaves"]
    return slaves


def running_hosts(client: MarathonClient, app_id: str) -> list[str]:
    return sorted(t.host for t in client.list_tasks(app_id) if t.state == "TASK_RUNNING")


def wait_hosts(client: MarathonClient, app_id: str, count: int, timeout_s: float = 30) -> list:
    return wait_for(
        lambda: (h if len(h := running_hosts(client, app_id)) == count else None), timeout_s,
        lambda: f"{app_id}: wanted {count} running, have {client.list_tasks(app_id)}",
    )


def waiting_reasons(dev: Dev, app_id: str, count: int) -> list[str] | None:
    """Why the app's `count` queued instances wait, once the queue says so."""
    queue = requests.get(dev.url + "/v2/queue", timeout=5).json()["queue"]
    items = [q for q in queue if q["app"]["id"] == app_id]
    if not items or items[0]["count"] != count:
        return None
    waiting = items[0]["processedOffersSummary"]["waitingReasons"]
    return [w["reason"] for w in waiting] or None


def test_unique_hostname_puts_one_instance_on_each_agent_and_a_fourth_waits(
    dev: Dev, client: MarathonClient
) -> None:
    client.create_app("unique", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=3, constraints=[["hostname", "UNIQUE"]],
    ))
    assert set(wait_hosts(client, "/unique", 3)) == HOSTS

    client.scale_app("/unique", instances=4)

    # Before the first offer after the scale-up, the 4th waits "for an offer"; then the
    # offers say why none of them takes it.
    found = wait_for(
        lambda: (r if (r := waiting_reasons(dev, "/unique", 1)) and all("UNIQUE" in x for x in r)
                 else None), 20,
        lambda: f"the 4th /unique never waited on UNIQUE: {waiting_reasons(dev, '/unique', 1)}",
    )  # fmt: skip
    assert all("UNIQUE" in r for r in found), found
    assert set(running_hosts(client, "/unique")) == HOSTS
    client.delete_app("/unique", force=True)
    wait_for(lambda: all(t.app_id != "/unique" for t in client.list_tasks()), 20)


def test_like_and_max_per_hold_across_agents(dev: Dev, client: MarathonClient) -> None:
    client.create_app("picky", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=3,
        constraints=[["rack", "LIKE", "r[12]"], ["hostname", "MAX_PER", "1"]],
    ))
    assert wait_hosts(client, "/picky", 2) == ["127.0.0.1", "127.0.0.2"]
    wait_for(lambda: waiting_reasons(dev, "/picky", 1), 15, "the 3rd /picky never waited")
    assert running_hosts(client, "/picky") == ["127.0.0.1", "127.0.0.2"]
    client.delete_app("/picky", force=True)
    wait_for(lambda: all(t.app_id != "/picky" for t in client.list_tasks()), 20)


def test_group_by_rack_spreads_evenly_and_a_killed_agents_task_is_replaced(
    dev: Dev, client: MarathonClient
) -> None:
    client.create_app("racks", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=6, constraints=[["rack", "GROUP_BY"]],
    ))
    hosts = wait_hosts(client, "/racks", 6)
    assert Counter(hosts) == {"127.0.0.1": 2, "127.0.0.2": 2, "127.0.0.3": 2}

    dev.signal_agent(2, signal.SIGKILL)
    replaced = wait_for(
        lambda: (h if len(h := running_hosts(client, "/racks")) == 6 and "127.0.0.2" not in h
                 else None), 30,
        lambda: f"not replaced: {client.list_tasks('/racks')}",
    )  # fmt: skip
    assert set(replaced) == {"127.0.0.1", "127.0.0.3"}
    assert len(agents(dev)) == 2
    client.delete_app("/racks", force=True)


def mesos_running(dev: Dev, prefix: str) -> list[str]:
    """Tasks Mesos itself reports running, whatever Dromos thinks."""
    state = requests.get(dev.mesos_url + "/master/state", timeout=5).json()
    return [t["id"] for f in state["frameworks"] for t in f["tasks"]
            if t["state"] == "TASK_RUNNING" and t["id"].startswith(prefix)]  # fmt: skip


def test_a_paused_agent_coming_back_leaves_no_surplus(dev: Dev, client: MarathonClient) -> None:
    # Agent 2 was killed above: agents 1 and 3 remain.
    client.create_app("paused", MarathonApp(
        cmd=SLEEPER, cpus=0.01, mem=16, instances=2, constraints=[["hostname", "UNIQUE"]],
    ))
    assert set(wait_hosts(client, "/paused", 2)) == {"127.0.0.1", "127.0.0.3"}
    dev.signal_agent(3, signal.SIGSTOP)
    try:
        wait_for(lambda: running_hosts(client, "/paused") == ["127.0.0.1"], 30,
                 lambda: f"never lost: {client.list_tasks('/paused')}")  # fmt: skip
    finally:
        dev.signal_agent(3, signal.SIGCONT)
    assert set(wait_hosts(client, "/paused", 2)) == {"127.0.0.1", "127.0.0.3"}
    wait_for(lambda: len(mesos_running(dev, "paused.")) == 2, 30,
             lambda: f"surplus: {mesos_running(dev, 'paused.')}")  # fmt: skip
    for _ in range(20):
        assert len(mesos_running(dev, "paused.")) <= 2
    client.delete_app("/paused", force=True)
