"""Apps and deployments driven step by step: the real scheduler stack on a manual clock.

`Cluster` plays Mesos: it hands the framework offers from named hosts, reports task
states, and confirms kills when a test says so. Nothing runs on a thread; every message
and due timer runs in `run_pending()`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from api.marathon_json import queue_json
from scheduler.apps.validation import parse_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.base.errors import Locked
from scheduler.deployments.manager import deployment_json
from scheduler.deployments.plan import Deployment
from scheduler.launch.tasks import Goal, TaskRecord
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.support.fake_driver import FakeDriver

Json = dict[str, Any]

HOSTS = ("h1", "h2", "h3")
MESOS_HTTP = {"protocol": "MESOS_HTTP", "path": "/", "portIndex": 0,
              "intervalSeconds": 1, "gracePeriodSeconds": 5}


class Cluster:
    """A scheduler on a manual clock, and the Mesos it talks to, played by hand."""

    def __init__(self, data_dir: Path, hosts: tuple[str, ...] = HOSTS) -> None:
        self.data_dir = data_dir
        self.clock = ManualClock()
        self.hosts = list(hosts)
        self.mesos: dict[str, str] = {}  # task id -> host, what Mesos runs
        self._offer_ids = itertools.count()
        self._events: list[Json] = []
        self._boot()

    def _boot(self) -> None:
        config = Config(master="fake:5050", db_url=sqlite_url(self.data_dir),
                        data_dir=self.data_dir)
        self.rt = Runtime(config, self.clock)
        self.rt.restore()
        self.driver = FakeDriver()
        self.rt.framework.attach_driver(self.driver)
        self.subscription = self.rt.framework.events.subscribe()
        self.rt.framework.on_registered("framework-1", "fake-master")
        self.rt.core.run_pending()

    def restart_scheduler(self) -> None:
        """A new scheduler process on the same database; Mesos keeps its tasks."""
        self.rt.close()
        self._boot()

    def close(self) -> None:
        self.rt.close()

    # Mesos -> scheduler ---------------------------------------------------------------------
    def offer(self, *hosts: str) -> list[str]:
        """One offer from each host (all by default); returns the task ids launched."""
        before = len(self.driver.launched_task_ids())
        self.rt.framework.on_offers([self._offer(h) for h in hosts or self.hosts])
        self.rt.core.run_pending()
        launched = self.driver.launched_task_ids()[before:]
        for launch in self.driver.launches:
            for info in launch.task_infos:
                task_id = info["task_id"]["value"]
                if task_id in launched:
                    self.mesos[task_id] = info["agent_id"]["value"].removeprefix("agent-")
        return launched

    def _offer(self, host: str) -> Json:
        def scalar(name: str, value: float) -> Json:
            return {"name": name, "type": "SCALAR", "scalar": {"value": value}}

        return {
            "id": {"value": f"offer-{next(self._offer_ids)}"},
            "framework_id": {"value": "framework-1"},
            "agent_id": {"value": f"agent-{host}"},
            "hostname": host,
            "resources": [
                scalar("cpus", 8), scalar("mem", 8192), scalar("disk", 10000),
                {"name": "ports", "type": "RANGES",
                 "ranges": {"range": [{"begin": 31000, "end": 31999}]}},
            ],
        }

    def status(self, task_id: str, state: str, healthy: bool | None = None) -> None:
        status: Json = {"task_id": {"value": task_id}, "state": state,
                        "agent_id": {"value": f"agent-{self.mesos.get(task_id, '?')}"},
                        "source": "SOURCE_EXECUTOR", "uuid": "dXVpZA=="}
        if healthy is not None:
            status["healthy"] = healthy
        if state != "TASK_RUNNING" and state != "TASK_STAGING":
            self.mesos.pop(task_id, None)
        self.rt.framework.on_status(status)
        self.rt.core.run_pending()

    def run(self, task_id: str, healthy: bool | None = None) -> None:
        self.status(task_id, "TASK_RUNNING", healthy)

    def pending_kills(self) -> list[str]:
        return [t for t in dict.fromkeys(self.driver.kills) if t in self.mesos]

    def confirm_kills(self) -> list[str]:
        killed = self.pending_kills()
        for task_id in killed:
            self.status(task_id, "TASK_KILLED")
        return killed

    def answer_reconciliation(self) -> None:
        """Mesos tells a (re)registered scheduler the state of every task it runs."""
        for task_id in list(self.mesos):
            self.run(task_id)

    def tick(self, seconds: float) -> None:
        self.clock.advance(seconds)
        self.rt.core.run_pending()

    # what the scheduler knows ---------------------------------------------------------------
    def tasks(self, app_id: str) -> list[TaskRecord]:
        return self.rt.apps.tasks(app_id)

    def ready(self, app_id: str) -> int:
        app = self.rt.apps.apps.get(app_id)
        return sum(self.rt.apps.is_ready(t, app) for t in self.tasks(app_id))

    def deployments(self) -> list[Deployment]:
        return list(self.rt.apps.deployments.running.values())

    def events(self, event_type: str) -> list[Json]:
        while (event := self.subscription.get(timeout=0)) is not None:
            self._events.append(event)
        return [e for e in self._events if e["eventType"] == event_type]

    # scheduler API, as the views call it ----------------------------------------------------
    def create(self, **fields: Any) -> Deployment:
        app = parse_app({"cmd": "serve", "cpus": 0.1, "mem": 32, **fields})
        _, deployment = self.rt.apps.create(app, force=False)
        self.rt.core.run_pending()
        return deployment

    def update(self, app_id: str, force: bool = False, **changes: Any) -> Deployment:
        from scheduler.apps.serialize import app_to_json

        data = {**app_to_json(self.rt.apps.get(app_id)), **changes}
        data.pop("version", None)
        data.pop("versionInfo", None)
        _, deployment = self.rt.apps.replace_app(parse_app(data), force)
        self.rt.core.run_pending()
        return deployment

    # driving a deployment -------------------------------------------------------------------
    def start_all(self, healthy: bool | None = None) -> int:
        """Offer every host and report every staging task running."""
        self.offer()
        staging = [t.task_id for app_id in self.rt.apps.apps for t in self.tasks(app_id)
                   if t.state == "TASK_STAGING" and t.task_id in self.mesos]
        for task_id in staging:
            self.run(task_id, healthy)
        return len(staging)

    def settle(self, healthy: bool | None = None, rounds: int = 50) -> None:
        """Launch, run and confirm kills until no deployment is left."""
        for _ in range(rounds):
            if not self.deployments():
                return
            self.start_all(healthy)
            self.confirm_kills()
        raise AssertionError(f"deployments never finished: {self.waiting()}")

    def waiting(self) -> list[Json]:
        return [w for d in self.deployments() for w in deployment_json(d, True)["waiting"]]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    yield running
    running.close()


def roll_restart_checking(cluster: Cluster, app_id: str, minimum: int,
                          healthy: bool | None = None) -> int:
    """Drive a running restart one Mesos event at a time; fail if ready ever drops below
    `minimum`. Returns how many events it took."""
    events = 0

    def check() -> None:
        nonlocal events
        events += 1
        assert cluster.ready(app_id) >= minimum, [
            (t.task_id, t.state, t.goal, t.healthy) for t in cluster.tasks(app_id)]

    for _ in range(100):
        if not cluster.deployments():
            return events
        for task_id in cluster.offer():
            check()
            cluster.run(task_id)
            check()
            if healthy:
                cluster.run(task_id, healthy=True)
                check()
        for task_id in cluster.pending_kills():
            cluster.status(task_id, "TASK_KILLED")
            check()
    raise AssertionError(f"restart never finished: {cluster.waiting()}")


# create, scale, kill ------------------------------------------------------------------------
def test_a_new_app_launches_its_instances_and_its_deployment_ends_when_they_run(
    cluster: Cluster,
) -> None:
    deployment = cluster.create(id="/web", instances=2)
    assert [d.id for d in cluster.deployments()] == [deployment.id]
    launched = cluster.offer()
    assert len(launched) == 2
    assert cluster.deployments()  # launched is not running
    for task_id in launched:
        cluster.run(task_id)
    assert cluster.deployments() == []
    assert [e["id"] for e in cluster.events("deployment_success")] == [deployment.id]
    assert cluster.rt.store.load_deployments() == {}
    assert cluster.driver.suppresses  # nothing left to launch: offers are suppressed


def test_scaling_up_launches_more_and_scaling_down_kills_the_youngest(cluster: Cluster) -> None:
    cluster.create(id="/web", instances=1)
    cluster.settle()
    cluster.update("/web", instances=3)
    assert len(cluster.offer()) == 2
    cluster.settle()
    assert cluster.ready("/web") == 3
    youngest = max(cluster.tasks("/web"), key=lambda t: t.staged_at)
    cluster.clock.advance(1)
    cluster.update("/web", instances=2)
    assert cluster.pending_kills() == [youngest.task_id]
    assert cluster.deployments()  # until the kill is confirmed
    cluster.confirm_kills()
    assert cluster.deployments() == []
    assert len(cluster.tasks("/web")) == 2


def test_a_killed_instance_is_replaced(cluster: Cluster) -> None:
    cluster.create(id="/web", instances=2)
    cluster.settle()
    victim = cluster.tasks("/web")[0].task_id
    cluster.rt.apps.kill_tasks("/web", [victim], scale=False, force=False)
    assert cluster.confirm_kills() == [victim]
    replacement = cluster.offer()
    assert len(replacement) == 1 and replacement != [victim]
    cluster.run(replacement[0])
    assert cluster.ready("/web") == 2


def test_a_failed_instance_is_replaced_after_its_backoff(cluster: Cluster) -> None:
    cluster.create(id="/web", instances=1, backoffSeconds=10)
    cluster.settle()
    (task,) = cluster.tasks("/web")
    cluster.status(task.task_id, "TASK_FAILED")
    assert cluster.offer() == []  # delayed by backoff
    cluster.tick(10)
    assert len(cluster.offer()) == 1


# rolling restarts ---------------------------------------------------------------------------
def test_a_rolling_restart_with_full_minimum_health_never_drops_below_n_ready(
    cluster: Cluster,
) -> None:
    cluster.create(id="/web", instances=3,
                   upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 0})
    cluster.settle()
    old = {t.task_id for t in cluster.tasks("/web")}
    cluster.rt.apps.restart("/web", force=False)
    assert roll_restart_checking(cluster, "/web", minimum=3) > 0
    tasks = cluster.tasks("/web")
    assert len(tasks) == 3 and not old & {t.task_id for t in tasks}
    assert cluster.events("deployment_success")


def test_a_rolling_restart_never_exceeds_max_capacity(cluster: Cluster) -> None:
    cluster.create(id="/web", instances=3,
                   upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 0})
    cluster.settle()
    cluster.rt.apps.restart("/web", force=False)
    for _ in range(30):
        if not cluster.deployments():
            break
        existing = len(cluster.tasks("/web")) + len(cluster.rt.framework.queue.of("/web"))
        assert existing <= 4
        cluster.start_all()
        cluster.confirm_kills()
    assert cluster.deployments() == []


def test_with_health_checks_readiness_waits_for_healthy(cluster: Cluster) -> None:
    cluster.create(id="/web", instances=2, healthChecks=[MESOS_HTTP],
                   upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 0})
    cluster.settle(healthy=True)
    cluster.rt.apps.restart("/web", force=False)
    (new,) = cluster.offer()
    cluster.run(new)  # running, no health result yet
    assert cluster.pending_kills() == []
    assert "running but not healthy" in cluster.waiting()[0]["reason"]
    cluster.run(new, healthy=False)
    assert cluster.pending_kills() == []
    cluster.run(new, healthy=True)
    assert len(cluster.pending_kills()) == 1
    roll_restart_checking(cluster, "/web", minimum=2, healthy=True)
    assert cluster.deployments() == []


def test_a_restart_on_as_many_unique_hosts_as_instances_waits_with_a_reason_for_a_host(
    cluster: Cluster,
) -> None:
    cluster.create(id="/web", instances=3, constraints=[["hostname", "UNIQUE"]],
                   upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 0})
    cluster.settle()
    deployment = cluster.rt.apps.restart("/web", force=False)
    for _ in range(3):
        assert cluster.offer() == []
        cluster.tick(1)
    assert cluster.deployments() == [deployment]
    (waiting,) = cluster.waiting()
    assert waiting["app"] == "/web"
    assert "hostname" in waiting["reason"] and "UNIQUE" in waiting["reason"]
    (item,) = queue_json(cluster.rt.apps, cluster.clock.now())["queue"]
    reasons = item["processedOffersSummary"]["waitingReasons"]
    assert reasons and "UNIQUE" in reasons[0]["reason"]
    assert cluster.ready("/web") == 3

    cluster.hosts.append("h4")
    assert roll_restart_checking(cluster, "/web", minimum=3)
    assert len({t.hostname for t in cluster.tasks("/web")}) == 3


def test_a_restart_on_unique_hosts_with_room_below_full_health_needs_no_extra_host(
    cluster: Cluster,
) -> None:
    cluster.create(id="/web", instances=3, constraints=[["hostname", "UNIQUE"]],
                   upgradeStrategy={"minimumHealthCapacity": 0.5, "maximumOverCapacity": 0})
    cluster.settle()
    cluster.rt.apps.restart("/web", force=False)
    assert roll_restart_checking(cluster, "/web", minimum=2)


def test_new_apps_start_in_dependency_order(cluster: Cluster) -> None:
    apps = cluster.rt.apps
    db = apps.stamp(parse_app({"id": "/db", "cmd": "db", "cpus": 0.1, "mem": 32}), None, False)
    web = apps.stamp(parse_app({"id": "/web", "cmd": "web", "cpus": 0.1, "mem": 32,
                                "dependencies": ["/db"]}), None, False)
    apps.deploy({"/db": db, "/web": web}, force=False)
    launched = cluster.offer()
    assert [t.split(".")[0] for t in launched] == ["db"]
    assert cluster.offer() == []
    cluster.run(launched[0])
    (web_task,) = cluster.offer()
    assert web_task.startswith("web.")
    cluster.run(web_task)
    assert cluster.deployments() == []


# locks, force, rollback ---------------------------------------------------------------------
def _mid_restart(cluster: Cluster) -> Deployment:
    """/web, 3 ready instances of cmd v1, restarting to v2 with one new instance started."""
    cluster.create(id="/web", cmd="v1", instances=3,
                   upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 0})
    cluster.settle()
    deployment = cluster.update("/web", cmd="v2")
    (new,) = cluster.offer()
    cluster.run(new)
    assert cluster.pending_kills()  # the new one is ready: one old is going
    cluster.confirm_kills()
    return deployment


def test_a_change_to_an_app_under_deployment_is_locked(cluster: Cluster) -> None:
    deployment = _mid_restart(cluster)
    with pytest.raises(Locked) as locked:
        cluster.update("/web", instances=5)
    assert locked.value.deployment_ids == (deployment.id,)
    assert cluster.rt.apps.get("/web").instances == 3


def test_force_cancels_the_running_plan_where_it_is(cluster: Cluster) -> None:
    old = _mid_restart(cluster)
    (starting,) = cluster.offer()  # the next new instance, not ready yet
    before = {t.task_id for t in cluster.tasks("/web")}
    assert starting in before
    kills_before = len(cluster.driver.kills)
    new = cluster.update("/web", force=True, instances=4)
    assert [d.id for d in cluster.deployments()] == [new.id]
    assert [e["id"] for e in cluster.events("deployment_failed")] == [old.id]
    assert cluster.driver.kills[kills_before:] == []  # nothing it started is undone
    assert {t.task_id for t in cluster.tasks("/web")} == before
    cluster.settle()
    assert len(cluster.tasks("/web")) == 4


def test_force_leaves_the_canceled_plans_other_apps_at_their_target(cluster: Cluster) -> None:
    strategy = {"minimumHealthCapacity": 1, "maximumOverCapacity": 0}
    cluster.create(id="/a", instances=2, upgradeStrategy=strategy)
    cluster.create(id="/b", instances=2, upgradeStrategy=strategy)
    cluster.settle()
    apps = cluster.rt.apps
    both = apps.deploy({a: apps.stamp(apps.get(a), apps.get(a), restart=True)
                        for a in ("/a", "/b")}, force=False, restart=frozenset({"/a", "/b"}))
    assert len(cluster.rt.framework.queue.of("/b")) == 1  # its first new instance
    cluster.update("/a", force=True, instances=3)
    assert both.id not in {d.id for d in cluster.deployments()}
    assert cluster.rt.framework.queue.of("/b") == []  # back to 2, no restart any more
    cluster.settle()
    assert len(cluster.tasks("/b")) == 2


def test_rolling_back_a_deployment_deploys_the_previous_definition(cluster: Cluster) -> None:
    cluster.create(id="/web", cmd="v1", instances=2, healthChecks=[MESOS_HTTP],
                   upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 0})
    cluster.settle(healthy=True)
    bad = cluster.update("/web", cmd="v2")
    (new,) = cluster.offer()
    cluster.run(new, healthy=False)  # v2 never becomes healthy
    rollback = cluster.rt.apps.deployments.rollback(bad.id)
    cluster.rt.core.run_pending()
    assert [d.id for d in cluster.deployments()] == [rollback.id]
    assert cluster.rt.apps.get("/web").cmd == "v1"
    assert [e["id"] for e in cluster.events("deployment_failed")] == [bad.id]
    cluster.settle(healthy=True)
    tasks = cluster.tasks("/web")
    assert len(tasks) == 2 and new not in {t.task_id for t in tasks}
    assert all(t.healthy for t in tasks)


def test_put_with_a_version_rolls_the_app_back_to_it(cluster: Cluster) -> None:
    cluster.create(id="/web", cmd="v1", instances=1)
    cluster.settle()
    first = cluster.rt.apps.get("/web").version
    cluster.tick(1)
    cluster.update("/web", cmd="v2")
    cluster.settle()
    assert first is not None
    cluster.tick(1)
    deployment = cluster.rt.apps.rollback("/web", first, force=False)
    app = cluster.rt.apps.get("/web")
    assert app.cmd == "v1" and app.version != first
    assert deployment.steps[0][0].kind.value == "RestartApplication"
    cluster.settle()
    assert len(cluster.tasks("/web")) == 1


# timeouts -----------------------------------------------------------------------------------
def test_a_deployment_past_its_timeout_fails_with_the_reason_it_waited(cluster: Cluster) -> None:
    deployment = cluster.create(id="/web", instances=1, deploymentTimeoutSeconds=30,
                                constraints=[["hostname", "LIKE", "nowhere"]])
    cluster.offer()
    cluster.tick(20)
    assert cluster.deployments() == [deployment]
    cluster.tick(11)
    assert cluster.deployments() == []
    (failed,) = cluster.events("deployment_failed")
    assert failed["id"] == deployment.id
    assert "timed out" in failed["reason"] and "hostname" in failed["reason"]
    assert cluster.rt.store.load_deployments() == {}


def test_a_deployment_without_a_timeout_keeps_waiting(cluster: Cluster) -> None:
    deployment = cluster.create(id="/web", instances=1,
                                constraints=[["hostname", "LIKE", "nowhere"]])
    cluster.offer()
    cluster.tick(3600)
    assert cluster.deployments() == [deployment]


# restarts of the scheduler ------------------------------------------------------------------
def test_a_restarted_scheduler_resumes_a_persisted_rolling_restart(cluster: Cluster) -> None:
    deployment = _mid_restart(cluster)
    cluster.restart_scheduler()
    assert [d.id for d in cluster.deployments()] == [deployment.id]
    cluster.answer_reconciliation()
    assert roll_restart_checking(cluster, "/web", minimum=3)
    assert cluster.rt.store.load_deployments() == {}
    assert {t.state for t in cluster.tasks("/web")} == {"TASK_RUNNING"}
    assert len(cluster.tasks("/web")) == 3


def test_a_restarted_scheduler_keeps_a_deployments_timeout(cluster: Cluster) -> None:
    deployment = cluster.create(id="/web", instances=1, deploymentTimeoutSeconds=30,
                                constraints=[["hostname", "LIKE", "nowhere"]])
    cluster.tick(20)
    cluster.restart_scheduler()
    cluster.offer()
    cluster.tick(11)
    assert [e["id"] for e in cluster.events("deployment_failed")] == [deployment.id]
    assert cluster.deployments() == []


def test_a_kill_lost_with_the_old_scheduler_is_sent_again(cluster: Cluster) -> None:
    _mid_restart(cluster)
    (new,) = cluster.offer()
    cluster.run(new)
    (doomed,) = cluster.pending_kills()
    cluster.restart_scheduler()  # the kill never reached Mesos
    cluster.answer_reconciliation()
    record = cluster.rt.framework.tracker.get(doomed)
    assert record is not None and record.goal is Goal.KILL
    assert doomed in cluster.pending_kills()
    assert roll_restart_checking(cluster, "/web", minimum=3)
