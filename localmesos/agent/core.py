"""An agent: executors, their tasks, the executor API and reliable status updates."""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from localmesos.agent import containers, task_user
from localmesos.agent.command_executor import CommandExecutorListener
from localmesos.agent.command_task import CommandTask, kill_grace_seconds
from localmesos.agent.containerizer import Containerizers
from localmesos.agent.executors import (
    Executor,
    ExecutorPhase,
    command_executor_info,
    command_task_environment,
    mesos_environment,
    validate_executor_status,
)
from localmesos.agent.health import Prober
from localmesos.agent.process_container import ProcessContainerizer
from localmesos.agent.status_updates import StatusUpdateManager
from localmesos.model import CallError, TaskState, id_value, make_status
from localmesos.stream import EventStream, event

log = logging.getLogger(__name__)

EXECUTOR_HEARTBEAT_SECONDS = 1800.0
REGISTRATION_TIMEOUT_SECONDS = 60.0
# As a Mesos agent's --max_completed_executors_per_framework, for all frameworks.
COMPLETED_EXECUTORS_KEPT = 150


class Upstream(Protocol):
    """What the agent tells the master."""

    def task_status_changed(self, framework_id: str, status: dict[str, Any]) -> None: ...

    def deliver_update(self, framework_id: str, status: dict[str, Any]) -> None: ...

    def executor_message(self, framework_id: str, executor_id: str, data: str) -> None: ...

    def executor_exited(
        self, framework_id: str, executor_id: str, wait_status: int, custom: bool
    ) -> None: ...


@dataclass(frozen=True)
class AgentConfig:
    agent_id: str
    hostname: str
    endpoint: str
    work_dir: Path
    agent_info: dict[str, Any]
    containerizers: Containerizers = field(
        default_factory=lambda: Containerizers({"mesos": ProcessContainerizer()})
    )


class Agent:
    """Runs custom executors as processes and relays between them and the master; runs
    command tasks itself, as their command executor (see command_task.py)."""

    def __init__(self, config: AgentConfig, upstream: Upstream) -> None:
        self.config = config
        self.upstream = upstream
        self.executors: dict[tuple[str, str], Executor] = {}
        self.removed_frameworks: set[str] = set()
        self.completed_executors: deque[Executor] = deque(maxlen=COMPLETED_EXECUTORS_KEPT)
        self.updates = StatusUpdateManager(upstream.deliver_update)
        self.prober = Prober()
        self.sweeper = containers.Sweeper()  # what custom executors leave when destroyed

    # -- from the master -------------------------------------------------------------------

    def launch_task(self, framework_info: dict[str, Any], task: dict[str, Any]) -> None:
        """Give a validated task to its executor, starting the executor if needed."""
        framework_id = framework_info["id"]["value"]
        if "executor" not in task:
            self._launch_command_task(framework_info, task)
            return
        executor_info = {**task["executor"], "framework_id": {"value": framework_id}}
        executor_id = executor_info["executor_id"]["value"]
        task_id = task["task_id"]["value"]
        executor = self.executors.get((framework_id, executor_id))
        if executor is None:
            executor = self._start_executor(framework_info, executor_info)
        elif executor.phase is ExecutorPhase.TERMINATING:
            self._agent_update(
                executor,
                task_id,
                TaskState.TASK_FAILED,
                "REASON_EXECUTOR_TERMINATED",
                "Executor is terminating",
            )
            return
        executor.states[task_id] = TaskState.TASK_STAGING
        if executor.stream is None:
            executor.queued[task_id] = task
        else:
            executor.launched[task_id] = task
            executor.stream.send(event("LAUNCH", task=task))

    def kill_task(
        self, framework_id: str, task_id: str, kill_policy: dict[str, Any] | None
    ) -> None:
        executor = self._executor_of_task(framework_id, task_id)
        if executor is None:
            status = make_status(
                task_id,
                TaskState.TASK_LOST,
                source="SOURCE_AGENT",
                reason="REASON_EXECUTOR_TERMINATED",
                message="Cannot find executor",
                agent_id=self.config.agent_id,
                reliable=True,
            )
            self._accept_update(framework_id, status)
        elif task_id in executor.queued:
            del executor.queued[task_id]
            self._agent_update(
                executor,
                task_id,
                TaskState.TASK_KILLED,
                "REASON_TASK_KILLED_DURING_LAUNCH",
                "Killed before delivery",
            )
            if executor.command_executor:
                self.shutdown_executor(framework_id, executor.executor_id)
        elif executor.task is not None:
            executor.task.kill(kill_grace_seconds(kill_policy))
        else:
            kill: dict[str, Any] = {"task_id": {"value": task_id}}
            if kill_policy:
                kill["kill_policy"] = kill_policy
            if executor.stream is None:
                executor.pending_kills[task_id] = kill  # delivered when it re-subscribes
            else:
                executor.stream.send(event("KILL", **kill))

    def acknowledge(self, framework_id: str, task_id: str, uuid: str) -> dict[str, Any] | None:
        """Retire the acknowledged update (returned); a terminal one completes its task."""
        acked = self.updates.acknowledge(framework_id, task_id, uuid)
        if acked is not None and TaskState(acked["state"]).terminal:
            executor_id = id_value(acked.get("executor_id"))
            executor = self.executors.get((framework_id, executor_id or ""))
            if executor is not None:
                executor.complete(task_id)
        return acked

    def message_executor(self, framework_id: str, executor_id: str, data: str) -> None:
        executor = self.executors.get((framework_id, executor_id))
        if executor is not None and executor.stream is not None:
            executor.stream.send(event("MESSAGE", data=data))

    def shutdown_executor(self, framework_id: str, executor_id: str) -> None:
        """SHUTDOWN event now (a command task is killed), container destroyed after the
        executor's grace period."""
        executor = self.executors.get((framework_id, executor_id))
        if executor is None or executor.phase is ExecutorPhase.TERMINATING:
            return
        executor.phase = ExecutorPhase.TERMINATING
        if executor.timer is not None:
            executor.timer.cancel()
        if executor.task is not None:
            executor.task.kill()
        elif executor.stream is None:
            self._destroy(executor)
            return
        else:
            executor.stream.send({"type": "SHUTDOWN"})
        executor.timer = asyncio.get_running_loop().call_later(
            executor.shutdown_grace_seconds(), self._destroy, executor
        )

    def remove_framework(self, framework_id: str) -> None:
        """Framework gone: shut its executors down, deliver nothing more for it."""
        self.removed_frameworks.add(framework_id)
        self.updates.drop_framework(framework_id)
        for fw, executor_id in list(self.executors):
            if fw == framework_id:
                self.shutdown_executor(fw, executor_id)

    async def shutdown(self, timeout: float) -> None:
        """Shut every executor down and wait (at most `timeout`) until none is left."""
        for framework_id, executor_id in list(self.executors):
            self.shutdown_executor(framework_id, executor_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while self.executors and loop.time() < deadline:
            await asyncio.sleep(0.05)
        for executor in list(self.executors.values()):
            self._destroy(executor)
        await self.sweeper.drain()
        await self.config.containerizers.drain()
        await self.prober.close()

    # -- the executor API ------------------------------------------------------------------

    def executor_for_call(self, call: dict[str, Any]) -> Executor:
        framework_id = id_value(call.get("framework_id"))
        executor_id = id_value(call.get("executor_id"))
        if framework_id is None or executor_id is None:
            raise CallError(400, "Expecting 'framework_id' and 'executor_id' to be present")
        if not any(fw == framework_id for fw, _ in self.executors):
            raise CallError(400, "Framework cannot be found")
        executor = self.executors.get((framework_id, executor_id))
        if executor is None:
            raise CallError(400, "Executor cannot be found")
        return executor

    def subscribe(self, executor: Executor, subscribe: dict[str, Any]) -> EventStream:
        replayed = [
            u.get("status") if isinstance(u, dict) else None
            for u in subscribe.get("unacknowledged_updates") or []
        ]
        for status in replayed:
            validate_executor_status(status, executor.executor_id)
        if executor.stream is not None:
            executor.stream.close()
        stream = EventStream(EXECUTOR_HEARTBEAT_SECONDS, "executor.Event")
        executor.stream = stream
        if executor.phase is ExecutorPhase.LAUNCHING:
            executor.phase = ExecutorPhase.RUNNING
            if executor.timer is not None:
                executor.timer.cancel()
                executor.timer = None
        stream.send(
            event(
                "SUBSCRIBED",
                executor_info=executor.info,
                framework_info=executor.framework_info,
                agent_info=self.config.agent_info,
                container_id={"value": executor.container_id},
            )
        )
        for task_id, task in list(executor.queued.items()):
            executor.launched[task_id] = executor.queued.pop(task_id)
            stream.send(event("LAUNCH", task=task))
        for kill in executor.pending_kills.values():
            stream.send(event("KILL", **kill))
        executor.pending_kills.clear()
        if executor.phase is ExecutorPhase.TERMINATING:
            stream.send({"type": "SHUTDOWN"})
        for status in replayed:
            self._executor_update(executor, status, acknowledge=False)
        return stream

    def stream_closed(self, executor: Executor, stream: EventStream) -> None:
        if executor.stream is stream:
            executor.stream = None

    def update(self, executor: Executor, status: Any) -> None:
        if executor.stream is None:
            raise CallError(403, "Executor is not subscribed")
        validate_executor_status(status, executor.executor_id)
        self._executor_update(executor, status, acknowledge=True)

    def message(self, executor: Executor, message: Any) -> None:
        if executor.stream is None:
            raise CallError(403, "Executor is not subscribed")
        data = message.get("data") if isinstance(message, dict) else None
        if not isinstance(data, str):
            raise CallError(400, "Expecting 'message.data' to be present")
        self.upstream.executor_message(executor.framework_id, executor.executor_id, data)

    # -- internals -------------------------------------------------------------------------

    def _executor_update(self, executor: Executor, status: Any, *, acknowledge: bool) -> None:
        """Record and forward an executor's update; one for a task the executor no longer
        holds (its terminal update was acknowledged) is acknowledged and dropped, as Mesos
        drops an update it cannot apply, so the executor stops retrying it."""
        task_id = status["task_id"]["value"]
        known = task_id in executor.launched or task_id in executor.queued
        if acknowledge and executor.stream is not None:
            acknowledged = event("ACKNOWLEDGED", task_id=status["task_id"], uuid=status["uuid"])
            executor.stream.send(acknowledged)
        if not known:
            log.warning("executor %s: update of unknown task %s", executor.executor_id, task_id)
            return
        status = {
            **status,
            "source": "SOURCE_EXECUTOR",
            "agent_id": {"value": self.config.agent_id},
            "executor_id": {"value": executor.executor_id},
        }
        status.setdefault("timestamp", time.time())
        executor.states[task_id] = TaskState(status["state"])
        self._accept_update(executor.framework_id, status)

    def _agent_update(
        self, executor: Executor, task_id: str, state: TaskState, reason: str, message: str
    ) -> None:
        executor.states[task_id] = state
        status = make_status(
            task_id,
            state,
            source="SOURCE_AGENT",
            reason=reason,
            message=message,
            agent_id=self.config.agent_id,
            executor_id=executor.executor_id,
            reliable=True,
        )
        self._accept_update(executor.framework_id, status)

    def _accept_update(self, framework_id: str, status: dict[str, Any]) -> None:
        if framework_id in self.removed_frameworks:
            return
        if self.updates.add(framework_id, status):
            self.upstream.task_status_changed(framework_id, status)

    def _executor_of_task(self, framework_id: str, task_id: str) -> Executor | None:
        # A command task's executor has the task's id: a kill of one of thousands of them
        # must not walk every executor.
        own = self.executors.get((framework_id, task_id))
        if own is not None and (task_id in own.queued or task_id in own.launched):
            return own
        for executor in self.executors.values():
            if executor.framework_id == framework_id and (
                task_id in executor.queued or task_id in executor.launched
            ):
                return executor
        return None

    def _launch_command_task(self, framework_info: dict[str, Any], task: dict[str, Any]) -> None:
        """The agent is the task's command executor: no executor process of its own."""
        framework_id = framework_info["id"]["value"]
        task_id = task["task_id"]["value"]
        task = task_user.with_framework_user(task, framework_info.get("user"))
        existing = self.executors.get((framework_id, task_id))
        if existing is not None:
            status = make_status(
                task_id,
                TaskState.TASK_FAILED,
                source="SOURCE_AGENT",
                message='Attempted to run multiple tasks using a "command" executor',
                agent_id=self.config.agent_id,
                executor_id=task_id,
                reliable=True,
            )
            self._accept_update(framework_id, status)
            return
        info = {**command_executor_info(task), "framework_id": {"value": framework_id}}
        executor = self._new_executor(framework_info, info, command_executor=True)
        executor.phase = ExecutorPhase.RUNNING
        executor.states[task_id] = TaskState.TASK_STAGING
        executor.queued[task_id] = task
        config = self.config
        env = command_task_environment(executor, config.agent_id, config.endpoint, config.hostname)
        listener = CommandExecutorListener(
            executor, config.agent_id, self._accept_update, self._command_executor_ended
        )
        capabilities = {c.get("type") for c in framework_info.get("capabilities") or []}
        executor.task = CommandTask(
            task,
            executor.directory,
            env,
            config.containerizers,
            self.prober,
            listener,
            announce_killing="TASK_KILLING_STATE" in capabilities,
        )
        executor.task.start()

    def _command_executor_ended(self, executor: Executor) -> None:
        # The command executor exits once its task's terminal update is with the agent.
        asyncio.get_running_loop().call_soon(self._executor_exited, executor, 0)

    def _new_executor(
        self, framework_info: dict[str, Any], info: dict[str, Any], command_executor: bool
    ) -> Executor:
        framework_id = framework_info["id"]["value"]
        executor_id = info["executor_id"]["value"]
        container_id = containers.new_container_id()
        directory = (
            self.config.work_dir
            / "slaves"
            / self.config.agent_id
            / "frameworks"
            / framework_id
            / "executors"
            / executor_id
            / "runs"
            / container_id
        )
        executor = Executor(
            framework_id,
            executor_id,
            info,
            framework_info,
            command_executor,
            container_id,
            directory,
        )
        self.executors[(framework_id, executor_id)] = executor
        return executor

    def _start_executor(self, framework_info: dict[str, Any], info: dict[str, Any]) -> Executor:
        executor = self._new_executor(framework_info, info, command_executor=False)
        executor_id = executor.executor_id
        directory = executor.directory
        argv = containers.argv_of(info["command"])
        env = {
            **os.environ,
            **mesos_environment(executor, self.config.agent_id, self.config.endpoint),
            **containers.environment_of(info["command"]),
        }
        try:
            executor.container = containers.launch(
                argv, env, directory, lambda status: self._executor_exited(executor, status)
            )
        except OSError as error:
            log.warning("executor %s failed to start: %s", executor_id, error)
            asyncio.get_running_loop().call_soon(self._executor_exited, executor, -1)
            return executor
        executor.timer = asyncio.get_running_loop().call_later(
            REGISTRATION_TIMEOUT_SECONDS, self._registration_timeout, executor
        )
        return executor

    def _registration_timeout(self, executor: Executor) -> None:
        executor.timer = None
        for task_id in executor.live_task_ids():
            self._agent_update(
                executor,
                task_id,
                TaskState.TASK_FAILED,
                "REASON_EXECUTOR_REGISTRATION_TIMEOUT",
                "Executor did not register in time",
            )
        self._destroy(executor)

    def _destroy(self, executor: Executor) -> None:
        if executor.task is not None:
            executor.task.destroy()
        if executor.container is not None:
            executor.container.destroy(self.sweeper)

    def _executor_exited(self, executor: Executor, wait_status: int) -> None:
        if executor.timer is not None:
            executor.timer.cancel()
        self._destroy(executor)
        if executor.stream is not None:
            executor.stream.close()
            executor.stream = None
        self.executors.pop((executor.framework_id, executor.executor_id), None)
        self.completed_executors.append(executor)
        if executor.framework_id in self.removed_frameworks:
            return
        for task_id in executor.live_task_ids():
            self._agent_update(
                executor,
                task_id,
                TaskState.TASK_FAILED,
                "REASON_EXECUTOR_TERMINATED",
                "Executor terminated",
            )
        self.upstream.executor_exited(
            executor.framework_id,
            executor.executor_id,
            wait_status,
            not executor.command_executor,
        )
