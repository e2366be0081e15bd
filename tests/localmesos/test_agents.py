"""A cluster of agent processes: registration, placement data, loss and return."""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.localmesos.clients.v1client import V1Scheduler, task
from tests.support.localmesos import LocalMesos, reserved_port_range, running_localmesos

# Unreachable after 3 unanswered pings 0.3 s apart.
FAST_PINGS = ("--agent-ping-timeout", "0.3", "--max-agent-ping-timeouts", "3")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[LocalMesos]:
    with reserved_port_range() as ports:
        args = ("--agents", "3", "--ports", ports, "--heartbeat-seconds", "1", *FAST_PINGS)
        with running_localmesos(tmp_path / "mesos", *args) as mesos:
            yield mesos


def offers_by_host(client: V1Scheduler, count: int) -> dict[str, dict[str, Any]]:
    """Offers until `count` agents have offered, by hostname."""
    found: dict[str, dict[str, Any]] = {}
    deadline = time.monotonic() + 10
    while len(found) < count and time.monotonic() < deadline:
        event = client.wait_for("OFFERS")
        for offer in event["offers"]["offers"]:
            found[offer["hostname"]] = offer
        client.inbox.events.remove(event)
    assert len(found) == count, found
    return found


def command(offer: dict[str, Any], task_id: str) -> dict[str, Any]:
    return task(offer, task_id, command={"value": "sleep 60"})


def test_each_agent_has_its_id_host_attributes_and_port_slice(cluster: LocalMesos) -> None:
    slaves = sorted(cluster.state()["slaves"], key=lambda s: s["hostname"])
    assert [s["hostname"] for s in slaves] == ["127.0.0.1", "127.0.0.2", "127.0.0.3"]
    assert len({s["id"] for s in slaves}) == 3
    assert len({s["pid"] for s in slaves}) == 3
    assert [s["attributes"] for s in slaves] == [{"rack": "r1"}, {"rack": "r2"}, {"rack": "r3"}]
    ranges = [s["resources"]["ports"].strip("[]").split("-") for s in slaves]
    bounds = [(int(first), int(last)) for first, last in ranges]
    assert [last + 1 for _, last in bounds[:-1]] == [first for first, _ in bounds[1:]]
    assert all(first < last for first, last in bounds)
    assert f"{bounds[0][0]}-{bounds[-1][1]}" in list(cluster.process.args)  # type: ignore[arg-type]


def test_tasks_run_on_the_agent_offered_in_its_own_work_dir(cluster: LocalMesos) -> None:
    client = V1Scheduler(cluster.url)
    client.subscribe(failover_timeout=60)
    offers = offers_by_host(client, 3)
    attributes = offers["127.0.0.2"]["attributes"]
    assert attributes == [{"name": "rack", "type": "TEXT", "text": {"value": "r2"}}]
    client.accept(offers["127.0.0.2"], [command(offers["127.0.0.2"], "t2")])
    running = client.acknowledged_update("t2", "TASK_RUNNING")
    assert running["agent_id"] == offers["127.0.0.2"]["agent_id"]
    [agent] = [a for a in cluster.state()["slaves"] if a["hostname"] == "127.0.0.2"]
    url = "http://" + agent["pid"].split("@")[1]
    [framework] = cluster.get_url(url + "/state")["frameworks"]
    [executor] = framework["executors"]
    assert Path(executor["directory"]).is_relative_to(cluster.data_dir / "agent2")


def test_an_agent_alone_registers_with_a_master(tmp_path: Path) -> None:
    with (
        running_localmesos(tmp_path / "mesos", "--agents", "0") as mesos,
        reserved_port_range() as ports,
    ):
        argv = [sys.executable, "-m", "localmesos", "agent", "--master", mesos.address,
                "--hostname", "h1.example", "--attributes", "rack:r7;zone:a;level:3",
                "--ports", ports, "--work-dir", str(tmp_path / "a1"), "--cpus", "2",
                "--mem", "512", "--disk", "100"]  # fmt: skip
        mesos.start_agent(argv)
        deadline = time.monotonic() + 20
        while not mesos.state()["slaves"] and time.monotonic() < deadline:
            time.sleep(0.1)
        [agent] = mesos.state()["slaves"]
        assert agent["hostname"] == "h1.example"
        assert agent["attributes"] == {"rack": "r7", "zone": "a", "level": 3.0}
        resources = {"cpus": 2, "gpus": 0, "mem": 512, "disk": 100, "ports": f"[{ports}]"}
        assert agent["resources"] == resources
        assert (tmp_path / "a1" / "meta" / "slave.id").read_text() == agent["id"]


def launch_on(client: V1Scheduler, host: str, task_id: str) -> dict[str, Any]:
    """Launch a task on `host` and decline the other agents' offers for an hour (so
    another framework gets them); returns the offer used."""
    offers = offers_by_host(client, 3)
    offer = offers.pop(host)
    client.accept(offer, [command(offer, task_id)], refuse_seconds=3600)
    others = [o["id"] for o in offers.values()]
    client.call("DECLINE", {"offer_ids": others, "filters": {"refuse_seconds": 3600}})
    client.acknowledged_update(task_id, "TASK_RUNNING")
    return offer


def test_a_paused_agent_is_unreachable_then_comes_back_with_its_tasks(
    cluster: LocalMesos,
) -> None:
    aware = V1Scheduler(cluster.url)
    aware.subscribe(name="aware", failover_timeout=60, capabilities=[{"type": "PARTITION_AWARE"}])
    plain = V1Scheduler(cluster.url)
    plain.subscribe(name="plain", failover_timeout=60)
    launch_on(aware, "127.0.0.1", "a1")
    launch_on(plain, "127.0.0.1", "p1")

    cluster.signal_agent(1, signal.SIGSTOP)
    lost = aware.update("a1", "TASK_UNREACHABLE")
    assert lost["reason"] == "REASON_AGENT_REMOVED" and lost["source"] == "SOURCE_MASTER"
    assert "unreachable_time" in lost and "uuid" not in lost
    assert plain.update("p1", "TASK_LOST")["reason"] == "REASON_AGENT_REMOVED"
    state = cluster.state()
    assert state["unreachable_slaves"] == 1 and len(state["slaves"]) == 2
    [aware_state] = [f for f in state["frameworks"] if f["name"] == "aware"]
    assert [t["id"] for t in aware_state["unreachable_tasks"]] == ["a1"]
    assert aware_state["tasks"] == []

    cluster.signal_agent(1, signal.SIGCONT)
    back = aware.update("a1", "TASK_RUNNING", timeout=20)
    assert back["reason"] == "REASON_AGENT_REREGISTERED"
    assert plain.update("p1", "TASK_RUNNING")["reason"] == "REASON_AGENT_REREGISTERED"
    state = cluster.state()
    assert state["unreachable_slaves"] == 0 and len(state["slaves"]) == 3
    [aware_state] = [f for f in state["frameworks"] if f["name"] == "aware"]
    assert [t["id"] for t in aware_state["tasks"]] == ["a1"]
    assert [t["state"] for t in aware_state["tasks"]] == ["TASK_RUNNING"]


def test_a_task_that_ended_while_its_agent_was_paused_is_reported_ended_not_gone(
    cluster: LocalMesos,
) -> None:
    client = V1Scheduler(cluster.url)
    client.subscribe(failover_timeout=60, capabilities=[{"type": "PARTITION_AWARE"}])
    offers = offers_by_host(client, 3)
    offer = offers.pop("127.0.0.1")
    client.accept(offer, [task(offer, "brief", command={"value": "sleep 2"})])
    client.acknowledged_update("brief", "TASK_RUNNING")
    cluster.signal_agent(1, signal.SIGSTOP)
    client.update("brief", "TASK_UNREACHABLE")
    time.sleep(2.5)  # the task ends meanwhile; its agent cannot say so yet
    cluster.signal_agent(1, signal.SIGCONT)
    terminal = {"TASK_FINISHED", "TASK_GONE", "TASK_LOST", "TASK_FAILED"}
    states: list[str] = []
    while not terminal.intersection(states):
        status = client.update("brief", timeout=20)
        states.append(status["state"])
        if "uuid" in status:
            client.acknowledge(status)
    assert states[-1] == "TASK_FINISHED", states


def test_a_killed_agent_restarted_keeps_its_id_and_its_tasks_are_gone(
    cluster: LocalMesos,
) -> None:
    client = V1Scheduler(cluster.url)
    client.subscribe(failover_timeout=60, capabilities=[{"type": "PARTITION_AWARE"}])
    offer = launch_on(client, "127.0.0.3", "t3")
    argv = cluster.kill_agent(3)
    assert client.update("t3", "TASK_UNREACHABLE")["reason"] == "REASON_AGENT_REMOVED"
    cluster.start_agent(argv)
    gone = client.update("t3", "TASK_GONE", timeout=20)
    assert gone["reason"] == "REASON_AGENT_REREGISTERED"
    slaves = {s["hostname"]: s["id"] for s in cluster.state()["slaves"]}
    assert slaves["127.0.0.3"] == offer["agent_id"]["value"]
    client.call("REVIVE")
    assert offers_by_host(client, 3)["127.0.0.3"]["agent_id"] == offer["agent_id"]
