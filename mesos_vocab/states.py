"""Mesos task states and status-update reasons, as they appear on the wire."""

from __future__ import annotations

import enum


class TaskState(enum.StrEnum):
    """A Mesos task state; a member equals its wire string ("TASK_RUNNING")."""

    STAGING = "TASK_STAGING"
    STARTING = "TASK_STARTING"
    RUNNING = "TASK_RUNNING"
    KILLING = "TASK_KILLING"
    FINISHED = "TASK_FINISHED"
    FAILED = "TASK_FAILED"
    KILLED = "TASK_KILLED"
    ERROR = "TASK_ERROR"
    LOST = "TASK_LOST"
    DROPPED = "TASK_DROPPED"
    UNREACHABLE = "TASK_UNREACHABLE"
    GONE = "TASK_GONE"
    GONE_BY_OPERATOR = "TASK_GONE_BY_OPERATOR"
    UNKNOWN = "TASK_UNKNOWN"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATES


# The states that end a task's life; a plain string state may be looked up too.
TERMINAL_STATES: frozenset[str] = frozenset({
    TaskState.FINISHED, TaskState.FAILED, TaskState.KILLED, TaskState.ERROR, TaskState.LOST,
    TaskState.DROPPED, TaskState.GONE, TaskState.GONE_BY_OPERATOR,
})

# Reasons (TaskStatus.reason) the executor sends.
HEALTH_CHECK_UPDATED = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
TASK_INVALID = "REASON_TASK_INVALID"
LAUNCH_FAILED = "REASON_CONTAINER_LAUNCH_FAILED"
# The reason of every answer the master gives to a reconciliation.
RECONCILIATION = "REASON_RECONCILIATION"
