"""Task health on the owner thread: targets, results, events, kills, through a real Runtime."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.marathon_json import app_info
from scheduler.apps import pathid
from scheduler.apps.model import AppDefinition
from scheduler.apps.serialize import app_to_json
from scheduler.apps.validation import parse_app
from scheduler.apps.versions import config_version
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.health.engine import Key, ProbeReport
from scheduler.health.probes import Outcome, Protocol, Target, Verdict
from scheduler.launch.framework import NoDriver
from scheduler.launch.tasks import TaskRecord
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.scheduler.health.conftest import StubServer
from tests.support.dev import wait_for

Json = dict[str, Any]

OK = Outcome(Verdict.HEALTHY)
BAD = Outcome(Verdict.UNHEALTHY, "HTTP status 500")
HTTP_CHECK: Json = {"protocol": "HTTP", "path": "/health", "portIndex": 1, "intervalSeconds": 7,
                    "timeoutSeconds": 3, "gracePeriodSeconds": 0, "maxConsecutiveFailures": 3}


class KillRecorder(NoDriver):
    def __init__(self) -> None:
        self.kills: list[str] = []

    def kill(self, task_id: str, agent_id: str | None) -> None:
        self.kills.append(task_id)


class RecordingEngine:
    """Stands in for the probing thread: remembers what it was asked to probe."""

    def __init__(self) -> None:
        self.targets: dict[Key, Target] = {}

    def watch(self, targets: Any) -> None:
        self.targets.update((t.key, t) for t in targets)

    def unwatch(self, keys: Any) -> None:
        for key in keys:
            self.targets.pop(key, None)


class Harness:
    def __init__(self, data_dir: Path, real_engine: bool = False) -> None:
        self.clock = ManualClock()
        config = Config(master="fake:5050", db_url=sqlite_url(data_dir), data_dir=data_dir)
        self.rt = Runtime(config, self.clock)
        self.rt.restore()
        self.driver = KillRecorder()
        self.rt.framework.attach_driver(self.driver)
        self.engine = RecordingEngine()
        if real_engine:
            self.rt.start_health_checks()
        else:
            self.rt.apps.health.attach(self.engine)
        self.subscription = self.rt.framework.events.subscribe()
        self.seen: list[Json] = []

    def create(self, app_id: str = "/web", **fields: Any) -> AppDefinition:
        body = {"id": app_id, "cmd": "serve", "instances": 1,
                "portDefinitions": [{"port": 0}, {"port": 0}], **fields}
        app, _ = self.rt.apps.create(parse_app(body), force=False)
        return app

    def start_task(self, app: AppDefinition) -> str:
        task_id = pathid.task_id_for(app.id)
        self.rt.framework.tracker.put(TaskRecord(
            task_id=task_id, run_spec_id=app.id, version=app.version or "",
            config_version=config_version(app), agent_id="agent-1", hostname="127.0.0.1",
            staged_at=self.clock.now(), ports=(31000, 31001),
        ))
        self.status(task_id, "TASK_RUNNING")
        return task_id

    def status(self, task_id: str, state: str, **fields: Any) -> None:
        self.rt.framework.on_status({"task_id": {"value": task_id}, "state": state,
                                     "agent_id": {"value": "agent-1"}, **fields})
        self.rt.core.run_pending()  # the owner loop's turn ends: changed apps reconcile

    def report(self, task_id: str, *outcomes: Outcome, index: int = 0) -> None:
        for outcome in outcomes:
            self.clock.advance(1)
            self.rt.apps.health.apply([ProbeReport((task_id, index), outcome,
                                                   self.clock.now(), 0.0, 0.0)])
        self.rt.core.run_pending()  # as after the message: the turn ends, reads publish

    def record(self, task_id: str) -> TaskRecord:
        record = self.rt.framework.tracker.get(task_id)
        assert record is not None
        return record

    def stored(self, task_id: str) -> Json:
        return dict(self.rt.store.load_tasks()[task_id])

    def results(self, task_id: str) -> list[Json]:
        return self.rt.apps.health.results_json(self.record(task_id))

    def events(self, event_type: str) -> list[Json]:
        while (event := self.subscription.get(0)) is not None:
            self.seen.append(event)
        return [e for e in self.seen if e["eventType"] == event_type]


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    running = Harness(tmp_path)
    yield running
    running.rt.close()


def test_a_running_task_is_probed_at_its_host_and_the_checks_port(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(healthChecks=[HTTP_CHECK]))
    assert harness.engine.targets == {(task_id, 0): Target(
        (task_id, 0), "127.0.0.1", 31001, Protocol.HTTP, "/health", 7, 3,
    )}


def test_a_task_that_ends_is_no_longer_probed(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(healthChecks=[HTTP_CHECK]))
    harness.status(task_id, "TASK_KILLED")
    assert harness.engine.targets == {}


def test_executor_run_checks_are_not_probed_by_the_scheduler(harness: Harness) -> None:
    harness.start_task(harness.create(healthChecks=[{**HTTP_CHECK, "protocol": "MESOS_HTTP"}]))
    assert harness.engine.targets == {}


def test_a_passing_check_makes_the_task_healthy_in_store_events_and_counts(
    harness: Harness
) -> None:
    app = harness.create(healthChecks=[HTTP_CHECK])
    task_id = harness.start_task(app)
    harness.report(task_id, OK)
    assert harness.record(task_id).healthy is True
    assert harness.stored(task_id)["healthy"] is True
    instance = pathid.instance_id_of(task_id)
    (changed,) = harness.events("health_status_changed_event")
    assert (changed["appId"], changed["instanceId"], changed["alive"]) == ("/web", instance, True)
    info = app_info(harness.rt.snapshot.apps["/web"], set(), single=True)
    assert (info["tasksHealthy"], info["tasksUnhealthy"]) == (1, 0)
    (result,) = info["tasks"][0]["healthCheckResults"]
    assert result["alive"] is True and result["instanceId"] == instance


def test_instance_health_changed_event_follows_each_change(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(healthChecks=[HTTP_CHECK]))
    harness.report(task_id, OK, OK, BAD, BAD, OK)
    assert [e["healthy"] for e in harness.events("instance_health_changed_event")] == [
        True, False, True,
    ]


def test_failures_within_the_grace_period_change_nothing(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(
        healthChecks=[{**HTTP_CHECK, "gracePeriodSeconds": 60}]))
    harness.report(task_id, BAD, BAD, BAD, BAD)
    assert harness.record(task_id).healthy is None
    assert harness.events("failed_health_check_event") == []
    assert harness.driver.kills == []


def test_the_task_is_killed_and_replaced_when_failures_reach_the_maximum(
    harness: Harness
) -> None:
    app = harness.create(healthChecks=[HTTP_CHECK])
    task_id = harness.start_task(app)
    assert harness.rt.framework.queue.of("/web") == []
    harness.report(task_id, OK, BAD, BAD)
    assert harness.driver.kills == []
    harness.report(task_id, BAD)
    assert harness.driver.kills == [task_id]
    failed = harness.events("failed_health_check_event")
    assert len(failed) == 3
    assert failed[0]["healthCheck"] == app_to_json(app)["healthChecks"][0]
    (kill,) = harness.events("unhealthy_instance_kill_event")
    assert kill == {**kill, "appId": "/web", "taskId": task_id, "version": app.version,
                    "instanceId": pathid.instance_id_of(task_id), "reason": "HTTP status 500",
                    "host": "127.0.0.1", "slaveId": "agent-1"}
    assert len(harness.rt.framework.queue.of("/web")) == 1  # the replacement
    harness.report(task_id, BAD)  # a late report for the doomed task is dropped
    assert harness.driver.kills == [task_id]


def test_zero_max_consecutive_failures_never_kills(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(
        healthChecks=[{**HTTP_CHECK, "maxConsecutiveFailures": 0}]))
    harness.report(task_id, *[BAD] * 10)
    assert harness.driver.kills == []
    assert harness.record(task_id).healthy is False
    (result,) = harness.results(task_id)
    assert result["consecutiveFailures"] == 10
    assert result["lastFailureCause"] == "HTTP status 500"


def test_counters_stay_in_memory_and_are_stored_when_health_changes(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(healthChecks=[HTTP_CHECK]))
    harness.report(task_id, OK)
    first = harness.clock.now()
    harness.report(task_id, OK, OK)
    (stored,) = harness.stored(task_id)["extra"]["health"]
    assert stored["last_success"] == first
    (result,) = harness.results(task_id)
    assert result["lastSuccess"] != result["firstSuccess"]


def test_a_task_is_healthy_only_when_all_its_checks_pass(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(healthChecks=[
        HTTP_CHECK, {"protocol": "TCP", "portIndex": 0, "gracePeriodSeconds": 0}]))
    assert set(harness.engine.targets) == {(task_id, 0), (task_id, 1)}
    harness.report(task_id, OK, index=0)
    assert harness.record(task_id).healthy is None
    harness.report(task_id, OK, index=1)
    assert harness.record(task_id).healthy is True
    harness.report(task_id, BAD, index=1)
    assert harness.record(task_id).healthy is False
    assert [r["alive"] for r in harness.results(task_id)] == [True, False]


def test_executor_verdicts_publish_the_same_health_events(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(healthChecks=[
        {**HTTP_CHECK, "protocol": "MESOS_HTTP"}]))
    harness.status(task_id, "TASK_RUNNING", healthy=True)
    assert harness.record(task_id).healthy is True
    assert [e["alive"] for e in harness.events("health_status_changed_event")] == [True]
    assert [r["alive"] for r in harness.results(task_id)] == [True]


def test_mixed_checks_need_the_executor_and_the_scheduler_verdicts(harness: Harness) -> None:
    task_id = harness.start_task(harness.create(healthChecks=[
        {**HTTP_CHECK, "protocol": "MESOS_HTTP"}, HTTP_CHECK]))
    harness.status(task_id, "TASK_RUNNING", healthy=True)
    assert harness.record(task_id).healthy is None
    harness.report(task_id, OK, index=1)
    assert harness.record(task_id).healthy is True


def test_after_a_restart_running_tasks_are_probed_again_with_their_results(
    harness: Harness, tmp_path: Path
) -> None:
    task_id = harness.start_task(harness.create(healthChecks=[HTTP_CHECK]))
    harness.report(task_id, OK)
    harness.rt.close()
    again = Harness(tmp_path)
    try:
        assert set(again.engine.targets) == {(task_id, 0)}
        assert again.record(task_id).healthy is True
        (result,) = again.results(task_id)
        assert result["alive"] is True and result["firstSuccess"] is not None
    finally:
        again.rt.close()


def test_real_probes_of_each_protocol_count_only_after_the_grace_period(
    tmp_path: Path, http_server: StubServer, https_server: StubServer, closed_port: int
) -> None:
    harness = Harness(tmp_path, real_engine=True)
    failing = {"HTTP": http_server.port, "HTTPS": https_server.port, "TCP": closed_port}
    try:
        apps = [harness.create(f"/{name.lower()}", healthChecks=[{
            "protocol": name, "port": port, "path": "/status/500", "intervalSeconds": 1,
            "gracePeriodSeconds": 60, "maxConsecutiveFailures": 0,
        }]) for name, port in failing.items()]
        old = [harness.start_task(app) for app in apps]
        harness.clock.advance(61)
        young = [harness.start_task(app) for app in apps]

        def counted_twice() -> bool:
            harness.rt.core.run_pending()
            return all(harness.results(t)[0]["consecutiveFailures"] >= 2 for t in old)

        wait_for(counted_twice, 10)
        assert [harness.record(t).healthy for t in old] == [False] * 3
        assert [harness.record(t).healthy for t in young] == [None] * 3
        assert [harness.results(t)[0]["consecutiveFailures"] for t in young] == [0] * 3
    finally:
        harness.rt.close()


def test_gaining_changing_and_losing_checks_publish_add_and_remove_events(
    harness: Harness,
) -> None:
    harness.create(instances=0)
    assert harness.events("add_health_check_event") == []
    apps = harness.rt.apps

    def update(**fields: Any) -> AppDefinition:
        data = {**app_to_json(apps.get("/web")), **fields}
        data.pop("version")
        changed = parse_app(data)
        apps.replace_app(changed, force=True)
        return apps.get("/web")

    checked = update(healthChecks=[HTTP_CHECK])
    (added,) = harness.events("add_health_check_event")
    assert added["appId"] == "/web" and added["version"] == checked.version
    assert added["healthCheck"]["path"] == "/health"
    assert harness.events("remove_health_check_event") == []
    update(instances=0, cmd="serve v2")  # same checks: nothing
    assert len(harness.events("add_health_check_event")) == 1
    update(healthChecks=[])
    assert [e["appId"] for e in harness.events("remove_health_check_event")] == ["/web"]
