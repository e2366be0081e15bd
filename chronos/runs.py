"""A run of a job and its attempts, as stored in the `job_runs` table (one row per run).

A run exists once its slot or trigger is claimed; each attempt is one Mesos task
(`ct:<dueMillis>:<attempt>:<job>:<arguments>`). Lifecycle (RunStatus, stored as text):

    CLAIMED --launch--> RUNNING --task ends--> OK | FAILED | KILLED
       |                   |
       |                   +--failed, retries left--> CLAIMED (retry_at set)
       +--found later than epsilon--> MISSED
       +--withdrawn before its slot (job disabled), or its job gone at a restart--> KILLED

Slot keys are unique per job: `slot:<dueMillis>` for scheduled slots, `manual:<uuid>`
and `dep:<uuid>` for manual and dependent runs.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from chronos.stats import RunRecord
from chronos.task_id import task_id_for
from chronos.timefmt import EPOCH, to_millis

Json = dict[str, Any]
_EXIT_STATUS = re.compile(r"exited with status (\d+)")


class Trigger(enum.Enum):
    SCHEDULE = "schedule"
    MANUAL = "manual"
    DEPENDENCY = "dependency"


class RunStatus(enum.Enum):
    CLAIMED = "claimed"
    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    KILLED = "killed"
    MISSED = "missed"

    @property
    def is_open(self) -> bool:
        return self in (RunStatus.CLAIMED, RunStatus.RUNNING)


def exit_status(message: str) -> int | None:
    """The exit status in an executor's terminal message ("Command exited with status 3")."""
    match = _EXIT_STATUS.search(message)
    return int(match.group(1)) if match else None


def slot_key(slot: datetime) -> str:
    """The claim key of a scheduled slot."""
    return f"slot:{to_millis(slot)}"


@dataclass(frozen=True)
class Attempt:
    """One Mesos task of a run. Times are epoch seconds; `state` its latest task state;
    `elements` the elements a data processing job reported processed (None: no report)."""

    task_id: str
    agent_id: str
    host: str
    launched: float
    state: str = "TASK_STAGING"
    started: float | None = None
    ended: float | None = None
    message: str = ""
    elements: int | None = None
    stderr_tail: str | None = None  # fetched from the agent once the attempt failed

    def to_json(self) -> Json:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Run:
    """A claimed run; `attempt` is the attempt to launch next (or running now)."""

    run_id: int
    job_name: str
    trigger: Trigger
    due_ms: int
    status: RunStatus = RunStatus.CLAIMED
    attempt: int = 0
    arguments: str = ""
    retry_at: float | None = None
    attempts: tuple[Attempt, ...] = field(default=())

    @property
    def task_id(self) -> str:
        """The task id of the current attempt."""
        return task_id_for(self.job_name, self.due_ms, self.attempt, self.arguments)

    @property
    def current(self) -> Attempt | None:
        """The current attempt once launched."""
        last = self.attempts[-1] if self.attempts else None
        return last if last is not None and last.task_id == self.task_id else None

    def with_attempt(self, attempt: Attempt) -> Run:
        """`attempt` added, or replacing the attempt with the same task id."""
        kept = tuple(a for a in self.attempts if a.task_id != attempt.task_id)
        return replace(self, attempts=(*kept, attempt))

    def record(self) -> Json:
        """The stored `record` column."""
        return {
            "trigger": self.trigger.value,
            "due_ms": self.due_ms,
            "attempt": self.attempt,
            "arguments": self.arguments,
            "retry_at": self.retry_at,
            "attempts": [a.to_json() for a in self.attempts],
        }

    @classmethod
    def from_row(cls, run_id: int, job_name: str, status: str, record: Json) -> Run:
        return cls(
            run_id=run_id,
            job_name=job_name,
            trigger=Trigger(record["trigger"]),
            due_ms=int(record["due_ms"]),
            status=RunStatus(status),
            attempt=int(record.get("attempt", 0)),
            arguments=str(record.get("arguments", "")),
            retry_at=record.get("retry_at"),
            attempts=tuple(Attempt(**a) for a in record.get("attempts", ())),
        )

    def history(self) -> list[RunRecord]:
        """Its attempts as run-time statistics read them, newest first."""
        return [
            RunRecord(a.task_id, self.job_name, a.agent_id, a.state,
                      instant(a.started), instant(a.ended), a.elements)
            for a in reversed(self.attempts)
        ]

    def to_json(self) -> Json:
        """The run as `/job/runs/{name}` shows it (a Dromos addition)."""
        return {
            "id": self.run_id,
            "jobName": self.job_name,
            "trigger": self.trigger.value,
            "dueMillis": self.due_ms,
            "status": self.status.value,
            "attempt": self.attempt,
            "arguments": self.arguments,
            "attempts": [
                {"taskId": a.task_id, "slaveId": a.agent_id, "host": a.host,
                 "launched": a.launched, "started": a.started, "ended": a.ended,
                 "state": a.state, "message": a.message, "numElementsProcessed": a.elements,
                 "exitStatus": exit_status(a.message), "stderrTail": a.stderr_tail}
                for a in self.attempts
            ],
        }


def instant(seconds: float | None) -> datetime | None:
    """Epoch seconds as a UTC instant."""
    return None if seconds is None else EPOCH + timedelta(seconds=seconds)
