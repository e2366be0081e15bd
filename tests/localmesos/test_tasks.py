"""Tasks on custom executors: launch, updates and acks, kill, messages, executor death."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable

import pytest

from tests.localmesos.clients.helpers import (
    fake_executor,
    framework_processes,
    launch,
    sandbox_of,
    wait_until,
)
from tests.localmesos.clients.v1client import V1Scheduler, b64, task
from tests.support.localmesos import LocalMesos


@pytest.fixture
def localmesos(module_localmesos: LocalMesos) -> LocalMesos:
    return module_localmesos


def test_task_runs_then_finishes_with_reliable_updates(scheduler: V1Scheduler) -> None:
    running = launch(scheduler, "t1", "finish")
    assert running["source"] == "SOURCE_EXECUTOR"
    assert len(base64.b64decode(running["uuid"])) == 16
    assert running["agent_id"]["value"].endswith("-S0")
    assert running["executor_id"] == {"value": "fake"}
    finished = scheduler.update("t1", "TASK_FINISHED")
    assert scheduler.acknowledge(finished).status_code == 202
    assert scheduler.acknowledge(finished).status_code == 202  # duplicate acks are fine


def test_next_update_waits_for_the_ack_and_is_resent_after_resubscribe(
    connect: Callable[..., V1Scheduler], scheduler: V1Scheduler
) -> None:
    offer = scheduler.offer()
    scheduler.accept(offer, [task(offer, "t1", executor=fake_executor(), data=b64("finish"))])
    running = scheduler.update("t1", "TASK_RUNNING")
    with pytest.raises(TimeoutError):  # FINISHED is queued behind the unacknowledged RUNNING
        scheduler.update("t1", "TASK_FINISHED", timeout=1.0)
    scheduler.disconnect()
    again = connect(id={"value": scheduler.framework_id}, failover_timeout=3600)
    assert again.update("t1")["uuid"] == running["uuid"]
    again.acknowledge(running)
    assert again.update("t1")["state"] == "TASK_FINISHED"


def test_freed_resources_are_offered_again_at_once(scheduler: V1Scheduler) -> None:
    offer = scheduler.offer()
    cpus = next(r for r in offer["resources"] if r["name"] == "cpus")["scalar"]["value"]
    info = task(offer, "t1", executor=fake_executor(), data=b64("run"))
    scheduler.accept(offer, [info], refuse_seconds=3600)
    scheduler.acknowledge(scheduler.update("t1", "TASK_RUNNING"))
    scheduler.call("KILL", {"task_id": {"value": "t1"}})
    scheduler.update("t1", "TASK_KILLED")
    killed_at = time.monotonic()
    again = scheduler.offer()
    assert time.monotonic() - killed_at < 0.5  # no allocation interval on one node
    assert next(r for r in again["resources"] if r["name"] == "cpus")["scalar"]["value"] == cpus


def test_kill_gives_task_killed(scheduler: V1Scheduler) -> None:
    launch(scheduler, "t1", "run")
    assert scheduler.call("KILL", {"task_id": {"value": "t1"}}).status_code == 202
    killed = scheduler.update("t1", "TASK_KILLED")
    assert scheduler.acknowledge(killed).status_code == 202


def test_kill_of_an_unknown_task_answers_task_lost(scheduler: V1Scheduler) -> None:
    scheduler.call("KILL", {"task_id": {"value": "ghost"}})
    status = scheduler.update("ghost")
    assert (status["state"], status["reason"]) == ("TASK_LOST", "REASON_RECONCILIATION")


def test_executor_gets_the_mesos_environment_in_its_own_sandbox_and_session(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launch(scheduler, "t1", "run")
    sandbox = sandbox_of(localmesos, scheduler.framework_id)
    assert sandbox.parts[-8:-1] == (
        "slaves",
        sandbox.parts[-7],
        "frameworks",
        scheduler.framework_id,
        "executors",
        "fake",
        "runs",
    )
    assert sandbox.is_relative_to(localmesos.data_dir)
    seen = json.loads((sandbox / "executor-env.json").read_text())
    env = seen["env"]
    assert env["MESOS_AGENT_ENDPOINT"] == f"127.0.0.1:{localmesos.port}"
    assert env["MESOS_FRAMEWORK_ID"] == scheduler.framework_id
    assert env["MESOS_EXECUTOR_ID"] == "fake"
    assert env["MESOS_DIRECTORY"] == env["MESOS_SANDBOX"] == str(sandbox) == seen["cwd"]
    assert env["MESOS_CHECKPOINT"] == "0"
    assert env["MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD"] == "5secs"
    assert env["MESOS_SLAVE_ID"].endswith("-S0")
    assert seen["sid"] != os.getsid(localmesos.process.pid)
    assert (sandbox / "stdout").exists() and (sandbox / "stderr").exists()


def test_tasks_sharing_an_executor_id_share_one_process(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launch(scheduler, "t1", "run")
    launch(scheduler, "t2", "run")
    [executor] = [
        e
        for f in localmesos.get("/slave(1)/state")["frameworks"]
        if f["id"] == scheduler.framework_id
        for e in f["executors"]
    ]
    assert sorted(t["id"] for t in executor["tasks"]) == ["t1", "t2"]


def test_a_task_whose_terminal_update_is_acknowledged_moves_to_completed_tasks(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launch(scheduler, "t1", "run")
    launch(scheduler, "t2", "finish")
    scheduler.acknowledged_update("t2", "TASK_FINISHED")
    [executor] = [
        e
        for f in localmesos.get("/slave(1)/state")["frameworks"]
        if f["id"] == scheduler.framework_id
        for e in f["executors"]
    ]
    assert [(t["id"], t["state"]) for t in executor["tasks"]] == [("t1", "TASK_RUNNING")]
    assert [(t["id"], t["state"]) for t in executor["completed_tasks"]] == [
        ("t2", "TASK_FINISHED")
    ]


def test_framework_messages_reach_the_executor_and_back(scheduler: V1Scheduler) -> None:
    running = launch(scheduler, "t1", "run")
    body = {"agent_id": running["agent_id"], "executor_id": {"value": "fake"}, "data": b64("hi")}
    assert scheduler.call("MESSAGE", body).status_code == 202
    message = scheduler.wait_for("MESSAGE")["message"]
    assert base64.b64decode(message["data"]) == b"echo:hi"
    assert message["executor_id"] == {"value": "fake"}


def test_executor_death_fails_its_tasks_and_reports_failure(scheduler: V1Scheduler) -> None:
    launch(scheduler, "t1", "crash")
    failed = scheduler.update("t1", "TASK_FAILED")
    assert failed["reason"] == "REASON_EXECUTOR_TERMINATED"
    assert failed["source"] == "SOURCE_AGENT"
    assert "uuid" in failed and "agent_id" in failed
    failure = scheduler.wait_for("FAILURE")["failure"]
    assert failure["executor_id"] == {"value": "fake"}
    assert failure["status"] == 3 << 8


def test_shutdown_stops_the_executor(localmesos: LocalMesos, scheduler: V1Scheduler) -> None:
    running = launch(scheduler, "t1", "run")
    body = {"agent_id": running["agent_id"], "executor_id": {"value": "fake"}}
    assert scheduler.call("SHUTDOWN", body).status_code == 202
    assert scheduler.wait_for("FAILURE")["failure"]["executor_id"] == {"value": "fake"}
    assert scheduler.update("t1", "TASK_FAILED")["reason"] == "REASON_EXECUTOR_TERMINATED"
    wait_until(lambda: not framework_processes(localmesos, scheduler.framework_id))


def test_state_shows_frameworks_tasks_and_used_resources(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launch(scheduler, "t1", "run")
    state = localmesos.state()
    [agent] = state["slaves"]
    assert agent["resources"]["ports"] == "[31000-32000]"
    [framework] = state["frameworks"]
    assert framework["id"] == scheduler.framework_id and framework["active"]
    [entry] = framework["tasks"]
    assert (entry["id"], entry["state"]) == ("t1", "TASK_RUNNING")
    assert entry["resources"]["cpus"] == 0.1
    assert framework["used_resources"]["mem"] == 64  # task + executor
    assert agent["used_resources"]["mem"] == 64
