"""The status updates the executor sends about its tasks (states: mesos_vocab.states)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from mesos_vocab.states import (  # noqa: F401 (executor modules import them from here)
    HEALTH_CHECK_UPDATED,
    LAUNCH_FAILED,
    TASK_INVALID,
    TaskState,
)


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
