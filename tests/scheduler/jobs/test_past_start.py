"""Slots older than epsilon under the default past-start rule (Chronos 3's): one run now
stands in for them, the schedule skips forward, and no slot runs twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chronos.runs import RunStatus
from chronos.task_id import parse_task_id
from tests.scheduler.jobs.jobs_harness import START, Jobs, at

MS = 1000


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[Jobs]:
    harness = Jobs(tmp_path)
    yield harness
    harness.close()


def every(name: str, seconds: int, start: float, repeats: str = "") -> dict[str, object]:
    return {"name": name, "command": "true", "epsilon": "PT5S",
            "schedule": f"R{repeats}/{at(start)}/PT{seconds}S"}


def due_ms(task_id: str) -> int:
    parsed = parse_task_id(task_id)
    assert parsed is not None
    return parsed.due_ms


def test_a_job_overdue_after_downtime_runs_once_now_then_on_its_grid(jobs: Jobs) -> None:
    jobs.post(every("tick", 10, start=10))
    jobs.rt.close()  # down from 0 s to 42 s: slots 10, 20, 30 overdue, 40 late
    jobs.clock.advance(42)
    jobs._boot()
    [stand_in] = jobs.offer()
    assert due_ms(stand_in) == int((START + 42) * MS)  # due now, not at a past slot
    jobs.finish(stand_in)
    assert [r.status for r in jobs.runs("tick")] == [RunStatus.OK]  # nothing missed
    assert jobs.job("tick")["schedule"] == f"R/{at(50)}/PT10S"
    jobs.tick(8)  # 50 s, less the launch lead
    assert [due_ms(t) for t in jobs.offer()] == [int((START + 50) * MS)]


def test_a_finite_schedule_started_in_the_past_keeps_its_recurrences(jobs: Jobs) -> None:
    jobs.post(every("thrice", 10, start=-100, repeats="3"))  # every slot long past
    launched = []
    for _ in range(4):
        for task in jobs.offer():
            launched.append(due_ms(task))
            jobs.finish(task)
        if len(launched) == 1:
            assert jobs.job("thrice")["schedule"] == f"R2/{at(10)}/PT10S"
        jobs.tick(10)
    assert launched == [int(START * MS), int((START + 10) * MS), int((START + 20) * MS)]
    job = jobs.job("thrice")
    assert job["schedule"].startswith("R0/") and job["disabled"] is True


def test_the_stand_in_run_is_claimed_once_across_restarts(jobs: Jobs) -> None:
    jobs.post(every("tick", 10, start=-95))
    jobs.restart()  # claimed and skipped forward, not launched yet
    [stand_in] = jobs.offer()
    jobs.restart()
    assert jobs.offer() == []
    jobs.finish(stand_in)
    assert len(jobs.runs("tick")) == 1
    assert jobs.job("tick")["schedule"] == f"R/{at(5)}/PT10S"
