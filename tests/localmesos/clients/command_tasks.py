"""Steps of the command-task tests shared by both containerizers' suites: the updates of a
task, its sandbox and files as the agent shows them, a health check, a kill with a grace."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import requests

from tests.localmesos.clients.v1client import V1Scheduler
from tests.support.localmesos import LocalMesos

KILLING = [{"type": "TASK_KILLING_STATE"}]
HEALTH_UPDATE = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"


def updates_until(
    client: V1Scheduler, task_id: str, last: str, health: bool = False
) -> list[dict[str, Any]]:
    """Every update of `task_id` (acknowledged) up to the first in state `last` (and, with
    `health`, with a health check's result: only that one is returned then)."""
    seen = []
    while True:
        status = client.update(task_id)
        client.acknowledge(status)
        seen.append(status)
        if status["state"] == last and not health:
            return seen
        if status["state"] == last and status.get("reason") == HEALTH_UPDATE:
            return [status]


def sandbox(mesos: LocalMesos, framework_id: str | None, task_id: str) -> Path:
    """A command task's sandbox from the agent's /state, while it runs or once it ended."""
    [directory] = [
        e["directory"]
        for f in mesos.agent_get("/slave(1)/state")["frameworks"]
        if f["id"] == framework_id
        for e in f["executors"] + f["completed_executors"]
        if e["id"] == task_id
    ]
    return Path(directory)


def read_file(mesos: LocalMesos, path: Path) -> str:
    """A file's whole text through the agent's /files/read."""
    query = {"path": str(path), "offset": 0, "length": 65536}
    reply = requests.get(f"{mesos.agent_url}/files/read", params=query, timeout=5)
    assert reply.status_code == 200, reply.text
    return str(reply.json()["data"])


def check(kind: str, **fields: Any) -> dict[str, Any]:
    """A Mesos HealthCheck of `kind` that probes every 0.2 s from the start."""
    timing = {"delay_seconds": 0, "interval_seconds": 0.2, "grace_period_seconds": 0}
    return {"type": kind, **timing, "timeout_seconds": 2, **fields}


def kill_with_grace(client: V1Scheduler, task_id: str, grace_seconds: float) -> dict[str, Any]:
    """KILL `task_id` with a kill policy of `grace_seconds` (the framework takes
    TASK_KILLING): TASK_KILLING comes first, TASK_KILLED no sooner than the grace allows;
    the TASK_KILLED update."""
    grace = {"grace_period": {"nanoseconds": int(grace_seconds * 1e9)}}
    asked = time.monotonic()
    client.call("KILL", {"task_id": {"value": task_id}, "kill_policy": grace})
    killing, killed = updates_until(client, task_id, "TASK_KILLED")
    assert killing["state"] == "TASK_KILLING"
    assert time.monotonic() - asked >= grace_seconds
    assert killed["source"] == "SOURCE_EXECUTOR"
    return killed
