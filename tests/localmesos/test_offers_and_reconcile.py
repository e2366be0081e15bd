"""DECLINE filters, REVIVE, SUPPRESS, and explicit and implicit reconciliation."""

from __future__ import annotations

import pytest

from tests.localmesos.clients.helpers import launch
from tests.localmesos.clients.v1client import V1Scheduler
from tests.support.localmesos import LocalMesos


@pytest.fixture
def localmesos(module_localmesos: LocalMesos) -> LocalMesos:
    return module_localmesos


def decline(client: V1Scheduler, offer: dict, refuse_seconds: float) -> None:
    body = {"offer_ids": [offer["id"]], "filters": {"refuse_seconds": refuse_seconds}}
    assert client.call("DECLINE", body).status_code == 202


def test_declined_resources_are_not_offered_during_refuse_seconds(scheduler: V1Scheduler) -> None:
    decline(scheduler, scheduler.offer(), 60)
    with pytest.raises(TimeoutError):
        scheduler.offer_within(1.5)  # past the one-second allocation tick


def test_declined_resources_come_back_after_refuse_seconds(scheduler: V1Scheduler) -> None:
    decline(scheduler, scheduler.offer(), 0.3)
    assert scheduler.offer()["resources"]


def test_revive_clears_refusals(scheduler: V1Scheduler) -> None:
    decline(scheduler, scheduler.offer(), 3600)
    assert scheduler.call("REVIVE").status_code == 202
    assert scheduler.offer()["resources"]


def test_suppress_stops_offers_until_revive(scheduler: V1Scheduler) -> None:
    assert scheduler.call("SUPPRESS").status_code == 202
    decline(scheduler, scheduler.offer(), 0)
    with pytest.raises(TimeoutError):
        scheduler.offer_within(1.5)
    assert scheduler.call("REVIVE", {"roles": ["*"]}).status_code == 202
    assert scheduler.offer()["resources"]


def test_implicit_reconciliation_reports_every_known_task(scheduler: V1Scheduler) -> None:
    launch(scheduler, "t1", "run")
    launch(scheduler, "t2", "run")
    assert scheduler.call("RECONCILE", {"tasks": []}).status_code == 202
    answers = [scheduler.update(task_id) for task_id in ("t1", "t2")]
    for status in answers:
        assert status["state"] == "TASK_RUNNING"
        assert status["reason"] == "REASON_RECONCILIATION"
        assert status["source"] == "SOURCE_MASTER"
        assert status["executor_id"] == {"value": "fake"}
        assert "uuid" not in status


def test_explicit_reconciliation_answers_known_and_unknown_tasks(scheduler: V1Scheduler) -> None:
    running = launch(scheduler, "t1", "run")
    body = {
        "tasks": [
            {"task_id": {"value": "t1"}},
            {"task_id": {"value": "gone"}, "agent_id": running["agent_id"]},
            {"task_id": {"value": "never"}},
        ]
    }
    assert scheduler.call("RECONCILE", body).status_code == 202
    assert scheduler.update("t1")["state"] == "TASK_RUNNING"
    gone = scheduler.update("gone")
    assert gone["state"] == "TASK_LOST"
    assert gone["message"] == "Reconciliation: Task is unknown to the agent"
    never = scheduler.update("never")
    assert never["message"] == "Reconciliation: Task is unknown"
    assert "agent_id" not in never


def test_finished_and_acknowledged_tasks_are_forgotten(scheduler: V1Scheduler) -> None:
    launch(scheduler, "t1", "finish")
    scheduler.acknowledge(scheduler.update("t1", "TASK_FINISHED"))
    scheduler.call("RECONCILE", {"tasks": [{"task_id": {"value": "t1"}}]})
    assert scheduler.update("t1")["state"] == "TASK_LOST"
