"""A launch recorded but never heard of by Mesos (the leader died or was paused between its
commit and the ACCEPT, or the ACCEPT named an offer already gone) is not an attempt: the
run launches again within its window, without spending a retry."""

from __future__ import annotations

from typing import Any

import pytest

from chronos.runs import RunStatus
from tests.scheduler.jobs.jobs_harness import MS, START, Jobs, due_ms, every

Json = dict[str, Any]


def master_says(jobs: Jobs, task_id: str, state: str, reason: str, message: str) -> None:
    """A status from the master itself, as a reconciliation answers (no uuid, no ack)."""
    jobs.rt.framework.on_status({
        "task_id": {"value": task_id}, "state": state, "reason": reason, "message": message,
        "agent_id": {"value": "agent-1"}, "source": "SOURCE_MASTER"})
    jobs.rt.core.run_pending()


@pytest.mark.parametrize(("state", "reason", "message"), [
    ("TASK_GONE", "REASON_RECONCILIATION", "Reconciliation: Task is unknown to the agent"),
    ("TASK_DROPPED", "REASON_INVALID_OFFERS", "Task launched with invalid offers"),
])
def test_a_launch_mesos_never_got_is_launched_again_and_the_slot_runs_once(
    jobs: Jobs, state: str, reason: str, message: str
) -> None:
    jobs.post(every("tick", 100, retries=0))
    jobs.tick(10)
    [lost] = jobs.offer()
    jobs.mesos.discard(lost)  # the ACCEPT never reached the master
    jobs.restart()  # the next leader
    master_says(jobs, lost, state, reason, message)
    [again] = jobs.offer()
    assert due_ms(again) == due_ms(lost) == int((START + 10) * MS)
    jobs.finish(again)
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.OK
    assert [a.task_id for a in run.attempts] == [again]
    assert jobs.job("tick")["errorCount"] == 0


def test_a_task_mesos_saw_start_and_then_lost_is_a_failed_attempt(jobs: Jobs) -> None:
    jobs.post(every("tick", 100, retries=0))
    jobs.tick(10)
    [task] = jobs.offer()
    jobs.status(task, "TASK_RUNNING")
    jobs.restart()
    master_says(jobs, task, "TASK_GONE", "REASON_RECONCILIATION",
                "Reconciliation: Task is unknown to the agent")
    assert jobs.offer() == []
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.FAILED


def test_a_lost_launch_found_after_the_slot_s_window_is_missed(jobs: Jobs) -> None:
    jobs.post(every("tick", 100, retries=0))  # epsilon 5 s
    jobs.tick(10)
    [lost] = jobs.offer()
    jobs.mesos.discard(lost)
    jobs.restart()
    jobs.tick(10)  # the new leader hears of it 8.5 s after the slot
    master_says(jobs, lost, "TASK_GONE", "REASON_RECONCILIATION",
                "Reconciliation: Task is unknown to the agent")
    assert jobs.offer() == []
    [run] = jobs.runs("tick")
    assert run.status is RunStatus.MISSED
