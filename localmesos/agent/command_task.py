"""A command task (TaskInfo.command, no executor) supervised by the agent itself, as
Mesos's command executor supervises it: no process of its own beside the task's.

Its life: LAUNCHING (sandbox, user, URIs fetched on a worker thread, the container
started by its containerizer) -> RUNNING (TASK_STARTING and TASK_RUNNING sent, health
checks started, the max_completion_time timer set) -> [KILLING] (TASK_KILLING when the
framework takes it, SIGTERM, SIGKILL after the grace period) -> DONE (one terminal update,
the container destroyed). A launch that fails ends the task at once, without a process; the
agent reports it.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import signal
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from localmesos.agent import fetcher, task_user
from localmesos.agent.containerizer import (
    ContainerExit,
    Containerizers,
    ContainerLaunchError,
    TaskContainer,
)
from localmesos.agent.health import HealthCheck, HealthChecker, HealthReport, Prober, ProbeTarget
from localmesos.model import TaskState, nanoseconds_to_seconds

log = logging.getLogger(__name__)

DEFAULT_KILL_GRACE_SECONDS = 3.0
LAUNCH_FAILED_PREFIX = "Failed to launch container"
HEALTH_CHECK_UPDATED = "REASON_TASK_HEALTH_CHECK_STATUS_UPDATED"
MEMORY_LIMIT = "REASON_CONTAINER_LIMITATION_MEMORY"
MAX_COMPLETION_TIME = "REASON_MAX_COMPLETION_TIME_REACHED"


class Phase(enum.Enum):
    LAUNCHING = "LAUNCHING"
    RUNNING = "RUNNING"
    KILLING = "KILLING"
    DONE = "DONE"


class TaskListener(Protocol):
    """What the agent learns of the task it gave to a CommandTask."""

    def task_update(
        self, state: TaskState, message: str | None, reason: str | None, healthy: bool | None
    ) -> None:
        """An update as the command executor sends it (SOURCE_EXECUTOR)."""

    def task_spawned(self) -> None:
        """The container started: the task is the executor's now."""

    def task_launch_failed(self, message: str) -> None:
        """Nothing was started (TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED, from the agent)."""

    def task_limited(self, message: str, reason: str) -> None:
        """The container was destroyed at a resource limit (TASK_FAILED with `reason`, from
        the agent, as Mesos reports a container its isolator ended)."""

    def task_ended(self) -> None:
        """Nothing is left of the task's container: its executor is gone."""


def kill_grace_seconds(kill_policy: Mapping[str, Any] | None) -> float | None:
    if not kill_policy or "grace_period" not in kill_policy:
        return None
    return max(0.0, nanoseconds_to_seconds(kill_policy["grace_period"], 0.0))


def describe_exit(exit: ContainerExit) -> str:
    """As Mesos words it: "Command exited with status 3", "... terminated with signal Killed"."""
    if exit.signal is not None:
        return f"Command terminated with signal {signal.strsignal(exit.signal) or exit.signal}"
    return f"Command exited with status {exit.code}"


def _prepare_sandbox(
    sandbox: Path, command: Mapping[str, Any], user: task_user.TaskUser | None
) -> None:
    """The sandbox with its stdout/stderr files and the fetched URIs (blocking)."""
    sandbox.mkdir(parents=True, exist_ok=True)
    for name in ("stdout", "stderr"):
        (sandbox / name).touch()
    fetcher.fetch_all(list(command.get("uris") or []), sandbox, user)
    if user is not None:
        task_user.give_sandbox(user, sandbox)


class CommandTask:
    """One command task; every path ends in exactly one terminal update and `task_ended`."""

    def __init__(
        self,
        task: Mapping[str, Any],
        sandbox: Path,
        env: Mapping[str, str],
        containerizers: Containerizers,
        prober: Prober,
        listener: TaskListener,
        announce_killing: bool,
    ) -> None:
        self.task = task
        self.sandbox = sandbox
        self.env = dict(env)
        self.phase = Phase.LAUNCHING
        self.container: TaskContainer | None = None
        self.healthy: bool | None = None
        self._containerizers = containerizers
        self._prober = prober
        self._listener = listener
        self._announce_killing = announce_killing
        self._launching: asyncio.Task[None] | None = None
        self._stopping: asyncio.Task[None] | None = None
        self._checker: HealthChecker | None = None
        self._killed_by_health_check = False
        self._deadline: asyncio.TimerHandle | None = None
        self._past_deadline = False

    @property
    def task_id(self) -> str:
        return str(self.task["task_id"]["value"])

    @property
    def pid(self) -> int | None:
        return self.container.pid if self.container is not None else None

    def start(self) -> None:
        self._launching = asyncio.get_running_loop().create_task(self._launch())

    async def _launch(self) -> None:
        command = self.task.get("command") or {}
        try:
            check = self.task.get("health_check")
            health = HealthCheck.from_json(check) if check else None
            user = task_user.resolve(command.get("user"))
            containerizer = self._containerizers.for_task(self.task)
            await asyncio.to_thread(_prepare_sandbox, self.sandbox, command, user)
            self.container = await containerizer.launch(
                self.task, self.sandbox, self.env, self._exited
            )
        except (OSError, ValueError, ContainerLaunchError) as error:
            self._launch_failed(str(error))
            return
        self.phase = Phase.RUNNING
        self._listener.task_spawned()
        self._send(TaskState.TASK_STARTING)
        self._send(TaskState.TASK_RUNNING)
        limit = self.task.get("max_completion_time")
        if limit is not None:
            self._deadline = asyncio.get_running_loop().call_later(
                nanoseconds_to_seconds(limit, 0.0), self._completion_time_reached)
        if health is not None:
            target = self.container.probe_target(ProbeTarget(self.sandbox, self.env, user))
            self._checker = HealthChecker(
                health, lambda: self._prober.probe(health, target), self._on_health
            )
            self._checker.start()

    def kill(self, grace_seconds: float | None = None) -> None:
        """SIGTERM now, SIGKILL after `grace_seconds` (else the task's kill policy, else 3 s)."""
        if self.phase is Phase.LAUNCHING:
            self.destroy()
            return
        if self.phase is Phase.DONE or self.container is None:
            return
        if self.phase is Phase.RUNNING:
            self.phase = Phase.KILLING
            self._stop_checks()
            if self._announce_killing:
                self._send(TaskState.TASK_KILLING)
        if grace_seconds is None:
            grace_seconds = kill_grace_seconds(self.task.get("kill_policy"))
        grace = DEFAULT_KILL_GRACE_SECONDS if grace_seconds is None else grace_seconds
        self._stopping = asyncio.get_running_loop().create_task(self.container.stop(grace))

    def destroy(self) -> None:
        """Kill the container now; a task still launching never starts."""
        if self.phase is Phase.LAUNCHING:
            if self._launching is not None:
                self._launching.cancel()
            self.phase = Phase.DONE
            self._listener.task_ended()
        elif self.phase is not Phase.DONE and self.container is not None:
            self.container.destroy()

    def _on_health(self, report: HealthReport) -> None:
        if self.phase is not Phase.RUNNING:
            return
        self.healthy = report.healthy
        self._send(TaskState.TASK_RUNNING, report.detail, HEALTH_CHECK_UPDATED)
        if report.kill:
            log.warning("task %s failed its health check: killing it", self.task_id)
            self._killed_by_health_check = True
            self.kill()

    def _completion_time_reached(self) -> None:
        """As Mesos's command executor: killed by its kill policy, then TASK_FAILED."""
        if self.phase is Phase.RUNNING:
            log.warning("task %s reached its max_completion_time: killing it", self.task_id)
            self._past_deadline = True
            self.kill()

    def _exited(self, exit: ContainerExit) -> None:
        killing = self.phase is Phase.KILLING
        if self._deadline is not None:
            self._deadline.cancel()
        self._stop_checks()
        self.phase = Phase.DONE
        message = exit.message or describe_exit(exit)
        log.info("task %s: %s", self.task_id, message)
        if self._killed_by_health_check:
            self.healthy = False
        if exit.launch_failed:
            self._listener.task_launch_failed(message)
        elif exit.oom_killed:
            self._listener.task_limited(message, MEMORY_LIMIT)
        elif self._past_deadline:
            self._send(TaskState.TASK_FAILED, message, MAX_COMPLETION_TIME)
        elif killing:
            self._send(TaskState.TASK_KILLED, message)
        elif exit.code == 0 and exit.signal is None:
            self._send(TaskState.TASK_FINISHED, message)
        else:
            self._send(TaskState.TASK_FAILED, message)
        self._listener.task_ended()

    def _launch_failed(self, reason: str) -> None:
        self.phase = Phase.DONE
        message = (
            reason
            if reason.startswith(LAUNCH_FAILED_PREFIX)
            else (f"{LAUNCH_FAILED_PREFIX}: {reason}")
        )
        log.warning("task %s: %s", self.task_id, message)
        self._listener.task_launch_failed(message)
        self._listener.task_ended()

    def _stop_checks(self) -> None:
        if self._checker is not None:
            self._checker.stop()
            self._checker = None

    def _send(
        self, state: TaskState, message: str | None = None, reason: str | None = None
    ) -> None:
        self._listener.task_update(state, message, reason, self.healthy)
