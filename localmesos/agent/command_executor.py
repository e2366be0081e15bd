"""The agent's own command executor: the bookkeeping between a CommandTask and the agent
(the executor record it shows in /state, its updates, its end)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from localmesos.agent.executors import Executor
from localmesos.model import TaskState, make_status

LAUNCH_FAILED = "REASON_CONTAINER_LAUNCH_FAILED"


class CommandExecutorListener:
    """Turns a CommandTask's news into updates of `executor` and its task.

    `accept(framework_id, status)` queues a reliable update; `ended(executor)` tells the
    agent the executor has exited (its container is gone).
    """

    def __init__(
        self,
        executor: Executor,
        agent_id: str,
        accept: Callable[[str, dict[str, Any]], None],
        ended: Callable[[Executor], None],
    ) -> None:
        self.executor = executor
        self.agent_id = agent_id
        self._accept = accept
        self._ended = ended

    @property
    def task_id(self) -> str:
        return self.executor.executor_id  # the command executor's id is its task's

    def task_update(
        self, state: TaskState, message: str | None, reason: str | None, healthy: bool | None
    ) -> None:
        self._update(state, "SOURCE_EXECUTOR", message, reason, healthy)

    def task_spawned(self) -> None:
        task = self.executor.queued.pop(self.task_id, None)
        if task is not None:
            self.executor.launched[self.task_id] = task

    def task_launch_failed(self, message: str) -> None:
        self._update(TaskState.TASK_FAILED, "SOURCE_AGENT", message, LAUNCH_FAILED, None)

    def task_limited(self, message: str, reason: str) -> None:
        self._update(TaskState.TASK_FAILED, "SOURCE_AGENT", message, reason, None)

    def task_ended(self) -> None:
        if self.executor.states.get(self.task_id, TaskState.TASK_STAGING).terminal:
            self.executor.complete(self.task_id)
        self._ended(self.executor)

    def _update(
        self,
        state: TaskState,
        source: str,
        message: str | None,
        reason: str | None,
        healthy: bool | None,
    ) -> None:
        executor = self.executor
        if executor.states.get(self.task_id, TaskState.TASK_STAGING).terminal:
            return  # the agent already ended it (killed during launch)
        status = make_status(
            self.task_id,
            state,
            source=source,
            reason=reason,
            message=message,
            agent_id=self.agent_id,
            executor_id=executor.executor_id,
            reliable=True,
        )
        if healthy is not None:
            status["healthy"] = healthy
        executor.states[self.task_id] = state
        self._accept(executor.framework_id, status)
