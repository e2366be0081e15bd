"""Hundreds of command tasks on one agent at once, each on a port of its own picked at
random (as Dromos picks them, so the agent's used ports are hundreds of ranges): the agent
keeps answering the master's pings while it starts and kills them all, so it is never
marked unreachable and no task is lost or replaced."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.localmesos.clients.helpers import framework_processes, wait_until
from tests.localmesos.clients.v1client import V1Scheduler, task
from tests.support.localmesos import LocalMesos, running_localmesos

TASKS = 600
PER_ACCEPT = 200
PORTS = (20000, 40000)
# An agent that leaves two seconds of pings unanswered is unreachable.
PINGS = ("--agent-ping-timeout", "0.5", "--max-agent-ping-timeouts", "4")


@pytest.fixture
def localmesos(tmp_path: Path) -> Iterator[LocalMesos]:
    with running_localmesos(
        tmp_path / "localmesos", "--heartbeat-seconds", "1", "--cpus", "100", "--mem",
        "100000", "--ports", f"{PORTS[0]}-{PORTS[1]}", *PINGS,
    ) as mesos:
        yield mesos


def states(client: V1Scheduler) -> dict[str, str]:
    """The last state of each task the framework heard of (every event that came so far)."""
    with contextlib.suppress(TimeoutError):
        while True:
            client.next_event(timeout=0.01)
    last: dict[str, str] = {}
    for event in client.events:
        if event["type"] == "UPDATE":
            status = event["update"]["status"]
            last[status["task_id"]["value"]] = status["state"]
    return last


def acknowledge_all(client: V1Scheduler, acked: set[str], pool: ThreadPoolExecutor) -> None:
    """Acknowledge every update not acknowledged yet (the next one of a task waits for it)."""
    fresh = []
    for event in client.events:
        status = event.get("update", {}).get("status", {})
        if "uuid" in status and status["uuid"] not in acked:
            acked.add(status["uuid"])
            fresh.append(status)
    list(pool.map(client.acknowledge, fresh))


def until_all(client: V1Scheduler, task_ids: list[str], state: str,
              pool: ThreadPoolExecutor) -> None:
    acked: set[str] = set()

    def reached() -> bool:
        last = states(client)
        acknowledge_all(client, acked, pool)
        return all(last.get(t) == state for t in task_ids)

    wait_until(reached, timeout=180)


def never_lost(client: V1Scheduler, mesos: LocalMesos) -> None:
    lost = {t: s for t, s in states(client).items()
            if s in ("TASK_LOST", "TASK_UNREACHABLE", "TASK_DROPPED", "TASK_GONE")}
    assert lost == {}
    assert "is unreachable" not in mesos.log()
    assert mesos.get("/metrics/snapshot")["master/slaves_unreachable"] == 0


def test_an_agent_starting_and_killing_hundreds_of_tasks_stays_reachable(
    localmesos: LocalMesos, scheduler: V1Scheduler,
) -> None:
    ports = random.Random(7).sample(range(PORTS[0], PORTS[1] + 1), TASKS)
    task_ids = [f"many-{n}" for n in range(TASKS)]
    for start in range(0, TASKS, PER_ACCEPT):
        offer = scheduler.offer()
        infos: list[dict[str, Any]] = []
        for n in range(start, start + PER_ACCEPT):
            info = task(offer, task_ids[n], cpus=0.01, mem=1,
                        command={"value": "sleep 300", "shell": True})
            info["resources"].append({"name": "ports", "type": "RANGES", "ranges": {
                "range": [{"begin": ports[n], "end": ports[n]}]}})
            infos.append(info)
        assert scheduler.accept(offer, infos).status_code == 202
    with ThreadPoolExecutor(8) as pool:
        until_all(scheduler, task_ids, "TASK_RUNNING", pool)
        never_lost(scheduler, localmesos)
        list(pool.map(lambda t: scheduler.call("KILL", {"task_id": {"value": t}}), task_ids))
        until_all(scheduler, task_ids, "TASK_KILLED", pool)
    never_lost(scheduler, localmesos)
    wait_until(lambda: not framework_processes(localmesos, scheduler.framework_id), 60)
