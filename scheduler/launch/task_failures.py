"""One log line for each task that fails, so the `dromos dev` console shows a crash loop:
the app or job, the task id, how it ended, and the last lines of its stderr (read from its
sandbox through the agent, as a job attempt's stderrTail is: Mesos's own message for a
command task is only "Command exited with status N")."""

from __future__ import annotations

import logging

from mesos_vocab.states import TaskState
from scheduler.launch.task_request import JOB_PREFIX, is_job
from scheduler.launch.tasks import TaskRecord
from scheduler.mesos.sandbox_logs import TaskPlace
from scheduler.mesos.stderr_tails import StderrTails

log = logging.getLogger("dromos.tasks")

# Ends that are a failure of the task; TASK_KILLED (asked for) and TASK_FINISHED are not.
FAILED_STATES: frozenset[str] = frozenset({
    TaskState.FAILED, TaskState.ERROR, TaskState.LOST, TaskState.DROPPED, TaskState.GONE,
})
TAIL_LINES = 3


def failure_line(record: TaskRecord, state: str, message: str, stderr: str | None) -> str:
    """`app /web task <id> TASK_FAILED: Command exited with status 1; stderr: a | b`."""
    owner = record.run_spec_id
    kind = "job" if is_job(owner) else "app"
    name = owner.removeprefix(JOB_PREFIX)
    text = _joined(message) or "no message"
    said = _joined(stderr or "", TAIL_LINES)
    return f"{kind} {name} task {record.task_id} {state}: {text}" + (
        f"; stderr: {said}" if said else "")


def _joined(text: str, last: int = 0) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-last:])


class TaskFailures:
    """Logs the line when a task fails; a task that ran (TASK_FAILED) once its stderr is read."""

    def __init__(self) -> None:
        self.tails: StderrTails | None = None  # wired by the runtime: reads agents' files

    def report(self, record: TaskRecord, state: str, message: str) -> None:
        if state not in FAILED_STATES:
            return
        if state == TaskState.FAILED and self.tails is not None and record.agent_id:
            place = TaskPlace(record.task_id, record.agent_id, record.hostname)
            self.tails.fetch(place, lambda tail: _warn(record, state, message, tail))
        else:
            _warn(record, state, message, None)


def _warn(record: TaskRecord, state: str, message: str, stderr: str | None) -> None:
    log.warning("%s", failure_line(record, state, message, stderr))
