"""The vocabulary shared by master and agent: task states, status updates, call errors."""

from __future__ import annotations

import base64
import enum
import time
import uuid
from typing import Any

MESOS_VERSION = "1.11.0"


class TaskState(enum.Enum):
    """Mesos task states; the terminal ones end a task's life.

    Kept here on purpose, not shared with mesos_vocab/ (which Dromos's scheduler and
    executor use): a stand-in for Mesos must not share code with the clients it stands in
    for, or a mistake in that code would agree with itself on both sides of the wire.
    """

    TASK_STAGING = "TASK_STAGING"
    TASK_STARTING = "TASK_STARTING"
    TASK_RUNNING = "TASK_RUNNING"
    TASK_KILLING = "TASK_KILLING"
    TASK_FINISHED = "TASK_FINISHED"
    TASK_FAILED = "TASK_FAILED"
    TASK_KILLED = "TASK_KILLED"
    TASK_ERROR = "TASK_ERROR"
    TASK_LOST = "TASK_LOST"
    TASK_DROPPED = "TASK_DROPPED"
    TASK_UNREACHABLE = "TASK_UNREACHABLE"
    TASK_GONE = "TASK_GONE"
    TASK_GONE_BY_OPERATOR = "TASK_GONE_BY_OPERATOR"
    TASK_UNKNOWN = "TASK_UNKNOWN"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {
        TaskState.TASK_FINISHED,
        TaskState.TASK_FAILED,
        TaskState.TASK_KILLED,
        TaskState.TASK_ERROR,
        TaskState.TASK_LOST,
        TaskState.TASK_DROPPED,
        TaskState.TASK_GONE,
        TaskState.TASK_GONE_BY_OPERATOR,
    }
)


class CallError(Exception):
    """A call refused synchronously with an HTTP status (400, 403, 404, 501...)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def new_uuid() -> str:
    """A status-update uuid: 16 random bytes, standard base64 with padding."""
    return base64.b64encode(uuid.uuid4().bytes).decode("ascii")


def is_uuid(raw: Any) -> bool:
    """True if `raw` is base64 of exactly 16 bytes, as Mesos requires of update uuids."""
    if not isinstance(raw, str):
        return False
    try:
        return len(base64.b64decode(raw, validate=True)) == 16
    except ValueError:
        return False


def id_value(raw: Any) -> str | None:
    """The string inside an `{"value": ...}` id object, or None if it is not one."""
    if isinstance(raw, dict) and isinstance(raw.get("value"), str):
        return raw["value"]
    return None


def make_status(
    task_id: str,
    state: TaskState,
    *,
    source: str,
    reason: str | None = None,
    message: str | None = None,
    agent_id: str | None = None,
    executor_id: str | None = None,
    reliable: bool = False,
) -> dict[str, Any]:
    """A TaskStatus; `reliable` ones carry a uuid and must be acknowledged."""
    status: dict[str, Any] = {
        "task_id": {"value": task_id},
        "state": state.value,
        "source": source,
        "timestamp": time.time(),
    }
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    if agent_id:
        status["agent_id"] = {"value": agent_id}
    if executor_id:
        status["executor_id"] = {"value": executor_id}
    if reliable:
        status["uuid"] = new_uuid()
    return status


def duration_string(seconds: float) -> str:
    """Mesos duration formatting as executors parse it: `5secs`, `15mins`, `500ms`."""
    for unit, size in (("weeks", 604800), ("days", 86400), ("hrs", 3600), ("mins", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    if seconds == int(seconds):
        return f"{int(seconds)}secs"
    return f"{round(seconds * 1000)}ms"


def nanoseconds_to_seconds(raw: Any, default: float) -> float:
    """Seconds of a DurationInfo `{"nanoseconds": N}`, or `default` when absent or invalid."""
    if isinstance(raw, dict):
        try:
            return max(0.0, int(raw["nanoseconds"]) / 1e9)
        except (KeyError, TypeError, ValueError):
            return default
    return default
