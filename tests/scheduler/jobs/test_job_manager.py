"""The job engine on a manual clock: slots, epsilon, retries, concurrency, dependencies,
manual runs and restarts, with Mesos played by hand."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chronos.errors import InvalidJob
from chronos.runs import RunStatus, Trigger
from chronos.task_id import parse_task_id
from scheduler.store.store import Store
from tests.scheduler.jobs.jobs_harness import START, Jobs, at

MS = 1000


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[Jobs]:
    harness = Jobs(tmp_path, retry_delay_s=30)
    yield harness
    harness.close()


@pytest.fixture
def chronos2_jobs(tmp_path: Path) -> Iterator[Jobs]:
    """A scheduler with `--past-start-rule chronos2`: overdue slots are missed, not run."""
    harness = Jobs(tmp_path, retry_delay_s=30, past_start_rule="chronos2")
    yield harness
    harness.close()


def every(name: str, seconds: int, start: float = 10, repeats: str = "", **fields: object) -> dict:
    return {"name": name, "command": "true", "epsilon": "PT5S",
            "schedule": f"R{repeats}/{at(start)}/PT{seconds}S", **fields}


def due_ms(task_id: str) -> int:
    parsed = parse_task_id(task_id)
    assert parsed is not None
    return parsed.due_ms


def start_at(jobs: Jobs) -> int | None:
    """The start instant (epoch ms) the last launched task carries, None when it has none."""
    labels = jobs.driver.launches[-1].task_infos[0].get("labels", {}).get("labels", [])
    found = [int(label["value"]) for label in labels if label["key"] == "dromos.start_at"]
    return found[0] if found else None


def test_a_slot_is_launched_the_lead_before_it_to_start_at_the_slot(jobs: Jobs) -> None:
    jobs.post(every("tick", 10))  # the harness's launch lead: 1.5 s
    jobs.tick(8.4)
    assert jobs.offer() == []
    jobs.tick(0.1)
    [task] = jobs.offer()
    assert task == f"ct:{int((START + 10) * MS)}:0:tick:"
    assert start_at(jobs) == int((START + 10) * MS)
    jobs.tick(1.5)
    jobs.finish(task)
    assert jobs.job("tick")["successCount"] == 1
    assert jobs.job("tick")["schedule"].startswith("R/")
    [run] = jobs.runs("tick")
    assert (run.status, run.trigger) == (RunStatus.OK, Trigger.SCHEDULE)
    assert run.attempts[0].host == "h1"


def test_each_slot_runs_once_and_the_schedule_advances(jobs: Jobs) -> None:
    jobs.post(every("tick", 10, repeats="3"))
    launched = []
    for _ in range(4):
        jobs.tick(10)
        for task in jobs.offer():
            launched.append(due_ms(task))
            jobs.finish(task)
    assert launched == [int((START + s) * MS) for s in (10, 20, 30)]
    job = jobs.job("tick")
    assert job["schedule"].startswith("R0/") and job["disabled"] is True  # exhausted
    assert job["successCount"] == 3


def test_a_slot_found_later_than_epsilon_is_missed_not_run_by_the_chronos2_rule(
    chronos2_jobs: Jobs
) -> None:
    jobs = chronos2_jobs
    jobs.post(every("tick", 10))
    jobs.rt.close()  # the scheduler is down from 5 s to 42 s
    jobs.clock.advance(42)
    jobs._boot()
    launched = [due_ms(t) for t in jobs.offer()]
    assert launched == [int((START + 40) * MS)]  # 2 s late, within epsilon
    statuses = {r.due_ms: r.status for r in jobs.runs("tick")}
    missed = [int((START + s) * MS) for s in (10, 20, 30)]
    assert all(statuses[ms] is RunStatus.MISSED for ms in missed)
    assert len(jobs.published("job_run_missed_event")) == 3


def test_a_failed_run_is_retried_after_the_delay_then_counted(jobs: Jobs) -> None:
    jobs.post(every("flaky", 100, retries=2))
    jobs.tick(10)
    attempts = []
    for _ in range(3):
        [task] = jobs.offer()
        attempts.append(parse_task_id(task).attempt)  # type: ignore[union-attr]
        jobs.finish(task, "TASK_FAILED")
        jobs.tick(29)
        assert jobs.offer() == []  # the retry delay holds
        jobs.tick(1)
    assert attempts == [0, 1, 2]
    job = jobs.job("flaky")
    assert (job["errorCount"], job["errorsSinceLastSuccess"], job["successCount"]) == (1, 1, 0)
    assert job["lastError"] != ""
    [run] = jobs.runs("flaky")
    assert run.status is RunStatus.FAILED and len(run.attempts) == 3


def test_a_success_resets_errors_since_last_success(jobs: Jobs) -> None:
    jobs.post(every("flaky", 100, retries=0))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.finish(task, "TASK_FAILED")
    jobs.rt.jobs.start_manual("flaky")
    [task] = jobs.offer()
    jobs.finish(task)
    job = jobs.job("flaky")
    assert (job["errorCount"], job["errorsSinceLastSuccess"], job["successCount"]) == (1, 0, 1)


def test_a_job_that_is_not_concurrent_runs_a_due_slot_late_but_once(jobs: Jobs) -> None:
    jobs.post(every("slow", 10, epsilon="PT30S"))
    jobs.tick(10)
    [first] = jobs.offer()
    jobs.status(first, "TASK_RUNNING")
    jobs.tick(10)  # slot 20 is due while the first run still runs
    assert jobs.offer() == []
    jobs.tick(5)
    jobs.status(first, "TASK_FINISHED")
    [second] = jobs.offer()
    assert due_ms(second) == int((START + 20) * MS)
    jobs.finish(second)
    jobs.tick(5)
    assert [due_ms(t) for t in jobs.offer()] == [int((START + 30) * MS)]


def test_a_waiting_slot_older_than_epsilon_is_missed(jobs: Jobs) -> None:
    jobs.post(every("slow", 10))  # epsilon 5 s
    jobs.tick(10)
    [first] = jobs.offer()
    jobs.status(first, "TASK_RUNNING")
    jobs.tick(10)  # slot 20 is claimed and waits
    jobs.tick(7)
    jobs.status(first, "TASK_FINISHED")  # slot 20 is now 7 s old
    assert jobs.offer() == []
    jobs.tick(3)
    assert [due_ms(t) for t in jobs.offer()] == [int((START + 30) * MS)]
    statuses = {r.due_ms: r.status for r in jobs.runs("slow")}
    assert statuses[int((START + 20) * MS)] is RunStatus.MISSED


def test_a_concurrent_job_overlaps_its_runs(jobs: Jobs) -> None:
    jobs.post(every("fast", 10, concurrent=True))
    jobs.tick(10)
    [first] = jobs.offer()
    jobs.status(first, "TASK_RUNNING")
    jobs.tick(10)
    assert len(jobs.offer()) == 1
    assert jobs.rt.jobs.current_state("fast") == "2 running"


def test_a_dependent_job_runs_once_every_parent_succeeded(jobs: Jobs) -> None:
    jobs.post(every("a", 100))
    jobs.post(every("b", 100, start=20))
    jobs.post({"name": "c", "command": "true", "parents": ["a", "b"]}, "dependency")
    jobs.tick(10)
    [a_task] = jobs.offer()
    jobs.finish(a_task)
    assert jobs.offer() == []  # b has not run yet
    jobs.restart()  # the trigger state survives a restart
    jobs.tick(10)
    [b_task] = jobs.offer()
    jobs.finish(b_task)
    [c_task] = jobs.offer()
    assert c_task.split(":")[3] == "c"
    jobs.finish(c_task)
    [run] = jobs.runs("c")
    assert run.trigger is Trigger.DEPENDENCY and run.status is RunStatus.OK


def test_a_dependent_run_is_not_queued_twice_while_one_waits(jobs: Jobs) -> None:
    jobs.post(every("a", 100, concurrent=True))
    jobs.post({"name": "c", "command": "true", "parents": ["a"]}, "dependency")
    jobs.rt.jobs.start_manual("a")
    jobs.rt.jobs.start_manual("a")
    first, second = jobs.offer()
    jobs.finish(first)
    jobs.finish(second)  # c is due again before its first run started
    assert [t.split(":")[3] for t in jobs.offer()] == ["c"]
    assert len(jobs.runs("c")) == 1


def test_a_failed_parent_fires_children_only_with_soft_error(jobs: Jobs) -> None:
    jobs.post(every("hard", 100, retries=0))
    jobs.post(every("soft", 100, retries=0, softError=True))
    jobs.post({"name": "after_hard", "command": "true", "parents": ["hard"]}, "dependency")
    jobs.post({"name": "after_soft", "command": "true", "parents": ["soft"]}, "dependency")
    jobs.tick(10)
    for task in jobs.offer():
        jobs.finish(task, "TASK_FAILED")
    assert [t.split(":")[3] for t in jobs.offer()] == ["after_soft"]


def test_a_manual_run_carries_its_arguments(jobs: Jobs) -> None:
    jobs.post(every("echo", 1000))
    jobs.rt.jobs.start_manual("echo", "--day monday")
    [task] = jobs.offer()
    assert task.endswith(":echo:--day monday")
    launch = jobs.driver.launches[-1]
    assert launch.task_infos[0]["name"] == "ChronosTask:echo"
    [run] = jobs.runs("echo")
    assert run.trigger is Trigger.MANUAL and run.arguments == "--day monday"


def test_a_manual_run_of_an_unknown_job_is_refused(jobs: Jobs) -> None:
    with pytest.raises(InvalidJob):
        jobs.rt.jobs.start_manual("nope")


def test_a_claimed_run_never_launched_is_launched_after_a_restart(jobs: Jobs) -> None:
    jobs.post(every("tick", 100))
    jobs.tick(10)  # claimed and queued, no offer yet
    jobs.restart()
    [task] = jobs.offer()
    assert due_ms(task) == int((START + 10) * MS)
    jobs.restart()
    assert jobs.offer() == []  # launched once: not again


def test_a_run_that_ended_while_the_scheduler_was_down_settles_on_reconciliation(
    jobs: Jobs,
) -> None:
    jobs.post(every("tick", 100))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    jobs.restart()
    assert jobs.driver.reconciles[0] == [{"task_id": {"value": task}}]
    jobs.status(task, "TASK_FINISHED")  # Mesos's answer
    assert jobs.offer() == []
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.OK and jobs.job("tick")["successCount"] == 1


def test_deleting_a_job_kills_its_tasks_and_forgets_it(jobs: Jobs) -> None:
    jobs.post(every("tick", 10))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    jobs.rt.jobs.delete("tick")
    assert jobs.driver.kills == [task]
    jobs.status(task, "TASK_KILLED")
    jobs.tick(10)
    assert jobs.offer() == []
    assert "tick" not in jobs.rt.jobs.graph
    assert jobs.rt.store.runs("tick") == []


class SchedulerDied(Exception):
    """Stands for the scheduler process dying at that point."""


def test_a_scheduler_dying_while_it_deletes_a_job_leaves_the_job_and_its_task(
    jobs: Jobs, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs.post(every("tick", 10))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")

    def die(task_id: str, agent_id: str | None) -> None:
        raise SchedulerDied

    monkeypatch.setattr(jobs.driver, "kill", die)
    with pytest.raises(SchedulerDied):
        jobs.rt.jobs.delete("tick")
    jobs.restart()
    assert "tick" in jobs.rt.jobs.graph  # not deleted with its task left running unowned
    jobs.rt.jobs.delete("tick")
    assert jobs.driver.kills == [task]


def test_history_keeps_at_most_the_configured_number_of_runs(jobs: Jobs) -> None:
    jobs.post(every("tick", 1, epsilon="PT0S"))
    for _ in range(30):
        jobs.tick(1)
        for task in jobs.offer():
            jobs.finish(task)
    assert len(jobs.rt.store.runs("tick")) <= 21  # the limit, plus the open run


def test_runs_are_published_as_events(jobs: Jobs) -> None:
    jobs.post(every("tick", 10))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.finish(task)
    [started] = jobs.published("job_run_started_event")
    [finished] = jobs.published("job_run_finished_event")
    assert started["taskId"] == task and started["jobName"] == "tick"
    assert finished["status"] == "ok" and finished["trigger"] == "schedule"


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
