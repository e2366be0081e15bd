"""How the run engine reads an attempt's Mesos task: when its command started, whether it
ever reached Mesos, and what its end tells the event stream."""

from __future__ import annotations

from typing import Any

from chronos.runs import Run, Trigger
from mesos_vocab.states import RECONCILIATION, TaskState
from scheduler.launch.tasks import TaskRecord

Json = dict[str, Any]


def command_started(run: Run, record: TaskRecord) -> float | None:
    """When the attempt's command started: a scheduled run launched ahead of its slot is
    RUNNING before it, its command waiting in the task until the slot."""
    started = record.started_at
    if started is not None and run.trigger is Trigger.SCHEDULE:
        return max(started, run.due_ms / 1000)
    return started


def never_reached_mesos(previous: TaskRecord, status: Json) -> bool:
    """Whether Mesos says a task Dromos recorded as launched never got to an agent: dropped
    (an ACCEPT on an offer already gone), or unknown to a registered agent when reconciled
    while no update of it ever came (the leader died between its commit and the ACCEPT)."""
    if previous.state != TaskState.STAGING or previous.started_at is not None:
        return False
    state = status.get("state")
    return state == TaskState.DROPPED or (
        state == TaskState.GONE and status.get("reason") == RECONCILIATION)


def finished_fields(run: Run, message: str) -> dict[str, Any]:
    """The attempt fields of a `job_run_finished_event`."""
    current = run.current
    return {"taskId": run.task_id, "attempt": run.attempt, "message": message,
            "host": current.host if current else ""}
