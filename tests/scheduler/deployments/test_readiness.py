"""Readiness checks during deployments, driven step by step on the Cluster harness."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.marathon_json import app_info
from scheduler.deployments.manager import deployment_json
from scheduler.health.engine import READINESS_INDEX, ProbeReport
from scheduler.health.probes import HttpResponse, Outcome, Protocol, Verdict
from tests.scheduler.appmanager.apps_harness import counting_walks
from tests.scheduler.appmanager.test_app_manager import Cluster
from tests.scheduler.health.test_monitor import RecordingEngine
from tests.support.marathon_client import MarathonApp

Json = dict[str, Any]

PORTS = [{"port": 0, "name": "admin"}, {"port": 0, "name": "http-api"}]
CHECK: Json = {"path": "/ready", "portName": "http-api", "intervalSeconds": 3,
               "timeoutSeconds": 2, "httpStatusCodesForReady": [200, 204]}
FULL = {"minimumHealthCapacity": 1, "maximumOverCapacity": 0}
NOT_YET = Outcome(Verdict.UNHEALTHY, "HTTP status 503",
                  HttpResponse(503, "text/plain", "warming up"))
READY = Outcome(Verdict.HEALTHY, None, HttpResponse(200, "text/plain", "ok"))


class ReadyCluster(Cluster):
    """The Cluster with a recording engine: tests answer the readiness probes."""

    def _boot(self) -> None:
        super()._boot()
        self.engine = RecordingEngine()
        self.rt.apps.health.attach(self.engine)

    def probed(self) -> list[str]:
        return sorted(k[0] for k in self.engine.targets if k[1] == READINESS_INDEX)

    def answer(self, task_id: str, outcome: Outcome) -> None:
        key = (task_id, READINESS_INDEX)
        self.rt.apps.health.apply([ProbeReport(key, outcome, self.clock.now(), 0.0, 0.0)])
        self.rt.core.run_pending()

    def results(self) -> list[Json]:
        (deployment,) = self.deployments()
        body = deployment_json(deployment, readiness=self.rt.apps.readiness.results_json)
        (action,) = body["currentActions"]
        results: list[Json] = action["readinessCheckResults"]
        return results


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ReadyCluster]:
    running = ReadyCluster(tmp_path)
    yield running
    running.close()


def test_a_new_task_is_ready_only_once_its_check_answers_a_listed_status(
    cluster: ReadyCluster,
) -> None:
    cluster.create(id="/web", instances=1, portDefinitions=PORTS,
                   readinessChecks=[{**CHECK, "preserveLastResponse": True}])
    (task_id,) = cluster.offer()
    cluster.run(task_id)
    assert cluster.probed() == [task_id]
    target = cluster.engine.targets[(task_id, READINESS_INDEX)]
    (task,) = cluster.tasks("/web")
    assert (target.port, target.path, target.protocol) == (task.ports[1], "/ready", Protocol.HTTP)
    assert (target.interval_s, target.timeout_s, target.ready_statuses) == (3, 2, (200, 204))
    assert target.keep_response
    assert cluster.ready("/web") == 0
    assert "not ready (readiness check)" in cluster.waiting()[0]["reason"]

    cluster.answer(task_id, NOT_YET)
    assert cluster.results() == [{
        "name": "readinessCheck", "taskId": task_id, "ready": False,
        "lastResponse": {"status": 503, "contentType": "text/plain", "body": "warming up"},
    }]
    app = cluster.rt.snapshot.apps["/web"]
    embedded = app_info(app, {"app.readiness"})["readinessCheckResults"]
    assert embedded == cluster.results()
    assert "readinessCheckResults" not in app_info(app, set())
    info = app_info(app, {"app.readiness"})
    assert MarathonApp.from_json(info).readiness_check_results == embedded

    cluster.answer(task_id, READY)
    assert cluster.deployments() == []
    assert cluster.probed() == []  # only during deployments
    assert cluster.rt.apps.readiness.results_json("/web") == []


def test_without_preserve_last_response_the_response_is_left_out(cluster: ReadyCluster) -> None:
    cluster.create(id="/web", instances=1, portDefinitions=PORTS, readinessChecks=[CHECK])
    (task_id,) = cluster.offer()
    cluster.run(task_id)
    assert not cluster.engine.targets[(task_id, READINESS_INDEX)].keep_response
    cluster.answer(task_id, Outcome(Verdict.UNHEALTHY, "refused"))
    assert cluster.results() == [{"name": "readinessCheck", "taskId": task_id, "ready": False}]


def test_a_rolling_restart_kills_an_old_task_only_when_a_new_one_is_ready(
    cluster: ReadyCluster,
) -> None:
    cluster.create(id="/web", instances=2, portDefinitions=PORTS, readinessChecks=[CHECK],
                   upgradeStrategy=FULL)
    cluster.offer()
    for task in cluster.tasks("/web"):
        cluster.run(task.task_id)
        cluster.answer(task.task_id, READY)
    assert cluster.deployments() == []
    cluster.tick(1)
    cluster.rt.apps.restart("/web", force=False)
    (new,) = cluster.offer()
    cluster.run(new)
    assert cluster.probed() == [new]  # the old tasks are not checked again
    cluster.answer(new, NOT_YET)
    assert cluster.pending_kills() == []
    cluster.answer(new, READY)
    assert len(cluster.pending_kills()) == 1
    cluster.confirm_kills()
    (second,) = cluster.offer()
    cluster.run(second)
    cluster.answer(second, READY)
    cluster.confirm_kills()
    assert cluster.deployments() == []
    assert {t.task_id for t in cluster.tasks("/web")} == {new, second}


def test_a_replacement_outside_a_deployment_is_not_checked(cluster: ReadyCluster) -> None:
    cluster.create(id="/web", instances=1, portDefinitions=PORTS, readinessChecks=[CHECK])
    (first,) = cluster.offer()
    cluster.run(first)
    cluster.answer(first, READY)
    cluster.status(first, "TASK_FAILED")
    cluster.tick(5)  # past the launch backoff
    (replacement,) = cluster.offer()
    cluster.run(replacement)
    assert cluster.probed() == []
    assert cluster.ready("/web") == 1


def test_a_restarted_scheduler_checks_the_waiting_tasks_again(cluster: ReadyCluster) -> None:
    cluster.create(id="/web", instances=1, portDefinitions=PORTS, readinessChecks=[CHECK])
    (task_id,) = cluster.offer()
    cluster.run(task_id)
    cluster.restart_scheduler()
    cluster.answer_reconciliation()
    assert cluster.probed() == [task_id]
    cluster.answer(task_id, READY)
    assert cluster.deployments() == []


def test_a_task_passing_its_check_publishes_its_deployments_status(
    cluster: ReadyCluster,
) -> None:
    cluster.create(id="/web", instances=2, portDefinitions=PORTS, readinessChecks=[CHECK])
    first, second = sorted(cluster.offer())
    cluster.run(first)
    cluster.run(second)
    # Not answered yet is not ready: discovery leaves such a task out.
    assert cluster.results() == [{"name": "readinessCheck", "taskId": t, "ready": False}
                                 for t in (first, second)]
    events = cluster.rt.framework.events.subscribe(["deployment_info"])
    cluster.answer(first, NOT_YET)
    assert events.get(0) is None
    cluster.answer(first, READY)
    event = events.get(0)
    assert event is not None and event["plan"]["id"] == cluster.deployments()[0].id
    assert [a["app"] for a in event["currentStep"]["actions"]] == ["/web"]
    assert events.get(0) is None


def test_readiness_during_a_big_restart_follows_the_changed_tasks_without_walks(
    cluster: ReadyCluster,
) -> None:
    cluster.create(id="/web", instances=200, portDefinitions=PORTS, readinessChecks=[CHECK],
                   upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 0.01})
    cluster.start_all()
    for task in cluster.tasks("/web"):
        cluster.answer(task.task_id, READY)
    assert cluster.deployments() == []
    cluster.tick(1)
    cluster.rt.apps.restart("/web", force=False)
    old = {t.task_id for t in cluster.tasks("/web")}
    new = [t for t in cluster.offer() if t not in old]
    with counting_walks() as walked:
        for task_id in new:
            cluster.run(task_id)
        assert cluster.probed() == sorted(new)  # the new tasks are checked, the old are not
        cluster.answer(new[0], NOT_YET)
        assert cluster.pending_kills() == []  # not ready: nothing old may go
        cluster.answer(new[0], READY)
        assert len(cluster.pending_kills()) == 1  # one ready: one old goes
    assert walked == []
