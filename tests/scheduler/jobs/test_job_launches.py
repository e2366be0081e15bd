"""The job engine on a manual clock, around a run's launch: offers held for a slot, runs
launched ahead of their slot, and what disabling, deleting or a crash does to runs not
started yet."""

from __future__ import annotations

from pathlib import Path

import pytest

from chronos.runs import RunStatus
from chronos.task_id import parse_task_id
from scheduler.store.store import Store
from tests.scheduler.jobs.jobs_harness import (
    MS,
    START,
    Jobs,
    SchedulerDied,
    due_ms,
    every,
    start_at,
)


def declined(jobs: Jobs) -> list[str]:
    return [offer_id for ids, _ in jobs.driver.declines for offer_id in ids]


def test_an_offer_received_just_before_a_launch_is_held_and_launched_on(jobs: Jobs) -> None:
    jobs.post(every("tick", 10))
    jobs.tick(7)  # within 2 s of the launch, 1.5 s before the slot
    assert jobs.offer() == []
    assert declined(jobs) == []
    jobs.tick(1.5)
    [task] = jobs.launched()  # no new offer needed
    assert jobs.driver.launches[-1].offer_id == "offer-0"
    assert due_ms(task) == int((START + 10) * MS)


def test_offers_are_declined_when_no_slot_is_near(jobs: Jobs) -> None:
    jobs.post(every("tick", 100))
    jobs.tick(1)
    assert jobs.offer() == []
    assert declined(jobs) == ["offer-0"]


def test_a_rescinded_held_offer_is_not_launched_on(jobs: Jobs) -> None:
    jobs.post(every("tick", 10))
    jobs.tick(7.5)
    jobs.offer()
    jobs.rt.framework.on_rescinded("offer-0")
    jobs.tick(1)
    assert jobs.launched() == []
    assert len(jobs.offer()) == 1
    assert jobs.driver.launches[-1].offer_id == "offer-1"


def test_without_a_lead_a_slot_launches_at_the_slot_with_no_start_instant(
    tmp_path: Path,
) -> None:
    jobs = Jobs(tmp_path, launch_lead_s=0)
    try:
        jobs.post(every("tick", 10))
        jobs.tick(9.9)
        assert jobs.offer() == []
        jobs.tick(0.1)
        [task] = jobs.offer()
        assert due_ms(task) == int((START + 10) * MS)
        assert start_at(jobs) is None
    finally:
        jobs.close()


def test_a_job_in_a_container_launches_at_its_slot_as_a_command_task(jobs: Jobs) -> None:
    jobs.post(every("boxed", 10, container={"type": "DOCKER", "image": "busybox"}))
    jobs.tick(8.5)  # where a job on the executor launches ahead of its slot
    assert jobs.offer() == []
    jobs.tick(1.5)
    [task] = jobs.offer()
    assert due_ms(task) == int((START + 10) * MS)
    info = jobs.driver.launches[-1].task_infos[-1]
    assert "executor" not in info and info["container"]["docker"]["image"] == "busybox"


def test_manual_runs_and_late_retries_start_at_once(jobs: Jobs) -> None:
    jobs.post(every("flaky", 100, retries=1))
    jobs.rt.jobs.start_manual("flaky")
    [manual] = jobs.offer()
    assert start_at(jobs) is None
    jobs.finish(manual)
    jobs.tick(8.5)
    [task] = jobs.offer()
    assert start_at(jobs) == int((START + 10) * MS)
    jobs.tick(1.5)
    jobs.finish(task, "TASK_FAILED")
    jobs.tick(30)
    [retry] = jobs.offer()
    assert parse_task_id(retry).attempt == 1  # type: ignore[union-attr]
    assert start_at(jobs) is None


def test_a_job_not_concurrent_launches_ahead_only_once_its_previous_run_settled(
    jobs: Jobs,
) -> None:
    jobs.post(every("slow", 10, epsilon="PT30S"))
    jobs.tick(8.5)
    [first] = jobs.offer()
    jobs.tick(1.5)
    jobs.status(first, "TASK_RUNNING")
    jobs.tick(8.5)  # slot 20 is claimed 1.5 s ahead while the first run still runs
    assert jobs.offer() == []
    jobs.status(first, "TASK_FINISHED")
    [second] = jobs.offer()
    assert due_ms(second) == int((START + 20) * MS)
    assert start_at(jobs) == int((START + 20) * MS)  # still ahead of its slot


def test_disabling_a_job_between_its_early_launch_and_its_slot_kills_the_run(
    jobs: Jobs,
) -> None:
    jobs.post(every("tick", 10))
    jobs.tick(8.5)
    [task] = jobs.offer()
    jobs.status(task, "TASK_STARTING")
    jobs.post(every("tick", 10, disabled=True))
    assert jobs.driver.kills == [task]
    jobs.status(task, "TASK_KILLED")  # the executor had not started it
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.KILLED
    job = jobs.job("tick")
    assert (job["successCount"], job["errorCount"]) == (0, 0)
    jobs.tick(30)
    assert jobs.offer() == []


def test_disabling_a_job_withdraws_an_early_run_that_waits(jobs: Jobs) -> None:
    jobs.post(every("slow", 10, epsilon="PT30S"))
    jobs.tick(8.5)
    [first] = jobs.offer()
    jobs.tick(1.5)
    jobs.status(first, "TASK_RUNNING")
    jobs.tick(8.5)  # slot 20 claimed ahead; waits for the first run
    jobs.post(every("slow", 10, epsilon="PT30S", disabled=True))
    jobs.status(first, "TASK_FINISHED")
    assert jobs.offer() == []
    statuses = {r.due_ms: r.status for r in jobs.runs("slow")}
    assert statuses[int((START + 20) * MS)] is RunStatus.KILLED
    assert ended(jobs, START + 20) == ["killed"]


def ended(jobs: Jobs, slot: float) -> list[str]:
    """The statuses of the finished events of the run of that slot."""
    return [e["status"] for e in jobs.published("job_run_finished_event")
            if e["dueMillis"] == int(slot * MS)]


def test_disabling_a_job_drops_a_due_run_waiting_for_the_previous_one(jobs: Jobs) -> None:
    jobs.post(every("slow", 10, epsilon="PT30S"))
    jobs.tick(10)
    [first] = jobs.offer()
    jobs.status(first, "TASK_RUNNING")
    jobs.tick(11)  # slot 20 is due and waits for the first run
    jobs.post(every("slow", 10, epsilon="PT30S", disabled=True))
    jobs.status(first, "TASK_FINISHED")
    assert jobs.offer() == []
    statuses = {r.due_ms: r.status for r in jobs.runs("slow")}
    assert statuses[int((START + 20) * MS)] is RunStatus.KILLED
    assert ended(jobs, START + 20) == ["killed"]
    assert jobs.job("slow")["errorCount"] == 0


def test_disabling_a_job_drops_a_due_run_waiting_for_an_offer(jobs: Jobs) -> None:
    jobs.post(every("tick", 100, retries=1))
    jobs.tick(10)  # slot 10 is due and queued, no offer yet
    jobs.rt.jobs.start_manual("tick")
    jobs.post(every("tick", 100, retries=1, disabled=True))
    assert jobs.offer() == []
    assert ended(jobs, START + 10) == ["killed"]
    jobs.restart()
    assert jobs.offer() == []
    assert [r.status for r in jobs.runs("tick")] == [RunStatus.KILLED, RunStatus.KILLED]


def test_deleting_a_job_ends_its_runs_not_yet_launched(jobs: Jobs) -> None:
    jobs.post(every("tick", 100))
    jobs.tick(10)
    jobs.rt.jobs.delete("tick")
    assert jobs.offer() == []
    assert ended(jobs, START + 10) == ["killed"]


def test_slots_missed_together_are_recorded_in_one_insert_and_one_prune(
    chronos2_jobs: Jobs
) -> None:
    jobs = chronos2_jobs
    jobs.post(every("tick", 1, epsilon="PT0S"))
    with jobs.statements() as statements:
        jobs.tick(60)  # the timer fires once, 50 slots late
    missed = jobs.published("job_run_missed_event")
    assert len(missed) >= 40
    assert [r.status for r in jobs.runs("tick")].count(RunStatus.MISSED) == 20  # the limit
    runs = [s.split()[0] for s in statements if "job_runs" in s]
    assert runs.count("UPDATE") == 0 and runs.count("DELETE") == 1
    jobs.restart()
    jobs.tick(0.5)
    assert len(jobs.published("job_run_missed_event")) == len(missed)  # not recorded again


def test_a_scheduler_dying_while_it_settles_a_run_lost_at_a_restart_counts_it_once(
    jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs.post(every("tick", 100, retries=0))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    jobs.rt.store.delete_task(task)  # the task is unknown at the next start

    def die(*args: object) -> None:
        raise SchedulerDied

    monkeypatch.setattr(Store, "update_run", die)  # as the lost run settles
    with pytest.raises(SchedulerDied):
        jobs.restart()
    monkeypatch.undo()
    jobs.restart()
    assert jobs.job("tick")["errorCount"] == 1
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.FAILED


def test_a_scheduler_dying_while_it_disables_a_job_leaves_the_job_enabled(
    jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs.post(every("slow", 10, epsilon="PT30S"))
    jobs.tick(8.5)
    [first] = jobs.offer()
    jobs.tick(1.5)
    jobs.status(first, "TASK_RUNNING")
    jobs.tick(8.5)  # slot 20 claimed ahead; waits for the first run

    def die(*args: object) -> None:
        raise SchedulerDied

    monkeypatch.setattr(jobs.rt.store, "update_run", die)  # as slot 20 is withdrawn
    with pytest.raises(SchedulerDied):
        jobs.post(every("slow", 10, epsilon="PT30S", disabled=True))
    jobs.restart()
    assert jobs.job("slow")["disabled"] is False  # not disabled with slot 20 still to launch
    jobs.post(every("slow", 10, epsilon="PT30S", disabled=True))
    jobs.status(first, "TASK_FINISHED")
    assert jobs.offer() == []


def test_an_early_launched_run_is_not_launched_again_after_a_restart(jobs: Jobs) -> None:
    jobs.post(every("tick", 10))
    jobs.tick(8.5)
    [task] = jobs.offer()
    jobs.restart()
    jobs.tick(1.5)
    assert jobs.offer() == []
    jobs.finish(task)
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.OK
