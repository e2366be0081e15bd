"""What one probe outcome does to a task's health for one check (pure).

Marathon's rules: a success makes the check alive and resets the failure count; a
failure is ignored while the task is within `gracePeriodSeconds` of its start and has
never passed; otherwise it counts, and once `maxConsecutiveFailures` (> 0) failures
in a row have counted the task is to be killed. A 1xx answer with ignoreHttp1xx
changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from scheduler.apps.model import HealthCheck
from scheduler.base.events import iso_timestamp
from scheduler.health.probes import Outcome, Verdict

Json = dict[str, Any]


@dataclass(frozen=True)
class HealthResult:
    """One check's record for one task; times are epoch seconds, alive None until known."""

    alive: bool | None = None
    consecutive_failures: int = 0
    first_success: float | None = None
    last_success: float | None = None
    last_failure: float | None = None
    last_failure_cause: str | None = None

    def succeeded(self, at: float) -> HealthResult:
        return replace(self, alive=True, consecutive_failures=0, last_success=at,
                       first_success=self.first_success if self.first_success else at)

    def failed(self, at: float, cause: str | None) -> HealthResult:
        return replace(self, alive=False, consecutive_failures=self.consecutive_failures + 1,
                       last_failure=at, last_failure_cause=cause)

    def to_json(self) -> Json:
        """The stored form (epoch seconds)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: Json) -> HealthResult:
        return cls(**data)

    def marathon_json(self, instance_id: str) -> Json:
        """An element of a task's `healthCheckResults`."""
        def when(at: float | None) -> str | None:
            return None if at is None else iso_timestamp(at)

        return {
            "alive": bool(self.alive),
            "consecutiveFailures": self.consecutive_failures,
            "firstSuccess": when(self.first_success),
            "lastSuccess": when(self.last_success),
            "lastFailure": when(self.last_failure),
            "lastFailureCause": self.last_failure_cause,
            "instanceId": instance_id,
        }


@dataclass(frozen=True)
class Step:
    """After one probe: the result, whether a failure counted, whether to kill the task."""

    result: HealthResult
    counted: bool = False
    kill: bool = False


def in_grace(result: HealthResult, at: float, started_at: float, check: HealthCheck) -> bool:
    return result.first_success is None and at < started_at + check.grace_period_seconds


def next_result(
    result: HealthResult, outcome: Outcome, at: float, started_at: float, check: HealthCheck
) -> Step:
    """Apply one probe outcome taken at `at` to a task that started running at `started_at`."""
    if outcome.verdict is Verdict.IGNORED:
        return Step(result)
    if outcome.verdict is Verdict.HEALTHY:
        return Step(result.succeeded(at))
    if in_grace(result, at, started_at, check):
        return Step(result)
    failed = result.failed(at, outcome.cause)
    limit = check.max_consecutive_failures
    return Step(failed, counted=True, kill=limit > 0 and failed.consecutive_failures >= limit)


def combined(verdicts: Iterable[bool | None]) -> bool | None:
    """A task is healthy when every check passes, unhealthy when one fails, else unknown."""
    values = list(verdicts)
    if False in values:
        return False
    if None in values:
        return None
    return True
