"""Shared steps of the localmesos tests: the fake executor, launching, waiting."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from tests.localmesos.clients.v1client import V1Scheduler, b64, task
from tests.support.localmesos import LocalMesos, processes_under

FAKE_EXECUTOR = Path(__file__).with_name("fake_executor.py")


def fake_executor(executor_id: str = "fake") -> dict[str, Any]:
    """An ExecutorInfo running tests/localmesos/fake_executor.py as a custom executor."""
    return {
        "executor_id": {"value": executor_id},
        "command": {"value": f"{sys.executable} {FAKE_EXECUTOR}"},
        "resources": [{"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}],
    }


def launch(client: V1Scheduler, task_id: str, mode: str, executor_id: str = "fake") -> dict:
    """Launch a fake-executor task doing `mode`; returns its TASK_RUNNING status (acked)."""
    offer = client.offer()
    info = task(offer, task_id, executor=fake_executor(executor_id), data=b64(mode))
    assert client.accept(offer, [info]).status_code == 202
    running = client.update(task_id, "TASK_RUNNING")
    assert client.acknowledge(running).status_code == 202
    return running


def sandbox_of(mesos: LocalMesos, framework_id: str | None, executor_id: str = "fake") -> Path:
    """The sandbox directory of a running executor, from the agent's state."""
    [executor] = [
        e
        for f in mesos.get("/slave(1)/state")["frameworks"]
        if f["id"] == framework_id
        for e in f["executors"]
        if e["id"] == executor_id
    ]
    return Path(executor["directory"])


def framework_processes(mesos: LocalMesos, framework_id: str | None) -> list[int]:
    """Processes (executors and their tasks) living in a framework's sandboxes."""
    agent_id = mesos.state()["slaves"][0]["id"]
    frameworks = mesos.data_dir / "slaves" / agent_id / "frameworks"
    return processes_under(frameworks / str(framework_id))


def wait_until(predicate: Any, timeout: float = 10.0) -> None:
    """Poll `predicate` until it holds (the test fails after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.05)
