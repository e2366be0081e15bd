"""The "mesos" containerizer: a command task's container is its process tree on the agent.

The command runs in its own session in its sandbox (as CommandInfo.user when the agent is
root); the container is that session plus every process carrying the container's marker
(see containers.py), so destroying it leaves nothing behind, as cgroups do on a real agent.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from localmesos.agent import containers, task_user
from localmesos.agent.containerizer import ContainerExit, GracePeriod
from localmesos.agent.health import ProbeTarget

# The most a turn of the agent's loop spends forking tasks before it lets the rest of the
# loop run (pings, status updates): a fork returns once its child has exec'd, a few ms on a
# loaded machine, and hundreds forked in one turn held the loop for seconds, the master's
# pings unanswered until it marked the agent unreachable. A turn per fork instead cost
# throughput: 1,000 tasks took twice as long to run, each update batched alone.
FORK_TURN_S = 0.05


class ProcessContainer:
    """One task's process tree: stop is SIGTERM to its group, then the container SIGKILLed
    once the grace period has passed (a later stop may shorten it, never extend it)."""

    def __init__(self, sweeper: containers.Sweeper) -> None:
        self.process: containers.Container | None = None
        self.grace = GracePeriod(self._terminate, self.destroy)
        self.destroyed: asyncio.Future[None] | None = None  # the sweep destroy began
        self._sweeper = sweeper

    @property
    def pid(self) -> int | None:
        if self.process is None or self.process.process.returncode is not None:
            return None
        return self.process.process.pid

    async def stop(self, grace_seconds: float) -> None:
        self.grace.start(grace_seconds)

    def _terminate(self, _grace_seconds: float) -> None:
        assert self.process is not None
        self.process.signal_group(signal.SIGTERM)

    def destroy(self) -> None:
        self.grace.cancel()
        if self.process is not None and self.destroyed is None:
            self.destroyed = self.process.destroy(self._sweeper)

    def probe_target(self, target: ProbeTarget) -> ProbeTarget:
        return target  # the task's processes are the agent's neighbours



class ProcessContainerizer:
    """Runs a task's CommandInfo as a process tree."""

    def __init__(self) -> None:
        self._sweeper = containers.Sweeper()
        self._turn_forks_began: float | None = None  # this turn of the loop's first fork

    async def _fork_turn(self) -> None:
        """Until this turn of the loop has fork time left (FORK_TURN_S)."""
        loop = asyncio.get_running_loop()
        while (self._turn_forks_began is not None
               and loop.time() - self._turn_forks_began > FORK_TURN_S):
            await asyncio.sleep(0)
        if self._turn_forks_began is None:
            self._turn_forks_began = loop.time()
            # Runs first in the next turn, before the launches that waited for it.
            loop.call_soon(self._next_turn)

    def _next_turn(self) -> None:
        self._turn_forks_began = None

    async def drain(self) -> None:
        """Until what destroyed containers left has been killed (the agent is stopping)."""
        await self._sweeper.drain()

    async def launch(
        self,
        task: Mapping[str, Any],
        sandbox: Path,
        env: Mapping[str, str],
        on_exit: Callable[[ContainerExit], None],
    ) -> ProcessContainer:
        command = task.get("command") or {}
        user = task_user.resolve(command.get("user"))
        if user is not None:
            env = {**env, **user.environment()}
        container = ProcessContainer(self._sweeper)

        def exited(wait_status: int) -> None:
            signum = wait_status & 0x7F
            if signum:
                end = ContainerExit(128 + signum, signal=signum)
            else:
                end = ContainerExit(wait_status >> 8)
            container.grace.cancel()
            if container.destroyed is not None and not container.destroyed.done():
                # Destroyed (killed at the end of its grace period): the task ends once
                # nothing of its container is left.
                container.destroyed.add_done_callback(lambda _: on_exit(end))
                return
            # The task ends when its command does, then what it left in its container goes
            # (Mesos's command executor sends the terminal update before its container is
            # destroyed).
            on_exit(end)
            self._sweeper.sweep(sandbox.name)

        argv = containers.argv_of(command)
        # Forked on the loop: forked from a worker thread, timed job runs on the same agent
        # started up to 70 ms late (p99 of 40 runs due together, against 31-34 ms here).
        # Nothing is awaited after the fork: a kill that cancels the launch cannot orphan it.
        await self._fork_turn()
        container.process = containers.launch(argv, env, sandbox, exited, user)
        return container
