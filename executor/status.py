"""Task states and the status updates the executor sends about its tasks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol


class TaskState(Enum):
    """The Mesos task states an executor may send (never TASK_STAGING)."""

    STARTING = "TASK_STARTING"
    RUNNING = "TASK_RUNNING"
    KILLING = "TASK_KILLING"
    FINISHED = "TASK_FINISHED"
    FAILED = "TASK_FAILED"
    KILLED = "TASK_KILLED"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({TaskState.FINISHED, TaskState.FAILED, TaskState.KILLED})

HEALTH_CHECK_UPDATED = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
TASK_INVALID = "REASON_TASK_INVALID"
LAUNCH_FAILED = "REASON_CONTAINER_LAUNCH_FAILED"


@dataclass(frozen=True)
class TaskStatus:
    """One status update about one task; `healthy` is None when no check has spoken."""

    task_id: str
    state: TaskState
    message: str | None = None
    healthy: bool | None = None
    reason: str | None = None

    def to_mesos(self, executor_id: str) -> dict[str, Any]:
        """The TaskStatus JSON for `sendStatusUpdate` (the driver adds uuid and timestamp)."""
        status: dict[str, Any] = {
            "task_id": {"value": self.task_id},
            "state": self.state.value,
            "source": "SOURCE_EXECUTOR",
            "executor_id": {"value": executor_id},
        }
        if self.message is not None:
            status["message"] = self.message
        if self.healthy is not None:
            status["healthy"] = self.healthy
        if self.reason is not None:
            status["reason"] = self.reason
        return status


class StatusSink(Protocol):
    """Where task status updates go: the Mesos driver, or a recording fake in tests."""

    def send(self, status: TaskStatus) -> None: ...
