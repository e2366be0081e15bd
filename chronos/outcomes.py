"""What happens when an attempt of a run ends: retry, or settle the run and its counters.

- TASK_FINISHED: successCount+1, errorsSinceLastSuccess=0, lastSuccess=now; dependents fire.
- TASK_FAILED / TASK_LOST (and ERROR, DROPPED, GONE): retried while attempt < retries
  (attempts count from 0, so `retries: 2` allows 3 attempts). Once retries are spent:
  errorCount+1, errorsSinceLastSuccess+1, lastError=now; dependents fire only if softError.
- TASK_KILLED (a user kill or a delete): no retry, no error counted, no dependents.
Dromos retries a failed run whatever the job's previous outcome; Chronos skipped retries
when the job's last recorded outcome was already a failure, which hid flaky failures.
The retry delay (Chronos: 60 s) is the runs engine's setting, not part of this decision.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime

from chronos.job import Job, JobCounters
from chronos.timefmt import require_aware


class RunEnd(enum.Enum):
    """How an attempt ended, from its terminal Mesos task state."""

    FINISHED = "FINISHED"
    FAILED = "FAILED"
    LOST = "LOST"
    KILLED = "KILLED"

    @classmethod
    def from_task_state(cls, state: str) -> RunEnd | None:
        """The end for a terminal `TASK_*` state, None while the task may still run."""
        return _TERMINAL_STATES.get(state)


# Wire strings, not mesos_vocab.TaskState: chronos/ imports nothing of the project.
_TERMINAL_STATES = {
    "TASK_FINISHED": RunEnd.FINISHED,
    "TASK_FAILED": RunEnd.FAILED,
    "TASK_ERROR": RunEnd.FAILED,
    "TASK_LOST": RunEnd.LOST,
    "TASK_DROPPED": RunEnd.LOST,
    "TASK_GONE": RunEnd.LOST,
    "TASK_GONE_BY_OPERATOR": RunEnd.LOST,
    "TASK_KILLED": RunEnd.KILLED,
}


class Verdict(enum.Enum):
    RETRY = "retry"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    KILLED = "killed"


@dataclass(frozen=True)
class Outcome:
    """The decision; `next_attempt` is set only for RETRY. Store `counters` on the job."""

    verdict: Verdict
    counters: JobCounters
    fire_dependents: bool
    next_attempt: int | None = None


def decide(job: Job, end: RunEnd, attempt: int, now: datetime) -> Outcome:
    """The outcome of attempt `attempt` (0 = first) of a run of `job` ending as `end`."""
    now = require_aware(now, "now").astimezone(UTC)
    counters = job.counters
    if end is RunEnd.FINISHED:
        return Outcome(Verdict.SUCCEEDED, counters.after_success(now), fire_dependents=True)
    if end is RunEnd.KILLED:
        return Outcome(Verdict.KILLED, counters, fire_dependents=False)
    if attempt < job.retries:
        return Outcome(Verdict.RETRY, counters, fire_dependents=False, next_attempt=attempt + 1)
    return Outcome(Verdict.FAILED, counters.after_failure(now), fire_dependents=job.soft_error)
