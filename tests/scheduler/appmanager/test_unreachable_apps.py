"""unreachableStrategy as Marathon applies it: an instance on a lost agent is replaced after
inactiveAfterSeconds and kept, shown unreachable, until expungeAfterSeconds; back before
that, the app's surplus is killed; after it, the old task is unknown and killed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.scheduler.appmanager.apps_harness import Cluster

STRATEGY = {"inactiveAfterSeconds": 60, "expungeAfterSeconds": 300}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path)
    yield running
    running.close()


def one_instance(cluster: Cluster, **fields: object) -> str:
    cluster.create(id="/web", instances=1, unreachableStrategy=STRATEGY, **fields)
    cluster.settle()
    [task] = [t.task_id for t in cluster.tasks("/web")]
    return task


def lose(cluster: Cluster, task_id: str) -> None:
    """Mesos marks the task's agent unreachable; the task may still run there."""
    host = cluster.mesos[task_id]
    cluster.status(task_id, "TASK_UNREACHABLE")
    cluster.mesos[task_id] = host


def states(cluster: Cluster) -> dict[str, str]:
    return {t.task_id: t.state for t in cluster.tasks("/web")}


def test_an_unreachable_instance_is_replaced_after_inactive_and_kept_until_expunge(
    cluster: Cluster,
) -> None:
    old = one_instance(cluster)
    lose(cluster, old)
    cluster.tick(59)
    assert cluster.offer() == []  # still counted: not yet inactive
    cluster.tick(1)
    [new] = cluster.offer()
    cluster.run(new)
    assert states(cluster) == {old: "TASK_UNREACHABLE", new: "TASK_RUNNING"}
    conditions = [e["condition"] for e in cluster.events("instance_changed_event")
                  if e["instanceId"] in old]
    assert conditions[-1] == "UnreachableInactive"

    cluster.tick(240)  # 300 s after it was lost
    assert states(cluster) == {new: "TASK_RUNNING"}
    assert cluster.offer() == []  # its replacement already runs
    cluster.run(old)  # back after its expunge: a task Dromos no longer knows
    assert cluster.driver.kills == [old]


def test_an_inactive_instance_back_before_expunge_leaves_no_surplus(cluster: Cluster) -> None:
    old = one_instance(cluster)
    lose(cluster, old)
    cluster.tick(60)
    [new] = cluster.offer()
    cluster.run(new)
    cluster.tick(100)
    cluster.run(old)  # back, before expunge: two run for one instance
    assert cluster.driver.kills == [new]  # killSelection YOUNGEST_FIRST: the replacement
    cluster.confirm_kills()
    assert states(cluster) == {old: "TASK_RUNNING"}
    cluster.tick(300)
    assert states(cluster) == {old: "TASK_RUNNING"}  # running again: never expunged


def test_back_before_inactive_is_just_a_status(cluster: Cluster) -> None:
    old = one_instance(cluster)
    lose(cluster, old)
    cluster.tick(30)
    cluster.run(old)
    cluster.tick(600)
    assert cluster.offer() == [] and cluster.driver.kills == []
    assert states(cluster) == {old: "TASK_RUNNING"}


def test_killing_an_unreachable_instance_asks_mesos_nothing_and_kills_it_if_back(
    cluster: Cluster,
) -> None:
    old = one_instance(cluster)
    lose(cluster, old)
    cluster.rt.apps.delete("/web", force=False)
    cluster.tick(0)
    assert cluster.driver.kills == [] and cluster.tasks("/web") == []
    assert not cluster.deployments()
    cluster.run(old)
    assert cluster.driver.kills == [old]


def test_the_deadlines_count_from_when_mesos_marked_it_unreachable(cluster: Cluster) -> None:
    old = one_instance(cluster)
    lose(cluster, old)
    lost_at = cluster.clock.now()
    cluster.tick(50)
    cluster.restart_scheduler()
    status = {"task_id": {"value": old}, "state": "TASK_UNREACHABLE",
              "agent_id": {"value": f"agent-{cluster.mesos[old]}"}, "source": "SOURCE_MASTER",
              "reason": "REASON_RECONCILIATION",
              "unreachable_time": {"nanoseconds": int(lost_at * 1e9)}}
    cluster.rt.framework.on_status(status)  # Mesos's answer to reconciliation
    cluster.rt.core.run_pending()
    cluster.tick(10)  # 60 s after it was lost, 10 s after this scheduler heard of it
    assert len(cluster.offer()) == 1


def test_disabled_never_replaces_an_unreachable_instance(cluster: Cluster) -> None:
    cluster.create(id="/web", instances=1, unreachableStrategy="disabled")
    cluster.settle()
    [old] = [t.task_id for t in cluster.tasks("/web")]
    lose(cluster, old)
    cluster.tick(7 * 24 * 3600)
    assert cluster.offer() == []
    assert states(cluster) == {old: "TASK_UNREACHABLE"}
