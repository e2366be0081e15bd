"""One offer takes as many tasks as fit in one ACCEPT under a master's 1 MiB body limit,
however large each TaskInfo is; the rest launch on the offer's remainder."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from scheduler.launch.launcher import ACCEPT_BYTES
from tests.scheduler.appmanager.apps_harness import Cluster
from tests.support.fake_driver import Launched

MIB = 1024 * 1024


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    running = Cluster(tmp_path, hosts=("h1",))
    yield running
    running.close()


def accept_body(launch: Launched) -> bytes:
    """The ACCEPT call as pymesos sends it to the master."""
    return json.dumps({
        "type": "ACCEPT", "framework_id": {"value": "framework-1"},
        "accept": {"offer_ids": [{"value": launch.offer_id}],
                   "operations": [{"type": "LAUNCH",
                                   "launch": {"task_infos": list(launch.task_infos)}}],
                   "filters": {"refuse_seconds": launch.refuse_seconds}},
    }).encode()


def launch_all(cluster: Cluster, n: int) -> list[Launched]:
    for _ in range(n):
        if not cluster.rt.framework.queue:
            break
        cluster.offer("h1")
    return cluster.driver.launches


@pytest.mark.parametrize(("instances", "env_bytes"), [(750, 0), (60, 20_000)])
def test_an_offer_is_filled_up_to_the_accept_size_and_the_rest_follow(
    cluster: Cluster, instances: int, env_bytes: int,
) -> None:
    env = {"BLOB": "x" * env_bytes} if env_bytes else {}
    cluster.create(id="/big", instances=instances, cpus=0.01, mem=1, env=env)
    launches = launch_all(cluster, 10)
    assert len(launches) >= 2
    for launch in launches:
        assert len(accept_body(launch)) <= MIB
    first = launches[0]
    info_bytes = len(json.dumps(first.task_infos[0])) + 2
    # Full: one more TaskInfo of the same size would not have fit.
    assert len(json.dumps(list(first.task_infos))) + info_bytes > ACCEPT_BYTES
    assert first.refuse_seconds == 0  # tasks still waited: the remainder comes back at once
    assert launches[-1].refuse_seconds > 0  # the last: nothing waits any more
    launched = [i["task_id"]["value"] for launch in launches for i in launch.task_infos]
    assert len(launched) == len(set(launched)) == instances
    assert not cluster.rt.framework.queue
