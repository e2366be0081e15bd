"""Executor processes: sandbox, environment, own session, exit watch and destruction.

A "container" here is an executor process in its own session plus everything it
spawned. Destroying it kills the executor's descendants and every process that
inherited the container's marker variable (tasks that started their own sessions
and outlived the executor included), which is what cgroups give a real agent.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from localmesos.agent.task_user import TaskUser

CONTAINER_MARKER = "LOCALMESOS_CONTAINER_ID"


@dataclass
class Container:
    """A running executor process; `on_exit` gets its raw wait status (exit 1 -> 256)."""

    id: str
    process: subprocess.Popen[bytes]

    def signal_group(self, signum: int) -> None:
        """Signal the process group of the executor, unless it has been reaped already."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signum)

    def destroy(self) -> None:
        """SIGKILL the executor and everything that belongs to its container."""
        self.signal_group(signal.SIGKILL)
        root = self.process.pid if self.process.returncode is None else None
        for pid in container_pids(root, self.id):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def argv_of(command: Mapping[str, Any]) -> list[str]:
    """CommandInfo to argv: shell (the default) runs `/bin/sh -c value`."""
    if command.get("shell", True):
        return ["/bin/sh", "-c", str(command.get("value", ""))]
    arguments = [str(a) for a in command.get("arguments", [])]
    return [str(command.get("value", "")), *arguments[1:]]


def environment_of(command: Mapping[str, Any]) -> dict[str, str]:
    """The plain VALUE variables of a CommandInfo's environment."""
    variables = command.get("environment", {}).get("variables", [])
    return {
        str(v["name"]): str(v.get("value", ""))
        for v in variables
        if isinstance(v, dict) and "name" in v and v.get("type", "VALUE") == "VALUE"
    }


def launch(
    argv: list[str],
    env: Mapping[str, str],
    directory: Path,
    on_exit: Callable[[int], None],
    user: TaskUser | None = None,
) -> Container:
    """Start `argv` in `directory` (created) with stdout/stderr files, in its own session
    (as `user` when given)."""
    directory.mkdir(parents=True, exist_ok=True)
    container_id = directory.name
    _link_latest(directory)
    with open(directory / "stdout", "ab") as out, open(directory / "stderr", "ab") as err:
        process = subprocess.Popen(
            argv,
            cwd=directory,
            env={**env, CONTAINER_MARKER: container_id},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
            close_fds=True,
            user=None if user is None else user.uid,
            group=None if user is None else user.gid,
            extra_groups=None if user is None else list(user.groups),
        )
    _watch_exit(process, on_exit)
    return Container(container_id, process)


def _link_latest(directory: Path) -> None:
    """`runs/latest` points at the newest run, as a Mesos agent keeps it."""
    latest = directory.parent / "latest"
    latest.unlink(missing_ok=True)
    latest.symlink_to(directory.name)


def destroy_leftovers(work_dir: Path) -> None:
    """SIGKILL what runs in containers of an earlier life of this agent: it restarted and
    cannot take them back, so their tasks are gone (as a Mesos agent without recovery)."""
    for run in work_dir.glob("slaves/*/frameworks/*/executors/*/runs/*"):
        if run.is_symlink():
            continue
        for pid in container_pids(None, run.name):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def new_container_id() -> str:
    return str(uuid.uuid4())


def _watch_exit(process: subprocess.Popen[bytes], on_exit: Callable[[int], None]) -> None:
    """Call `on_exit` from the loop when the process ends (a pidfd, so no thread per child)."""
    loop = asyncio.get_running_loop()
    pidfd = os.pidfd_open(process.pid)

    def reap() -> None:
        loop.remove_reader(pidfd)
        os.close(pidfd)
        process.wait()
        code = process.returncode
        on_exit(code << 8 if code >= 0 else -code)

    loop.add_reader(pidfd, reap)


def container_pids(root: int | None, container_id: str) -> set[int]:
    """The root (if still alive), its descendants and processes carrying the marker."""
    return containers_pids({root} if root is not None else set(), {container_id})


def containers_pids(roots: set[int], container_ids: set[str]) -> set[int]:
    """The processes of several containers, in one walk of /proc: the roots, processes
    carrying one of their markers, and the descendants of both."""
    parents: dict[int, int] = {}
    marked = set(roots)
    markers = {f"{CONTAINER_MARKER}={container_id}".encode() for container_id in container_ids}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        try:
            if not markers.isdisjoint((entry / "environ").read_bytes().split(b"\0")):
                marked.add(int(entry.name))
        except OSError:
            continue
    found = set(marked)
    frontier = set(marked)
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


class Sweeper:
    """Destroys containers whose root has exited, all those of one turn of the loop in one
    walk of /proc (a walk costs as much for one container as for a thousand: it reads every
    process of the machine, a second of wall time on a loaded one), on a worker thread so
    the agent's loop goes on sending updates meanwhile."""

    def __init__(self) -> None:
        self._pending: set[str] = set()
        self._walks: set[asyncio.Task[None]] = set()  # held: the loop keeps weak references

    def sweep(self, container_id: str) -> None:
        if not self._pending:
            walk = asyncio.get_running_loop().create_task(self._run())
            self._walks.add(walk)
            walk.add_done_callback(self._walks.discard)
        self._pending.add(container_id)

    async def _run(self) -> None:
        await asyncio.sleep(0)  # the rest of this turn's exits join the walk
        pending, self._pending = self._pending, set()
        for pid in await asyncio.to_thread(containers_pids, set(), pending):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
