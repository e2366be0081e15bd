"""The job engine on a manual clock: slots, epsilon, retries, concurrency, dependencies,
manual runs and restarts, with Mesos played by hand."""

from __future__ import annotations

import pytest

from chronos.errors import InvalidJob
from chronos.runs import RunStatus, Trigger
from chronos.task_id import parse_task_id
from tests.scheduler.jobs.jobs_harness import (
    MS,
    START,
    Jobs,
    SchedulerDied,
    due_ms,
    every,
    start_at,
)


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
    # With the agent id, so that Mesos answers even if that agent is unreachable.
    query = {"task_id": {"value": task}, "agent_id": {"value": "agent-1"}}
    assert jobs.driver.reconciles[0] == [query]
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
