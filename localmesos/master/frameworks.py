"""The master's records of frameworks and their tasks."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from localmesos.model import TaskState
from localmesos.resources import Resources
from localmesos.stream import EventStream

COMPLETED_TASKS_KEPT = 1000
# A task's status history: health checks flapping would otherwise grow it without end.
STATUSES_KEPT = 10


@dataclass
class Task:
    """A launched task as the master sees it: latest status, the last STATUSES_KEPT
    statuses, and the resources it holds."""

    info: dict[str, Any]
    framework_id: str
    executor_id: str
    resources: Resources
    state: TaskState = TaskState.TASK_STAGING
    latest: dict[str, Any] | None = None
    statuses: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=STATUSES_KEPT))

    @property
    def id(self) -> str:
        task_id: str = self.info["task_id"]["value"]
        return task_id


@dataclass
class Framework:
    """A registered framework; `stream` is None while it is disconnected."""

    id: str
    info: dict[str, Any]
    registered_time: float = field(default_factory=time.time)
    stream: EventStream | None = None
    failover_timer: asyncio.TimerHandle | None = None
    suppressed_roles: set[str] = field(default_factory=set)
    tasks: dict[str, Task] = field(default_factory=dict)
    completed_tasks: deque[Task] = field(default_factory=lambda: deque(maxlen=COMPLETED_TASKS_KEPT))
    executors: dict[str, Resources] = field(default_factory=dict)

    @property
    def connected(self) -> bool:
        return self.stream is not None

    @property
    def capabilities(self) -> set[str]:
        capabilities = self.info.get("capabilities", [])
        return {str(c.get("type")) for c in capabilities if isinstance(c, dict)}

    @property
    def multi_role(self) -> bool:
        return "MULTI_ROLE" in self.capabilities

    @property
    def partition_aware(self) -> bool:
        return "PARTITION_AWARE" in self.capabilities

    @property
    def roles(self) -> list[str]:
        if self.multi_role:
            return list(self.info.get("roles") or ["*"])
        return [str(self.info.get("role") or "*")]

    @property
    def failover_timeout(self) -> float:
        try:
            return max(0.0, float(self.info.get("failover_timeout", 0.0)))
        except (TypeError, ValueError):
            return 0.0

    def offer_role(self) -> str | None:
        """The role to offer resources to, or None when every role is suppressed."""
        return next((r for r in self.roles if r not in self.suppressed_roles), None)

    def send(self, event: dict[str, Any]) -> None:
        """Events for a disconnected framework are dropped, as Mesos does."""
        if self.stream is not None:
            self.stream.send(event)

    def used_resources(self) -> Resources:
        total = Resources()
        for task in self.tasks.values():
            if not task.state.terminal:
                total = total + task.resources
        for resources in self.executors.values():
            total = total + resources
        return total

    def complete(self, task: Task) -> None:
        self.tasks.pop(task.id, None)
        self.completed_tasks.append(task)
