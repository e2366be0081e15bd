"""The agent's executor API, driven by a raw HTTP executor standing in for a real one.

The task's ExecutorInfo runs `sleep`, which never subscribes; the test subscribes in
its place with the ids the agent gave that executor.
"""

from __future__ import annotations

import base64
import socket
from typing import Any

import pytest
import requests

from tests.localmesos.clients.helpers import wait_until
from tests.localmesos.clients.inbox import Inbox
from tests.localmesos.clients.v1client import V1Scheduler, b64, open_stream, random_uuid, task
from tests.support.localmesos import LocalMesos


class RawExecutor:
    def __init__(self, mesos: LocalMesos, framework_id: str, executor_id: str) -> None:
        self.url = mesos.url + "/api/v1/executor"
        self.port = mesos.port
        self.ids = {"framework_id": {"value": framework_id}, "executor_id": {"value": executor_id}}
        self.inbox = Inbox()

    def subscribe(self) -> None:
        body = {"type": "SUBSCRIBE", **self.ids, "subscribe": {"unacknowledged_tasks": []}}
        self.sock, response, self.inbox = open_stream(
            "127.0.0.1", self.port, "/api/v1/executor", body
        )
        assert response.getheader("Mesos-Stream-Id") is None

    def disconnect(self) -> None:
        """Drop the subscription and wait until the agent sees the executor gone."""
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        wait_until(lambda: self.call("MESSAGE", message={"data": b64("?")}).status_code == 403)

    def event(self, kind: str) -> dict[str, Any]:
        return self.inbox.wait_for(lambda e: e["type"] == kind)

    def call(self, kind: str, **body: Any) -> requests.Response:
        return requests.post(self.url, json={"type": kind, **self.ids, **body})

    def update(self, task_id: str, state: str, uuid: str, **extra: Any) -> requests.Response:
        status = {"task_id": {"value": task_id}, "state": state, "uuid": uuid, **extra}
        return self.call("UPDATE", update={"status": status})


@pytest.fixture
def localmesos(module_localmesos: LocalMesos) -> LocalMesos:
    return module_localmesos


@pytest.fixture
def executor(localmesos: LocalMesos, scheduler: V1Scheduler) -> RawExecutor:
    """A launched task `t1` whose executor `raw` has not subscribed yet."""
    offer = scheduler.offer()
    info = {
        "executor_id": {"value": "raw"},
        "command": {"value": "sleep 30"},
        "shutdown_grace_period": {"nanoseconds": 100_000_000},
    }
    assert scheduler.accept(offer, [task(offer, "t1", executor=info)]).status_code == 202
    assert scheduler.framework_id is not None
    return RawExecutor(localmesos, scheduler.framework_id, "raw")


def test_calls_before_subscribe_are_forbidden(executor: RawExecutor) -> None:
    assert executor.update("t1", "TASK_RUNNING", random_uuid()).status_code == 403


def test_subscribe_gets_subscribed_then_the_queued_launch(executor: RawExecutor) -> None:
    executor.subscribe()
    subscribed = executor.event("SUBSCRIBED")["subscribed"]
    assert subscribed["executor_info"]["executor_id"] == {"value": "raw"}
    assert subscribed["framework_info"]["id"] == executor.ids["framework_id"]
    assert subscribed["agent_info"]["id"]["value"].endswith("-S0")
    assert subscribed["container_id"]["value"]
    assert executor.event("LAUNCH")["launch"]["task"]["task_id"] == {"value": "t1"}


def test_update_is_acknowledged_with_its_uuid_and_reaches_the_scheduler(
    executor: RawExecutor, scheduler: V1Scheduler
) -> None:
    executor.subscribe()
    uuid = random_uuid()
    response = executor.update("t1", "TASK_RUNNING", uuid)
    assert response.status_code == 202 and response.headers["Content-Length"] == "0"
    acknowledged = executor.event("ACKNOWLEDGED")["acknowledged"]
    assert acknowledged == {"task_id": {"value": "t1"}, "uuid": uuid}
    status = scheduler.update("t1", "TASK_RUNNING")
    assert status["uuid"] == uuid
    assert status["agent_id"]["value"].endswith("-S0")


@pytest.mark.parametrize(
    ("state", "uuid"),
    [
        ("TASK_RUNNING", base64.b64encode(b"short").decode()),
        ("TASK_RUNNING", None),
        ("TASK_STAGING", random_uuid()),
        ("NOT_A_STATE", random_uuid()),
    ],
    ids=["short-uuid", "no-uuid", "staging", "unknown-state"],
)
def test_invalid_updates_are_400(executor: RawExecutor, state: str, uuid: str | None) -> None:
    executor.subscribe()
    status: dict[str, Any] = {"task_id": {"value": "t1"}, "state": state}
    if uuid is not None:
        status["uuid"] = uuid
    assert executor.call("UPDATE", update={"status": status}).status_code == 400


def test_messages_flow_both_ways(executor: RawExecutor, scheduler: V1Scheduler) -> None:
    executor.subscribe()
    assert executor.call("MESSAGE", message={"data": b64("up")}).status_code == 202
    message = scheduler.wait_for("MESSAGE")["message"]
    assert (message["executor_id"], message["data"]) == ({"value": "raw"}, b64("up"))
    body = {"agent_id": message["agent_id"], "executor_id": {"value": "raw"}, "data": b64("down")}
    scheduler.call("MESSAGE", body)
    assert executor.event("MESSAGE")["message"]["data"] == b64("down")


def test_kill_and_shutdown_reach_the_executor(
    executor: RawExecutor, scheduler: V1Scheduler
) -> None:
    executor.subscribe()
    executor.event("LAUNCH")
    executor.update("t1", "TASK_RUNNING", random_uuid())
    running = scheduler.update("t1", "TASK_RUNNING")
    scheduler.call("KILL", {"task_id": {"value": "t1"}})
    assert executor.event("KILL")["kill"]["task_id"] == {"value": "t1"}
    scheduler.call("SHUTDOWN", {"agent_id": running["agent_id"], "executor_id": {"value": "raw"}})
    assert executor.event("SHUTDOWN") == {"type": "SHUTDOWN"}


def test_heartbeat_calls_are_accepted(executor: RawExecutor) -> None:
    assert executor.call("HEARTBEAT").status_code == 202


def test_kill_while_the_executor_is_disconnected_reaches_it_when_it_resubscribes(
    executor: RawExecutor, scheduler: V1Scheduler
) -> None:
    executor.subscribe()
    executor.event("LAUNCH")
    executor.update("t1", "TASK_RUNNING", random_uuid())
    scheduler.update("t1", "TASK_RUNNING")
    executor.disconnect()
    assert scheduler.call("KILL", {"task_id": {"value": "t1"}}).status_code == 202
    executor.subscribe()
    executor.event("SUBSCRIBED")
    assert executor.event("KILL")["kill"]["task_id"] == {"value": "t1"}


def test_master_keeps_only_the_latest_statuses_of_a_task(
    executor: RawExecutor, localmesos: LocalMesos
) -> None:
    executor.subscribe()
    executor.event("LAUNCH")
    for n in range(15):  # a flapping health check
        executor.update("t1", "TASK_RUNNING", random_uuid(), healthy=n % 2 == 0)
    [task] = [t for f in localmesos.state()["frameworks"] for t in f["tasks"] if t["id"] == "t1"]
    assert len(task["statuses"]) == 10
    assert task["statuses"][-1] == {**task["statuses"][-1], "healthy": True}


def test_update_after_the_terminal_one_was_acknowledged_is_acknowledged_and_dropped(
    executor: RawExecutor, scheduler: V1Scheduler
) -> None:
    executor.subscribe()
    executor.event("LAUNCH")
    executor.update("t1", "TASK_FINISHED", random_uuid())
    assert scheduler.acknowledge(scheduler.update("t1", "TASK_FINISHED")).status_code == 202
    stray = random_uuid()
    assert executor.update("t1", "TASK_RUNNING", stray).status_code == 202
    acknowledged = executor.inbox.wait_for(
        lambda e: e["type"] == "ACKNOWLEDGED" and e["acknowledged"]["uuid"] == stray
    )
    assert acknowledged["acknowledged"]["task_id"] == {"value": "t1"}
    scheduler.call("RECONCILE", {"tasks": [{"task_id": {"value": "t1"}}]})
    assert scheduler.update("t1").get("reason") == "REASON_RECONCILIATION"
