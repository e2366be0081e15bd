"""Framework failover: re-subscribing within failover_timeout keeps tasks; past it, or
after TEARDOWN, the framework is removed and its tasks killed."""

from __future__ import annotations

from tests.localmesos.clients.helpers import launch, wait_until
from tests.localmesos.clients.v1client import V1Scheduler
from tests.support.localmesos import LocalMesos, processes_under


def test_resubscribing_within_failover_timeout_keeps_tasks(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launch(scheduler, "t1", "run")
    scheduler.disconnect()
    wait_until(lambda: not localmesos.state()["frameworks"][0]["connected"])
    again = V1Scheduler(localmesos.url)
    subscribed = again.subscribe(id={"value": scheduler.framework_id}, failover_timeout=3600)
    assert subscribed["subscribed"]["framework_id"]["value"] == scheduler.framework_id
    assert again.stream_id != scheduler.stream_id
    again.call("RECONCILE", {"tasks": []})
    assert again.update("t1")["state"] == "TASK_RUNNING"
    assert again.offer()["resources"]
    again.call("KILL", {"task_id": {"value": "t1"}})
    assert again.update("t1", "TASK_KILLED")


def test_past_failover_timeout_tasks_are_killed(localmesos: LocalMesos) -> None:
    client = V1Scheduler(localmesos.url)
    client.subscribe(failover_timeout=0.5)
    launch(client, "t1", "run")
    assert processes_under(localmesos.data_dir)
    client.disconnect()
    wait_until(lambda: localmesos.state()["completed_frameworks"])
    [framework] = localmesos.state()["completed_frameworks"]
    assert [(t["id"], t["state"]) for t in framework["completed_tasks"]] == [("t1", "TASK_KILLED")]
    wait_until(lambda: not processes_under(localmesos.data_dir))
    again = V1Scheduler(localmesos.url)
    error = again.subscribe(id={"value": client.framework_id})
    assert error == {"type": "ERROR", "error": {"message": "Framework has been removed"}}
    assert again.ended()


def test_calls_of_a_disconnected_framework_are_forbidden(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    scheduler.disconnect()
    wait_until(lambda: not localmesos.state()["frameworks"][0]["connected"])
    assert scheduler.call("REVIVE").status_code == 403


def test_teardown_removes_the_framework_and_its_executors(
    localmesos: LocalMesos, scheduler: V1Scheduler
) -> None:
    launch(scheduler, "t1", "run")
    assert scheduler.call("TEARDOWN").status_code == 202
    assert scheduler.ended()
    wait_until(lambda: not processes_under(localmesos.data_dir))
    state = localmesos.state()
    assert state["frameworks"] == []
    assert state["slaves"][0]["used_resources"]["cpus"] == 0


def test_only_the_latest_50_removed_frameworks_are_kept(localmesos: LocalMesos) -> None:
    removed = []
    for _ in range(51):
        client = V1Scheduler(localmesos.url)
        client.subscribe()
        assert client.call("TEARDOWN").status_code == 202
        client.disconnect()
        removed.append(client.framework_id)
    kept = [f["id"] for f in localmesos.state()["completed_frameworks"]]
    assert kept == removed[1:]
