"""One log line for each task that fails, so the `dromos dev` console shows a crash loop:
the app or job, the task id, how it ended, and the last lines of its stderr (which the
Dromos executor puts in the TASK_FAILED message)."""

from __future__ import annotations

import logging

from mesos_vocab.states import TaskState
from scheduler.launch.task_request import JOB_PREFIX, is_job
from scheduler.launch.tasks import TaskRecord

log = logging.getLogger("dromos.tasks")

# Ends that are a failure of the task; TASK_KILLED (asked for) and TASK_FINISHED are not.
FAILED_STATES: frozenset[str] = frozenset({
    TaskState.FAILED, TaskState.ERROR, TaskState.LOST, TaskState.DROPPED, TaskState.GONE,
})


def failure_line(record: TaskRecord, state: str, message: str) -> str:
    """`app /web task <id> TASK_FAILED: Command exited with status 1; stderr: ...`."""
    owner = record.run_spec_id
    kind = "job" if is_job(owner) else "app"
    name = owner.removeprefix(JOB_PREFIX)
    text = " | ".join(line.strip() for line in message.splitlines() if line.strip())
    return f"{kind} {name} task {record.task_id} {state}: {text or 'no message'}"


def report(record: TaskRecord, state: str, message: str) -> None:
    """Log the line when `state` is a failure."""
    if state in FAILED_STATES:
        log.warning("%s", failure_line(record, state, message))
