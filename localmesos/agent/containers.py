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
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from localmesos.agent.task_user import TaskUser

CONTAINER_MARKER = "LOCALMESOS_CONTAINER_ID"
MAX_SWEEP_REST_SECONDS = 1.0


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

    def destroy(self, sweeper: Sweeper) -> asyncio.Future[None]:
        """SIGKILL the executor's process group now, and everything else that belongs to its
        container once `sweeper` has found it (the future is done then)."""
        self.signal_group(signal.SIGKILL)
        return sweeper.sweep(self.id)


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
    _LAUNCHED[process.pid] = container_id
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
    runs = {
        run.name
        for run in work_dir.glob("slaves/*/frameworks/*/executors/*/runs/*")
        if not run.is_symlink()
    }
    if not runs:
        return
    kill_containers(runs)


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
        _LAUNCHED.pop(process.pid, None)
        code = process.returncode
        on_exit(code << 8 if code >= 0 else -code)

    loop.add_reader(pidfd, reap)


def container_pids(root: int | None, container_id: str) -> set[int]:
    """The root (if still alive), its descendants and processes carrying the marker."""
    return containers_pids({root} if root is not None else set(), {container_id})


def kill_containers(container_ids: set[str]) -> None:
    """SIGKILL every process of these containers (one walk of /proc; blocking)."""
    table = ProcessTable.read()
    table.kill(table.members(set(), container_ids))


def containers_pids(roots: set[int], container_ids: set[str]) -> set[int]:
    """The processes of several containers, in one walk of /proc: the roots, processes
    carrying one of their markers, and the descendants of both."""
    table = ProcessTable.read()
    return table.members(roots, container_ids)


# The container of each process the agent started (known without reading its environment;
# it exec'd before Popen returned), until it is reaped and its pid may be reused.
_LAUNCHED: dict[int, str] = {}
# The parent and start time of each process the last walk saw, by pid: a walk reads the
# stat of new pids only, and before a kill the start time again (a reused pid is another
# process). A child whose parent died keeps its old parent here; gone, the parent is in no
# container, so the child is found by its marker, as when it was read fresh (parent 1).
_STATS: dict[int, tuple[int, int]] = {}
# The marker found in a process's environment, by (pid, start time): a process keeps it
# for life, so a walk reads the environment only of processes it has not seen before.
_MARKERS: dict[tuple[int, int], str | None] = {}
_MARKER_PREFIX = CONTAINER_MARKER.encode() + b"="
_WALKING = threading.Lock()


def _read(path: str) -> bytes:
    """A whole small file of /proc (plain os calls: a walk reads thousands)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        chunks = [os.read(fd, 65536)]
        while chunks[-1]:
            chunks.append(os.read(fd, 65536))
        return b"".join(chunks)
    finally:
        os.close(fd)


def _stat_of(pid: int) -> tuple[int, int] | None:
    """A process's parent and start time, None if it is gone."""
    try:
        fields = _read(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
        return int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def _marker_of(pid: int) -> str | None:
    try:
        environ = _read(f"/proc/{pid}/environ")
    except OSError:
        return None
    at = environ.find(_MARKER_PREFIX)
    while at > 0 and environ[at - 1] != 0:  # inside another variable's value
        at = environ.find(_MARKER_PREFIX, at + 1)
    if at < 0:
        return None
    begin = at + len(_MARKER_PREFIX)
    end = environ.find(b"\0", begin)
    return environ[begin : end if end >= 0 else len(environ)].decode(errors="replace")


@dataclass
class ProcessTable:
    """The machine's processes as one walk of /proc saw them: each one's parent and the
    container marker in its environment (None without one)."""

    parents: dict[int, int]
    markers: dict[int, str | None]
    started: dict[int, int] = field(default_factory=dict)  # start time (clock ticks)
    _indexes: dict[str, dict[Any, list[int]]] = field(default_factory=dict)

    def _children(self) -> dict[Any, list[int]]:
        if "children" not in self._indexes:
            children: dict[Any, list[int]] = {}
            for pid, parent in self.parents.items():
                children.setdefault(parent, []).append(pid)
            self._indexes["children"] = children
        return self._indexes["children"]

    def _by_marker(self) -> dict[Any, list[int]]:
        if "markers" not in self._indexes:
            by_marker: dict[Any, list[int]] = {}
            for pid, marker in self.markers.items():
                if marker is not None:
                    by_marker.setdefault(marker, []).append(pid)
            self._indexes["markers"] = by_marker
        return self._indexes["markers"]

    @classmethod
    def read(cls) -> ProcessTable:
        with _WALKING:  # walks share the marker cache: one at a time
            return cls._read()

    @classmethod
    def _read(cls) -> ProcessTable:
        parents: dict[int, int] = {}
        markers: dict[int, str | None] = {}
        started_at: dict[int, int] = {}
        seen: set[tuple[int, int]] = set()
        alive: set[int] = set()
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            pid = int(name)
            alive.add(pid)
            stat = _STATS.get(pid)
            if stat is None:
                stat = _stat_of(pid)
                if stat is None:
                    continue
                _STATS[pid] = stat
            parent, started = stat
            parents[pid] = parent
            started_at[pid] = started
            marker = _LAUNCHED.get(pid)
            if marker is None:
                key = (pid, started)
                seen.add(key)
                if key in _MARKERS:
                    marker = _MARKERS[key]
                else:
                    marker = _MARKERS[key] = _marker_of(pid)
            markers[pid] = marker
        for key in [key for key in _MARKERS if key not in seen]:
            _MARKERS.pop(key, None)
        for pid in [pid for pid in _STATS if pid not in alive]:
            _STATS.pop(pid, None)
        return cls(parents, markers, started_at)

    def kill(self, pids: set[int]) -> None:
        """SIGKILL these processes, each only if it is still the one this walk saw (its
        pid was not reused since)."""
        for pid in pids:
            now = _stat_of(pid)
            if now is not None and now[1] == self.started.get(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)

    def members(self, roots: set[int], container_ids: set[str]) -> set[int]:
        """The processes of these containers: the roots still alive, those carrying one of
        their markers, and the descendants of both."""
        found = {pid for pid in roots if pid in self.parents}
        found |= {pid for ids in container_ids for pid in self._by_marker().get(ids, ())}
        children = self._children()
        frontier = list(found)
        while frontier:
            pid = frontier.pop()
            for child in children.get(pid, ()):
                if child not in found:
                    found.add(child)
                    frontier.append(child)
        return found


class Sweeper:
    """Kills what is left of containers whose root has ended (or that are destroyed).

    Every container handed to it while a walk of /proc runs waits for the next walk, so
    walks run one after another, each for all the containers that ended meanwhile, however
    many end at once (a walk of thousands of processes takes a good part of a second on a
    loaded machine); they run on a worker thread, so the agent's loop goes on meanwhile."""

    def __init__(self) -> None:
        self._pending: dict[str, asyncio.Future[None]] = {}
        self._walker: asyncio.Task[None] | None = None

    def sweep(self, container_id: str) -> asyncio.Future[None]:
        """Kill the container's processes soon; done once they have been signalled."""
        loop = asyncio.get_running_loop()
        done = self._pending.get(container_id)
        if done is None:
            done = self._pending[container_id] = loop.create_future()
        if self._walker is None or self._walker.done():
            self._walker = loop.create_task(self._walk())
        return done

    async def drain(self) -> None:
        """Until every container handed over so far has been swept."""
        while self._walker is not None and not self._walker.done():
            await asyncio.shield(self._walker)

    async def _walk(self) -> None:
        loop = asyncio.get_running_loop()
        rest = 0.0
        while self._pending:
            # The rest of this turn's exits join the walk; after a walk, as long a rest
            # (bounded), so that while thousands of tasks end the walks take at most about
            # half a CPU from the tasks and the agent, however many containers each covers.
            await asyncio.sleep(rest)
            pending, self._pending = self._pending, {}
            began = loop.time()
            try:
                await asyncio.to_thread(kill_containers, set(pending))
            finally:
                for done in pending.values():
                    if not done.done():
                        done.set_result(None)
            rest = min(loop.time() - began, MAX_SWEEP_REST_SECONDS)
