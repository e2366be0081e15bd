"""TaskInfo with `command` and no `executor`: the agent is its command executor."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.localmesos.clients.helpers import framework_processes, sandbox_of, wait_until
from tests.localmesos.clients.v1client import V1Scheduler, task
from tests.support.localmesos import LocalMesos


@pytest.fixture
def localmesos(module_localmesos: LocalMesos) -> LocalMesos:
    return module_localmesos


def run_command(client: V1Scheduler, task_id: str, command: str) -> dict:
    offer = client.offer()
    info = task(offer, task_id, command={"value": command, "shell": True})
    assert client.accept(offer, [info]).status_code == 202
    return client.acknowledged_update(task_id, "TASK_RUNNING")


def test_command_task_runs_then_finishes(localmesos: LocalMesos, scheduler: V1Scheduler) -> None:
    running = run_command(scheduler, "c1", "echo hello-from-c1; sleep 0.5")
    assert running["executor_id"] == {"value": "c1"}  # the command executor's id is the task's
    sandbox = sandbox_of(localmesos, scheduler.framework_id, "c1")
    scheduler.acknowledged_update("c1", "TASK_FINISHED")
    assert "hello-from-c1" in Path(sandbox, "stdout").read_text()
    wait_until(
        lambda: not framework_processes(localmesos, scheduler.framework_id)
    )  # the executor exits
    scheduler.offer()
    assert not any(e["type"] == "FAILURE" for e in scheduler.events)


def test_killed_command_task_is_task_killed(localmesos: LocalMesos, scheduler: V1Scheduler) -> None:
    run_command(scheduler, "c1", "sleep 60")
    scheduler.call("KILL", {"task_id": {"value": "c1"}})
    scheduler.acknowledged_update("c1", "TASK_KILLED")
    wait_until(lambda: not framework_processes(localmesos, scheduler.framework_id))


def test_failing_command_task_is_task_failed(scheduler: V1Scheduler) -> None:
    run_command(scheduler, "c1", "exit 3")
    failed = scheduler.acknowledged_update("c1", "TASK_FAILED")
    assert "3" in failed["message"]


def test_an_accept_past_one_mebibyte_launches(scheduler: V1Scheduler) -> None:
    # A Mesos master takes calls of any size; aiohttp's default would answer 413 here (and to
    # an agent re-registering with ~1,000 tasks, whose tasks would all be lost).
    offer = scheduler.offer()
    label = {"key": "padding", "value": "x" * (1024 * 1024 + 4096)}
    info = task(offer, "big", command={"value": "sleep 60"}, labels={"labels": [label]})
    assert scheduler.accept(offer, [info]).status_code == 202
    scheduler.acknowledged_update("big", "TASK_RUNNING")
    scheduler.call("KILL", {"task_id": {"value": "big"}})
    scheduler.acknowledged_update("big", "TASK_KILLED")
