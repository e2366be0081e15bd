"""The "docker" containerizer: a task with an image runs in a container of a
docker-compatible CLI (`--docker`, e.g. podman), as Mesos's docker containerizer runs it.

`run -d` starts it (docker_run.py) with the sandbox's stdout/stderr passed through;
`inspect` gives its first process, its address and OOMKilled; a pidfd on that process tells
when it has ended, and `wait` its exit code; `stop -t grace` then `kill` end it, and `rm -f`
removes it once it has ended. Every container carries a label with the
agent's id, so an agent that restarts removes what an earlier life left (`remove_leftovers`).
The CLI's own settings (runtime, cgroup manager, ulimits) are its configuration's business,
not the agent's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import os
import shutil
from collections.abc import Callable, Coroutine, Mapping
from pathlib import Path
from typing import Any

from localmesos.agent import docker_run
from localmesos.agent.containerizer import ContainerExit, ContainerLaunchError, GracePeriod
from localmesos.agent.health import ProbeTarget
from localmesos.agent.oom_watch import OomWatch

log = logging.getLogger(__name__)

LAUNCH_FAILED = "Failed to launch container"
OOM_MESSAGE = "Memory limit exceeded: the container was OOM-killed"  # when the CLI says so
# Tasks kept alive until done: the loop holds only weak references to them.
_background: set[asyncio.Task[Any]] = set()


async def _cli(*argv: str) -> tuple[int, str, str]:
    """Run a CLI command; (exit code, stdout, stderr)."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(errors="replace"), err.decode(errors="replace")


def _in_background(work: Coroutine[Any, Any, Any]) -> None:
    running = asyncio.get_running_loop().create_task(work)
    _background.add(running)
    running.add_done_callback(_background.discard)


def _missing(cli: str) -> ContainerLaunchError:
    return ContainerLaunchError(
        f"{LAUNCH_FAILED}: the docker containerizer's CLI '{cli}' is not installed on this agent"
    )


async def remove_leftovers(cli: str, agent_id: str) -> int:
    """Remove every container labelled as this agent's (it restarted: their tasks are
    gone, as on a Mesos agent without recovery); how many there were."""
    if shutil.which(cli) is None:
        return 0
    owner = f"label={docker_run.OWNER_LABEL}={agent_id}"
    code, out, err = await _cli(cli, "ps", "-a", "-q", "--filter", owner)
    if code != 0:
        log.warning("cannot list the containers of agent %s: %s", agent_id, err.strip())
        return 0
    ids = out.split()
    if ids:
        log.info("removing %d container(s) of an earlier run of agent %s", len(ids), agent_id)
        await _cli(cli, "rm", "-f", *ids)
    return len(ids)


class DockerContainer:
    """One task's container. A stop sends the image's stop signal at once (`stop -t`) and
    kills the container when the grace period is over; a later stop may shorten the grace,
    never extend it."""

    def __init__(self, cli: str, name: str, details: Mapping[str, Any]) -> None:
        self.cli = cli
        self.name = name
        state = details.get("State") or {}
        self._pid: int | None = int(state.get("Pid") or 0) or None
        self.address = _address(details)
        self.grace = GracePeriod(self._cli_stop, self.destroy)
        self.oom = OomWatch.of_process(self._pid, self._out_of_memory) if self._pid else None

    @property
    def pid(self) -> int | None:
        return self._pid

    async def stop(self, grace_seconds: float) -> None:
        self.grace.start(grace_seconds)

    def _cli_stop(self, grace_seconds: float) -> None:
        # The CLI's own stop kills too, but only after whole seconds: the timer is exact.
        seconds = str(math.ceil(max(0.0, grace_seconds)))
        _in_background(_cli(self.cli, "stop", "-t", seconds, self.name))

    def destroy(self) -> None:
        self.grace.cancel()
        if self._pid is not None:
            _in_background(_cli(self.cli, "kill", self.name))

    def _out_of_memory(self, limitation: str) -> None:
        log.warning("container %s reached its memory limit: destroying it", self.name)
        self.destroy()  # what else runs in it goes too, as Mesos's memory isolator does

    def probe_target(self, target: ProbeTarget) -> ProbeTarget:
        """Checks reach the container: COMMAND runs inside it (`exec`, with the check's own
        variables), HTTP and TCP connect to its address."""

        def inside(argv: list[str], env: Mapping[str, str]) -> list[str]:
            variables = [arg for name, value in env.items() for arg in ("-e", f"{name}={value}")]
            return [self.cli, "exec", *variables, self.name, *argv]

        return dataclasses.replace(target, host=self.address, user=None, enter=inside)

    async def wait(self) -> ContainerExit:
        """Until the container has ended; then it is removed. While it runs, the agent
        watches its first process through a pidfd (the CLI's `wait` is a process of some
        30 MB per container); `wait` then only collects the exit code."""
        if self._pid is not None:
            await _ended(self._pid)
        code, out, err = await _cli(self.cli, "wait", self.name)
        _, details, _ = await _cli(self.cli, "inspect", self.name)
        await _cli(self.cli, "rm", "-f", self.name)
        self._pid = None
        self.grace.cancel()
        state = (_first(details) or {}).get("State") or {}
        limitation = self.oom.message if self.oom is not None else ""
        if self.oom is not None:
            self.oom.close()
        if limitation:
            return ContainerExit(137, oom_killed=True, message=limitation)
        if code != 0 or not out.strip().lstrip("-").isdigit():
            return ContainerExit(-1, message=f"Container vanished: {self.cli} wait: {err.strip()}")
        if state.get("OOMKilled"):
            return ContainerExit(int(out), oom_killed=True, message=OOM_MESSAGE)
        return ContainerExit(int(out))


async def _ended(pid: int) -> None:
    """Until process `pid` (not a child of the agent's) has exited."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    ended: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        loop.remove_reader(pidfd)  # it stays readable: once is enough
        ended.set_result(None)

    loop.add_reader(pidfd, readable)
    try:
        await ended
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)


def _first(inspected: str) -> dict[str, Any] | None:
    with contextlib.suppress(ValueError, IndexError, TypeError):
        first = json.loads(inspected)[0]
        return first if isinstance(first, dict) else None
    return None


def _address(details: Mapping[str, Any]) -> str:
    """The container's own IPv4 address on its network; the host's loopback with HOST."""
    settings = details.get("NetworkSettings") or {}
    addresses = [settings.get("IPAddress")] + [
        n.get("IPAddress") for n in (settings.get("Networks") or {}).values()
    ]
    return next((a for a in addresses if a), "127.0.0.1")


class DockerContainerizer:
    """Runs image tasks through `cli`, labelling their containers as `agent_id`'s."""

    def __init__(self, cli: str, agent_id: str) -> None:
        self.cli = cli
        self.agent_id = agent_id

    async def launch(
        self,
        task: Mapping[str, Any],
        sandbox: Path,
        env: Mapping[str, str],
        on_exit: Callable[[ContainerExit], None],
    ) -> DockerContainer:
        if shutil.which(self.cli) is None:
            raise _missing(self.cli)
        name = docker_run.container_name(sandbox.name)
        argv = docker_run.run_argv(task, sandbox, env, name, self.agent_id)
        docker_run.make_sandbox_volumes(task, sandbox)
        details = await self._run(argv, sandbox, name)
        container = DockerContainer(self.cli, name, details)

        async def watch() -> None:
            on_exit(await container.wait())

        _in_background(watch())
        return container

    async def _run(self, argv: list[str], sandbox: Path, name: str) -> dict[str, Any]:
        """`run -d` (in the agent's environment: the task's is in `argv`), its output in the
        sandbox; the started container's `inspect`."""
        stderr = sandbox / "stderr"
        told = stderr.stat().st_size
        with open(sandbox / "stdout", "ab") as out, open(stderr, "ab") as err:
            # In the sandbox: podman's conmon inherits the directory and writes an `oom` file
            # there when the container hits its memory limit.
            process = await asyncio.create_subprocess_exec(
                self.cli, *argv, stdin=asyncio.subprocess.DEVNULL, stdout=out, stderr=err,
                cwd=sandbox,
            )
        try:
            code = await asyncio.shield(process.wait())
            if code == 0:
                _, inspected, _ = await _cli(self.cli, "inspect", name)
                return _first(inspected) or {}
        except asyncio.CancelledError:
            _in_background(self._remove_after(process, name))  # killed while launching
            raise
        await _cli(self.cli, "rm", "-f", name)
        with open(stderr, "rb") as err:
            err.seek(told)
            said = err.read().decode(errors="replace").strip()
        raise ContainerLaunchError(f"{LAUNCH_FAILED}: {self.cli} run exited with {code}: {said}")

    async def _remove_after(self, process: asyncio.subprocess.Process, name: str) -> None:
        await process.wait()
        await _cli(self.cli, "rm", "-f", name)
