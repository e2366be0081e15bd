"""Apps and deployments driven step by step: the real scheduler stack on a manual clock.

`Cluster` plays Mesos: it hands the framework offers from named hosts, reports task
states, and confirms kills when a test says so. Nothing runs on a thread; every message
and due timer runs in `run_pending()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.marathon_json import queue_json
from scheduler.apps.validation import parse_app
from scheduler.base.errors import Locked
from scheduler.deployments.plan import Deployment
from scheduler.launch.tasks import Goal
from tests.scheduler.appmanager.apps_harness import MESOS_HTTP, Cluster


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
    (item,) = queue_json(cluster.rt.snapshot, cluster.clock.now())["queue"]
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
    cluster.rt.core.run_pending()  # the plan's first step acts once the change is answered
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
