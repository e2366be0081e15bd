"""Bad input at the Mesos endpoints gets a 4xx or the event Mesos sends, never a crash."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from tests.localmesos.clients.v1client import V1Scheduler, b64, task
from tests.support.localmesos import LocalMesos

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def localmesos(module_localmesos: LocalMesos) -> LocalMesos:
    return module_localmesos


@pytest.mark.parametrize(
    ("body", "headers", "status"),
    [
        (b"{not json", JSON, 400),
        (b"[1, 2]", JSON, 400),
        (b'{"type": "SUBSCRIBE"}', JSON, 400),
        (b'{"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": "u"}}}', JSON, 400),
        (b'{"type": "NO_SUCH_CALL", "framework_id": {"value": "x"}}', JSON, 400),
        (b'{"type": "UNKNOWN", "framework_id": {"value": "x"}}', JSON, 501),
        (b'{"type": "REVIVE"}', JSON, 400),
        (b'{"type": "REVIVE", "framework_id": {"value": "nobody"}}', JSON, 400),
        (b'{"type": "SUBSCRIBE"}', {}, 400),
        (b'{"type": "SUBSCRIBE"}', {"Content-Type": "application/x-protobuf"}, 415),
        (b'{"type": "SUBSCRIBE"}', {"Content-Type": "text/plain"}, 415),
    ],
)
def test_malformed_scheduler_calls_are_refused(
    localmesos: LocalMesos, body: bytes, headers: dict[str, str], status: int
) -> None:
    response = requests.post(localmesos.url + "/api/v1/scheduler", data=body, headers=headers)
    assert response.status_code == status
    assert localmesos.get("/version")  # still serving


def test_get_on_the_scheduler_endpoint_is_405(localmesos: LocalMesos) -> None:
    assert requests.get(localmesos.url + "/api/v1/scheduler").status_code == 405


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        ("KILL", {}),
        ("KILL", {"task_id": "not-an-object"}),
        ("ACKNOWLEDGE", {"agent_id": {"value": "a"}, "task_id": {"value": "t"}, "uuid": "eA=="}),
        ("ACCEPT", {"offer_ids": "nope"}),
        ("ACCEPT", {"offer_ids": [], "operations": [{"launch": {}}]}),
        ("SHUTDOWN", {"executor_id": {"value": "e"}}),
        ("RECONCILE", {"tasks": [{"agent_id": {"value": "a"}}]}),
        ("MESSAGE", {"agent_id": {"value": "a"}, "executor_id": {"value": "e"}}),
    ],
)
def test_malformed_call_bodies_are_400(scheduler: V1Scheduler, kind: str, body: dict) -> None:
    assert scheduler.call(kind, body).status_code == 400
    assert scheduler.call("REVIVE").status_code == 202


def test_task_without_agent_id_is_400(scheduler: V1Scheduler) -> None:
    offer = scheduler.offer()
    bad = task(offer, "t1", command={"value": "true"})
    del bad["agent_id"]
    assert scheduler.accept(offer, [bad]).status_code == 400


def test_accept_for_an_unknown_offer_loses_its_tasks(scheduler: V1Scheduler) -> None:
    offer = scheduler.offer()
    ghost = {**offer, "id": {"value": "no-such-offer"}}
    assert (
        scheduler.accept(ghost, [task(offer, "t1", command={"value": "true"})]).status_code == 202
    )
    status = scheduler.update("t1")
    assert status["state"] == "TASK_LOST"
    assert status["reason"] == "REASON_INVALID_OFFERS"
    assert status["source"] == "SOURCE_MASTER"
    assert "uuid" not in status


def test_accept_for_an_unknown_offer_drops_the_partition_aware_task(
    connect: Callable[..., V1Scheduler],
) -> None:
    client = connect(capabilities=[{"type": "PARTITION_AWARE"}])
    offer = client.offer()
    ghost = {**offer, "id": {"value": "no-such-offer"}}
    client.accept(ghost, [task(offer, "t1", command={"value": "true"})])
    assert client.update("t1")["state"] == "TASK_DROPPED"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"resources": []}, "Task uses no resources"),
        ({"task_id": {"value": "a/b"}}, "TaskID is invalid"),
        ({"executor": {"executor_id": {"value": "e"}, "command": {"value": "true"}}}, "not both"),
        (
            {"resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 10000}}]},
            "more resources",
        ),
        ({"agent_id": {"value": "elsewhere"}}, "invalid agent"),
        ({"kill_policy": {"grace_period": {"nanoseconds": -1}}}, "must be non-negative"),
    ],
)
def test_invalid_task_gets_task_error_with_a_reason(
    scheduler: V1Scheduler, change: dict, message: str
) -> None:
    offer = scheduler.offer()
    bad = {**task(offer, "t1", command={"value": "true"}), **change}
    assert scheduler.accept(offer, [bad]).status_code == 202
    status = scheduler.update(bad["task_id"]["value"])
    assert status["state"] == "TASK_ERROR"
    assert status["reason"] == "REASON_TASK_INVALID"
    assert message in status["message"]


def test_duplicate_task_id_gets_task_error(scheduler: V1Scheduler) -> None:
    offer = scheduler.offer()
    same = task(offer, "twin", command={"value": "sleep 30"})
    scheduler.accept(offer, [same, same])
    status = scheduler.update("twin", "TASK_ERROR")
    assert "duplicate" in status["message"]


def test_malformed_executor_calls_are_refused(localmesos: LocalMesos) -> None:
    url = localmesos.url + "/api/v1/executor"
    assert requests.post(url, data=b"{", headers=JSON).status_code == 400
    assert requests.post(url, json={"type": "LAUNCH"}).status_code == 400
    unknown = {"type": "SUBSCRIBE", "framework_id": {"value": "f"}, "executor_id": {"value": "e"}}
    assert requests.post(url, json=unknown).status_code == 400
    message = {"type": "MESSAGE", "message": {"data": b64("x")}}
    assert requests.post(url, json=message).status_code == 400
    assert localmesos.get("/version")
