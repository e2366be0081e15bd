"""The agent's containerizers: what runs a command task's container, chosen per task.

`--containerizers mesos,docker` as a Mesos agent takes it. The "mesos" containerizer runs a
task's command as a plain process tree on the agent (localmesos/agent/process_container.py);
a task whose TaskInfo.container asks for an image (DOCKER, or MESOS with a docker image)
needs the "docker" containerizer. Every containerizer launches with the same contract: it
starts the task's container in its sandbox, calls `on_exit(ContainerExit)` from the loop
once the container has ended, and gives a container that can be stopped with a grace
period and destroyed at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from localmesos.agent.health import ProbeTarget

CONTAINERIZERS = ("mesos", "docker")


class ContainerLaunchError(Exception):
    """The container could not be started (TASK_FAILED, REASON_CONTAINER_LAUNCH_FAILED)."""


@dataclass(frozen=True)
class ContainerExit:
    """How a task's container ended: its command's exit code, or the signal that ended it;
    `launch_failed`/`oom_killed` when the containerizer, not the command, decided it."""

    code: int
    signal: int | None = None
    launch_failed: bool = False
    oom_killed: bool = False
    message: str = ""


class TaskContainer(Protocol):
    """A launched task container."""

    @property
    def pid(self) -> int | None:
        """The process the agent watches (for /state and /monitor), None once gone."""
        ...

    async def stop(self, grace_seconds: float) -> None:
        """Ask the task to end (SIGTERM), SIGKILL it after `grace_seconds`."""
        ...

    def destroy(self) -> None:
        """Kill whatever is left of the container now."""
        ...

    def probe_target(self, target: ProbeTarget) -> ProbeTarget:
        """Where the task's health checks look, given the agent's side of it."""
        ...


class GracePeriod:
    """A container's stop: `begin` once (SIGTERM, or the CLI's stop), then `end` (kill the
    container) when the grace period is over; a later stop may shorten it, never extend it."""

    def __init__(self, begin: Callable[[float], None], end: Callable[[], None]) -> None:
        self._begin = begin
        self._end = end
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None

    def start(self, grace_seconds: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, grace_seconds)
        if self._deadline is None:
            self._begin(grace_seconds)
        elif deadline >= self._deadline:
            return
        self._deadline = deadline
        self.cancel()
        self._timer = loop.call_at(deadline, self._end)

    def cancel(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class Containerizer(Protocol):
    async def launch(
        self,
        task: Mapping[str, Any],
        sandbox: Path,
        env: Mapping[str, str],
        on_exit: Callable[[ContainerExit], None],
    ) -> TaskContainer:
        """Start `task` in `sandbox`, returning once it runs; raises ContainerLaunchError
        (or OSError, ValueError)."""
        ...


def wants_image(task: Mapping[str, Any]) -> bool:
    """DOCKER containers, and MESOS ones with an image (Mesos's unified containerizer)."""
    container = task.get("container") or {}
    if container.get("type") == "DOCKER":
        return True
    return container.get("type") == "MESOS" and bool((container.get("mesos") or {}).get("image"))


def parse_containerizers(text: str) -> tuple[str, ...]:
    """The --containerizers flag: a comma-separated list of known names (ValueError)."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in CONTAINERIZERS]
    if unknown or not names:
        named = ", ".join(unknown) if unknown else repr(text)
        raise ValueError(f"unknown containerizer(s) {named}: choose from mesos, docker")
    return names


class Containerizers:
    """The containerizers an agent was started with (`names`, as its flag gave them, and
    the ones it has, `enabled`); `for_task` picks a task's."""

    def __init__(
        self,
        enabled: Mapping[str, Containerizer],
        names: tuple[str, ...] = ("mesos",),
        docker_cli: str = "docker",
    ) -> None:
        self.enabled = dict(enabled)
        self.names = names
        self.docker_cli = docker_cli

    async def drain(self) -> None:
        """Until each containerizer that finishes destroying containers in the background
        (with a `drain` coroutine) is done: the agent is stopping."""
        for containerizer in self.enabled.values():
            drain = getattr(containerizer, "drain", None)
            if drain is not None:
                await drain()

    def for_task(self, task: Mapping[str, Any]) -> Containerizer:
        name = "docker" if wants_image(task) else "mesos"
        containerizer = self.enabled.get(name)
        if containerizer is None:
            raise ContainerLaunchError(
                f"Failed to launch container: no '{name}' containerizer on this agent"
                f" (it runs with --containerizers {','.join(self.names)})"
            )
        return containerizer
