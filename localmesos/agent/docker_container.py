"""The "docker" containerizer: a task with an image runs in a container of a
docker-compatible CLI (`--docker`, e.g. podman), as Mesos's docker containerizer runs it.

`run` starts it (docker_run.py) with its stdout/stderr on the sandbox's files: with podman
detached (`-d`, output passed through), with Docker's CLI attached, that process staying for
the container's life (see docker_cli.py); which one the CLI is, the agent asks once.
`inspect` gives its first process, its address and OOMKilled; a pidfd on that process (or
on the attached `run`) tells when it has ended, and `wait` (or the attached `run`) its exit
code; `stop -t grace` then `kill` end it, and `rm -f` removes it once it has ended. Every
container carries a label with the agent's id, so an agent that restarts removes what an
earlier life left (`remove_leftovers`). The CLI's own settings (runtime, cgroup manager,
ulimits) are its configuration's business, not the agent's.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import math
import shutil
import subprocess
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from localmesos.agent import docker_run, task_user
from localmesos.agent.containerizer import ContainerExit, ContainerLaunchError, GracePeriod
from localmesos.agent.docker_cli import ended, has_passthrough, in_background
from localmesos.agent.docker_cli import run as _cli
from localmesos.agent.health import ProbeTarget
from localmesos.agent.oom_watch import OomWatch

log = logging.getLogger(__name__)

LAUNCH_FAILED = "Failed to launch container"
OOM_MESSAGE = "Memory limit exceeded: the container was OOM-killed"  # when the CLI says so
INSPECT_EVERY_S = 0.05  # how often an attached `run` is asked whether its container started
NEVER_STARTED = "0001-01-01T00:00:00Z"  # a container's StartedAt until it has started


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

    def __init__(
        self,
        cli: str,
        name: str,
        details: Mapping[str, Any],
        attached: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.cli = cli
        self.name = name
        self._attached = attached  # Docker's CLI: the `run` that lives as long as the container
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
        in_background(_cli(self.cli, "stop", "-t", seconds, self.name))

    def destroy(self) -> None:
        self.grace.cancel()
        if self._pid is not None:
            in_background(_cli(self.cli, "kill", self.name))

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
        30 MB per container), or the attached `run`; `wait` then only collects the exit
        code (the attached `run` exits with it)."""
        code, out, err = await self._exit_code()
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

    async def _exit_code(self) -> tuple[int, str, str]:
        """As `wait` answers: (its exit code, the container's exit code, its stderr)."""
        if self._attached is not None:
            await ended(self._attached.pid)
            code = self._attached.wait()
            if code >= 0:  # the CLI itself was not killed: its exit code is the container's
                return 0, str(code), ""
        elif self._pid is not None:
            await ended(self._pid)
        return await _cli(self.cli, "wait", self.name)


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
        self._passthrough: bool | None = None  # podman's log driver; asked at the first launch

    async def launch(
        self,
        task: Mapping[str, Any],
        sandbox: Path,
        env: Mapping[str, str],
        on_exit: Callable[[ContainerExit], None],
    ) -> DockerContainer:
        if shutil.which(self.cli) is None:
            raise _missing(self.cli)
        if self._passthrough is None:
            self._passthrough = await has_passthrough(self.cli)
        name = docker_run.container_name(sandbox.name)
        attached = not self._passthrough
        user = task_user.resolve((task.get("command") or {}).get("user"))
        argv = docker_run.run_argv(
            task, sandbox, env, name, self.agent_id, attached=attached, user=user
        )
        docker_run.make_sandbox_volumes(task, sandbox)
        process, details = await self._run(argv, sandbox, name, attached)
        container = DockerContainer(self.cli, name, details, process if attached else None)

        async def watch() -> None:
            on_exit(await container.wait())

        in_background(watch())
        return container

    async def _run(
        self, argv: list[str], sandbox: Path, name: str, attached: bool
    ) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
        """`run` (in the agent's environment: the task's is in `argv`), its output in the
        sandbox; the process and the started container's `inspect`."""
        stderr = sandbox / "stderr"
        told = stderr.stat().st_size
        with open(sandbox / "stdout", "ab") as out, open(stderr, "ab") as err:
            # In the sandbox: podman's conmon inherits the directory and writes an `oom` file
            # there when the container hits its memory limit. In a session of its own: an
            # attached `run` passes the signals it gets to the container, and a Ctrl-C to
            # the agent's terminal is not the task's.
            process = subprocess.Popen(
                [self.cli, *argv], stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                cwd=sandbox, close_fds=True, start_new_session=True,
            )  # fmt: skip
        try:
            details = await asyncio.shield(self._started(process, name, attached))
        except asyncio.CancelledError:
            in_background(self._remove_after(process, name))  # killed while launching
            raise
        if details is not None:
            return process, details
        await _cli(self.cli, "rm", "-f", name)
        with open(stderr, "rb") as err:
            err.seek(told)
            said = err.read().decode(errors="replace").strip()
        code = process.returncode
        raise ContainerLaunchError(f"{LAUNCH_FAILED}: {self.cli} run exited with {code}: {said}")

    async def _started(
        self, process: subprocess.Popen[bytes], name: str, attached: bool
    ) -> dict[str, Any] | None:
        """The container's `inspect` once it has started; None when `run` failed to start
        it. A detached `run` returns once it has; an attached one is asked until it has (or
        its `run` has exited without starting it)."""
        if not attached:
            await ended(process.pid)
            if process.wait() != 0:
                return None
            _, inspected, _ = await _cli(self.cli, "inspect", name)
            return _first(inspected) or {}
        while True:
            exited = process.poll() is not None
            _, inspected, _ = await _cli(self.cli, "inspect", name)
            details = _first(inspected)
            state = (details or {}).get("State") or {}
            if details is not None and (state.get("StartedAt") or NEVER_STARTED) != NEVER_STARTED:
                return details
            if exited:
                return None
            await asyncio.sleep(INSPECT_EVERY_S)

    async def _remove_after(self, process: subprocess.Popen[bytes], name: str) -> None:
        """Remove the container of a launch that was cancelled, once `run` has made it (an
        attached `run` ends when its container is removed)."""
        while True:
            exited = process.poll() is not None
            await _cli(self.cli, "rm", "-f", name)
            if exited:
                return
            await asyncio.sleep(INSPECT_EVERY_S)
