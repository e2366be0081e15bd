"""Executors as the agent tracks them, the environment they get, and what the agent
checks of their status updates."""

from __future__ import annotations

import asyncio
import enum
import os
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localmesos.agent import containers
from localmesos.agent.command_task import (
    DEFAULT_KILL_GRACE_SECONDS,
    CommandTask,
    kill_grace_seconds,
)
from localmesos.model import (
    CallError,
    TaskState,
    duration_string,
    id_value,
    is_uuid,
    nanoseconds_to_seconds,
)
from localmesos.stream import EventStream

DEFAULT_SHUTDOWN_GRACE_SECONDS = 5.0
COMMAND_EXECUTOR_EXTRA_GRACE_SECONDS = 2.0
# A Mesos agent's default --max_completed_tasks_per_executor.
COMPLETED_TASKS_KEPT = 200


class ExecutorPhase(enum.Enum):
    LAUNCHING = "LAUNCHING"
    RUNNING = "RUNNING"
    TERMINATING = "TERMINATING"


@dataclass
class Executor:
    """One executor and the tasks given to it (queued until it subscribes). A custom
    executor is a process (`container`); the command executor of a command task is the
    agent itself (`task`), its task queued until its container has started.

    A task whose terminal update is acknowledged moves to `completed`, which keeps the last
    COMPLETED_TASKS_KEPT, so an executor running task after task does not grow without bound.
    """

    framework_id: str
    executor_id: str
    info: dict[str, Any]
    framework_info: dict[str, Any]
    command_executor: bool
    container_id: str
    directory: Path
    container: containers.Container | None = None
    task: CommandTask | None = None
    stream: EventStream | None = None
    phase: ExecutorPhase = ExecutorPhase.LAUNCHING
    queued: dict[str, dict[str, Any]] = field(default_factory=dict)
    launched: dict[str, dict[str, Any]] = field(default_factory=dict)
    states: dict[str, TaskState] = field(default_factory=dict)
    # KILLs for launched tasks that arrived while the executor was disconnected.
    pending_kills: dict[str, dict[str, Any]] = field(default_factory=dict)
    timer: asyncio.TimerHandle | None = None
    completed: deque[tuple[str, dict[str, Any], TaskState]] = field(
        default_factory=lambda: deque(maxlen=COMPLETED_TASKS_KEPT)
    )

    def complete(self, task_id: str) -> None:
        """The task's terminal update was acknowledged: it is no longer the executor's."""
        state = self.states.pop(task_id, None)
        self.pending_kills.pop(task_id, None)
        task = self.launched.pop(task_id, None) or self.queued.pop(task_id, None)
        if task is not None and state is not None:
            self.completed.append((task_id, task, state))

    def live_task_ids(self) -> list[str]:
        tasks = [*self.queued, *self.launched]
        return [t for t in tasks if not self.states.get(t, TaskState.TASK_STAGING).terminal]

    @property
    def pid(self) -> int | None:
        if self.task is not None:
            return self.task.pid
        return self.container.process.pid if self.container is not None else None

    def shutdown_grace_seconds(self) -> float:
        grace = self.info.get("shutdown_grace_period")
        return nanoseconds_to_seconds(grace, DEFAULT_SHUTDOWN_GRACE_SECONDS)


def mesos_environment(executor: Executor, agent_id: str, endpoint: str) -> dict[str, str]:
    """The MESOS_* variables a real agent gives an executor (durations with units)."""
    checkpoint = bool(executor.framework_info.get("checkpoint"))
    env = {
        "MESOS_AGENT_ENDPOINT": endpoint,
        "MESOS_FRAMEWORK_ID": executor.framework_id,
        "MESOS_EXECUTOR_ID": executor.executor_id,
        "MESOS_DIRECTORY": str(executor.directory),
        "MESOS_SANDBOX": str(executor.directory),
        "MESOS_CHECKPOINT": "1" if checkpoint else "0",
        "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": duration_string(executor.shutdown_grace_seconds()),
        "MESOS_SLAVE_ID": agent_id,
        "MESOS_SLAVE_PID": f"slave(1)@{endpoint}",
        "MESOS_HTTP_COMMAND_EXECUTOR": "1",
        "LIBPROCESS_PORT": "0",
    }
    if checkpoint:
        env["MESOS_RECOVERY_TIMEOUT"] = "15mins"
        env["MESOS_SUBSCRIPTION_BACKOFF_MAX"] = "2secs"
    return env


def command_executor_info(task: dict[str, Any]) -> dict[str, Any]:
    """The ExecutorInfo an agent makes for a `command` task: executor id = task id, and
    room for the task's kill grace in its shutdown grace period."""
    kill_grace = kill_grace_seconds(task.get("kill_policy"))
    grace = (DEFAULT_KILL_GRACE_SECONDS if kill_grace is None else kill_grace) + (
        COMMAND_EXECUTOR_EXTRA_GRACE_SECONDS
    )
    task_id = task["task_id"]["value"]
    return {
        "type": "DEFAULT",
        "executor_id": {"value": task_id},
        "name": f"Command Executor (Task: {task_id}) (Command: {_summary(task)})",
        "source": task_id,
        "shutdown_grace_period": {"nanoseconds": int(grace * 1e9)},
    }


def _summary(task: dict[str, Any]) -> str:
    """How Mesos names a command executor's command: `sh -c '<value>'` or `[argv...]`."""
    command = task.get("command") or {}
    value = str(command.get("value", ""))
    if command.get("shell", True):
        return f"sh -c '{value[:50]}{'...' if len(value) > 50 else ''}'"
    return f"[{', '.join(str(a) for a in command.get('arguments') or [value])}]"


def command_task_environment(
    executor: Executor, agent_id: str, endpoint: str, hostname: str
) -> dict[str, str]:
    """What a command task sees: the agent's environment, the variables a Mesos agent gives
    its command executor, the task's ids and host, then its CommandInfo's variables."""
    task_id = executor.executor_id
    env = {
        **os.environ,
        **mesos_environment(executor, agent_id, endpoint),
        "MESOS_AGENT_ID": agent_id,
        "MESOS_TASK_ID": task_id,
        "HOST": hostname,
    }
    task = executor.queued.get(task_id) or executor.launched.get(task_id) or {}
    env.update(containers.environment_of(task.get("command") or {}))
    return env


def validate_executor_status(status: Any, executor_id: str) -> None:
    """The checks a real agent makes on an executor's UPDATE (400 on failure)."""
    if not isinstance(status, dict) or id_value(status.get("task_id")) is None:
        raise CallError(400, "Expecting 'update.status.task_id' to be present")
    if not is_uuid(status.get("uuid")):
        raise CallError(400, "'uuid' must be 16 bytes, base64 encoded")
    if status.get("source", "SOURCE_EXECUTOR") != "SOURCE_EXECUTOR":
        raise CallError(400, "Received Call from executor with invalid source")
    if status.get("state") not in TaskState.__members__:
        raise CallError(400, "Expecting 'update.status.state' to be a task state")
    if status["state"] == TaskState.TASK_STAGING.value:
        raise CallError(400, "Received TASK_STAGING from executor")
    if status.get("executor_id") not in (None, {"value": executor_id}):
        raise CallError(400, "ExecutorID in Call does not match ExecutorID in TaskStatus")
