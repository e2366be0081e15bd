"""A run whose agent Mesos lost: it stays in flight while the agent may come back, ends
once by what its task does, and is retried only once Mesos says the task is gone."""

from __future__ import annotations

import pytest

from chronos.runs import RunStatus
from tests.scheduler.jobs.jobs_harness import Jobs, every

HOUR = 3600.0


def unreachable(jobs: Jobs, task: str) -> None:
    jobs.status(task, "TASK_UNREACHABLE", "health check timed out")
    jobs.mesos.add(task)  # Mesos lost touch with it; it may still run on its agent


def test_a_run_waits_for_its_unreachable_agent_and_ends_once_when_it_is_back(
    jobs: Jobs,
) -> None:
    jobs.post(every("tick", 60, retries=2))
    jobs.tick(60)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    unreachable(jobs, task)
    jobs.tick(HOUR)  # past the retry delay and the next slots: neither a retry nor a slot
    assert jobs.offer() == []
    assert jobs.rt.jobs.current_state("tick") == "1 running"
    run = jobs.runs("tick")[0]  # later slots' runs wait behind it (the job is not concurrent)
    assert run.status is RunStatus.RUNNING and run.attempts[-1].state == "TASK_UNREACHABLE"

    jobs.status(task, "TASK_RUNNING")  # the agent re-registered
    jobs.status(task, "TASK_FINISHED")
    first = jobs.runs("tick")[0]
    assert (first.status, first.attempt) == (RunStatus.OK, 0)
    assert jobs.job("tick")["successCount"] == 1 and jobs.job("tick")["errorCount"] == 0
    assert len(jobs.published("job_run_finished_event")) == 1


@pytest.mark.parametrize("gone", ["TASK_GONE", "TASK_GONE_BY_OPERATOR", "TASK_UNKNOWN"])
def test_a_run_whose_task_mesos_says_is_gone_is_retried(jobs: Jobs, gone: str) -> None:
    jobs.post(every("tick", HOUR, retries=1))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    unreachable(jobs, task)
    jobs.status(task, gone)
    jobs.tick(30)  # the retry delay
    [retry] = jobs.offer()
    assert retry != task and retry.split(":")[1] == task.split(":")[1]  # the same slot
    jobs.finish(retry)
    [run] = jobs.runs("tick")
    assert (run.status, run.attempt) == (RunStatus.OK, 1)


def test_a_run_of_a_concurrent_job_waits_and_later_slots_still_run(jobs: Jobs) -> None:
    jobs.post(every("tick", 60, concurrent=True))
    jobs.tick(60)
    [task] = jobs.offer()
    unreachable(jobs, task)
    jobs.tick(60)
    [later] = jobs.offer()  # another slot, not a copy of the waiting one
    assert later.split(":")[1] != task.split(":")[1]


def test_killing_an_unreachable_run_ends_it_as_killed_and_kills_it_if_it_comes_back(
    jobs: Jobs,
) -> None:
    jobs.post(every("tick", HOUR, retries=3))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    unreachable(jobs, task)
    jobs.rt.jobs.kill_tasks("tick")
    jobs.tick(0)
    assert jobs.driver.kills == []  # its agent would not answer: nothing asked of Mesos
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.KILLED
    assert jobs.rt.jobs.current_state("tick") == "idle"

    jobs.status(task, "TASK_RUNNING")  # the agent comes back with it
    assert jobs.driver.kills == [task]
    jobs.tick(30)
    assert jobs.offer() == []  # killed runs are not retried


def test_a_run_waiting_for_its_agent_survives_a_scheduler_restart(jobs: Jobs) -> None:
    jobs.post(every("tick", HOUR))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    unreachable(jobs, task)
    jobs.restart()
    jobs.status(task, "TASK_UNREACHABLE")  # Mesos's answer to reconciliation
    jobs.tick(HOUR / 2)
    assert jobs.offer() == []
    jobs.status(task, "TASK_RUNNING")
    jobs.status(task, "TASK_FINISHED")
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.OK
