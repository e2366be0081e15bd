"""The short Jepsen-style run: a few faults of each kind, nothing missed, doubled or lost.
The long one (30 of each) is bench/ha_faults.py."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.ha import Cluster, running_cluster
from tests.support.jepsen import KINDS, run

# Three schedulers starting and four faults healed on a loaded machine: past the default.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400)]


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Cluster]:
    with running_cluster(tmp_path / "ha") as running:
        yield running


def test_faults_of_every_kind_miss_no_slot_double_none_restart_no_task_lose_no_write(
    cluster: Cluster, tmp_path: Path
) -> None:
    verdict, nemesis = run(cluster, tmp_path / "stamps", dict.fromkeys(KINDS, 1))
    assert sum(nemesis.done.values()) == len(KINDS)
    assert verdict.slots > 10 and verdict.acknowledged > 10
    assert verdict.missed == [] and verdict.duplicated == [] and verdict.late == [], (
        verdict.stories)
    assert verdict.restarted_tasks == 0
    assert verdict.lost_writes == []
