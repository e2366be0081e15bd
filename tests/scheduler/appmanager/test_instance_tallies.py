"""The counts reconcile and deployments act on are the counts of the tasks themselves.

The tracker keeps per app how many tasks are in each class as they change; whatever
Mesos reports, whatever the app's target and config do meanwhile, the counts must equal
a recount of the app's tasks, one by one, and the app must reach its target through them.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler.apps.model import AppDefinition
from scheduler.apps.versions import config_version
from scheduler.deployments import rolling
from scheduler.deployments.rolling import Tally
from scheduler.launch.tasks import Goal
from tests.scheduler.appmanager.apps_harness import MESOS_HTTP, Cluster, counting_walks

APP = "/counted"
STATES = ("TASK_RUNNING", "TASK_STARTING", "TASK_FAILED", "TASK_KILLED", "TASK_FINISHED",
          "TASK_UNREACHABLE", "TASK_LOST")

offer = st.tuples(st.just("offer"), st.sampled_from(("h1", "h2", "h3")))
status = st.tuples(st.just("status"), st.integers(0, 30), st.sampled_from(STATES),
                   st.sampled_from((None, True, False)))
scale = st.tuples(st.just("scale"), st.integers(0, 6))
change = st.tuples(st.just("change"), st.sampled_from(("serve", "serve --v2", "serve --v3")))
others = st.sampled_from([("confirm_kills",), ("tick",), ("restart_scheduler",)])
events = st.lists(st.one_of(offer, status, status, scale, change, others), max_size=40)


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with tempfile.TemporaryDirectory() as data_dir:
        running = Cluster(Path(data_dir))
        yield running
        running.close()


def recount(cluster: Cluster) -> dict[str, Tally]:
    """The tallies by config version, one task at a time."""
    app = cluster.rt.apps.apps[APP]
    tallies: dict[str, Tally] = {}
    for record in cluster.tasks(APP):
        if record.inactive:
            continue
        live = record.goal is Goal.RUNNING
        ready = cluster.rt.apps.is_ready(record, app)
        tallies[record.config_version] = tallies.get(record.config_version, Tally()) + Tally(
            1, int(live), int(ready))
    return tallies


def assert_kill_order_is_the_walks(cluster: Cluster, app: AppDefinition) -> None:
    """Whom the classes choose to kill, in order, is whom a walk of every instance would
    choose (`rolling.kill_order` of their views, in the tracker's order)."""
    tallies = cluster.rt.apps.tallies
    records = cluster.tasks(APP)
    for keep in (None, config_version(app)):
        views = [tallies.view(r, app) for r in records
                 if not r.inactive and r.config_version != keep]
        for youngest in (False, True):
            for count in (1, 2, len(views) + 1):
                chosen = tallies.kill_order(app, count, youngest, keep_version=keep)
                walked = rolling.kill_order(views, count, youngest)
                assert tuple(chosen) == walked, (keep, youngest, count)


def apply(cluster: Cluster, event: tuple[object, ...]) -> None:
    kind = event[0]
    if kind == "offer":
        cluster.offer(str(event[1]))
    elif kind == "status":
        known = sorted(cluster.mesos)
        if known:
            task_id = known[int(event[1]) % len(known)]  # type: ignore[call-overload]
            cluster.status(task_id, str(event[2]), event[3])  # type: ignore[arg-type]
    elif kind == "scale":
        cluster.update(APP, force=True, instances=event[1])
    elif kind == "change":
        cluster.update(APP, force=True, cmd=event[1])
    elif kind == "confirm_kills":
        cluster.confirm_kills()
    elif kind == "tick":
        cluster.tick(5.0)
    else:
        cluster.restart_scheduler()
        cluster.answer_reconciliation()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=events)
def test_counts_equal_a_recount_after_any_sequence_of_task_events(
    events: list[tuple[object, ...]],
) -> None:
    with tempfile.TemporaryDirectory() as data_dir:
        cluster = Cluster(Path(data_dir))
        try:
            cluster.create(id=APP, instances=3, healthChecks=[MESOS_HTTP])
            for event in events:
                apply(cluster, event)
                app = cluster.rt.apps.apps[APP]
                tallies = cluster.rt.apps.tallies
                assert tallies.by_version(app) == recount(cluster), event
                assert tallies.live_count(APP) == len(cluster.tasks(APP))
                assert tallies.unhealthy_count(app) == sum(
                    1 for r in cluster.tasks(APP) if r.is_running and not r.healthy)
                assert_kill_order_is_the_walks(cluster, app)
        finally:
            cluster.close()


def test_an_app_reaches_its_target_through_the_counts(cluster: Cluster) -> None:
    cluster.create(id=APP, instances=4, healthChecks=[MESOS_HTTP])
    cluster.settle(healthy=True)
    cluster.update(APP, instances=1)
    cluster.settle(healthy=True)
    assert [t.goal for t in cluster.tasks(APP)] == [Goal.RUNNING]
    cluster.update(APP, cmd="serve --v2", instances=2)
    cluster.settle(healthy=True)
    assert cluster.rt.apps.tallies.by_version(cluster.rt.apps.apps[APP]) == recount(cluster)
    assert len(recount(cluster)) == 1 and cluster.ready(APP) == 2


def test_a_status_update_of_a_big_app_does_not_walk_its_instances(cluster: Cluster) -> None:
    cluster.create(id=APP, instances=300)
    cluster.settle()
    cluster.update(APP, instances=301)  # a deployment is running while the task starts
    cluster.offer()
    [new] = [t.task_id for t in cluster.tasks(APP) if t.state == "TASK_STAGING"]
    with counting_walks() as walked:
        cluster.run(new)
        assert not cluster.deployments()
    assert walked == []


def test_a_rolling_restart_of_a_big_app_does_not_walk_its_instances_per_update(
    cluster: Cluster,
) -> None:
    cluster.create(id=APP, instances=300,
                   upgradeStrategy={"minimumHealthCapacity": 1, "maximumOverCapacity": 0.01})
    cluster.settle()
    cluster.update(APP, cmd="serve --v2")
    old = {t.task_id for t in cluster.tasks(APP)}
    for _ in range(3):  # each new instance that runs lets one old one go, oldest first
        started = [t for t in cluster.offer() if t not in old]
        assert started
        with counting_walks() as walked:
            for task_id in started:
                cluster.run(task_id)
        assert walked == []
        killed = cluster.pending_kills()
        assert len(killed) == len(started) and set(killed) <= old
        assert cluster.ready(APP) >= 300  # minimumHealthCapacity 1: never below 300 ready
        cluster.confirm_kills()
        old -= set(killed)
    cluster.settle(rounds=150)  # three new instances at a time
    assert len(cluster.tasks(APP)) == 300 and cluster.ready(APP) == 300
