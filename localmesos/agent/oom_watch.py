"""A container's OOM kills, seen through its memory cgroup's notifications (cgroups v1).

Why the agent watches for itself: podman 4.3 on these machines (hybrid cgroups, memory on
v1) reports `State.OOMKilled: false` for a container whose process the kernel killed at its
memory limit (exit 137): conmon's OOM watch finds nothing and writes no `oom` file.
Afterwards nothing is left to ask, because the container's cgroup goes with the container
(its memory.failcnt and memory.oom_control are gone by the time `wait` returns). So the agent
registers an eventfd on the cgroup's memory.oom_control while the container runs, the way
conmon means to. The kernel signals it at an OOM in the cgroup, and again when the cgroup
is removed; in the second case the cgroup's files no longer read, which tells the two apart.
Where memory is not on cgroups v1 there is no watch and the CLI's OOMKilled is believed.

An OOM in the cgroup ends the whole container, as Mesos's cgroups memory isolator does: the
kernel kills one process (often a child, not the container's first process), and the watch
tells its owner at once with the limitation's message (`limitation_message`), so the owner
destroys the container rather than waiting for its first process to exit.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Callable
from pathlib import Path

MEMORY_CGROUPS = Path("/sys/fs/cgroup/memory")


def memory_cgroup(pid: int, root: Path = MEMORY_CGROUPS) -> Path | None:
    """The cgroups v1 memory cgroup directory of process `pid`, if it has one."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            directory = root / path.lstrip("/")
            return directory if (directory / "memory.oom_control").exists() else None
    return None


def _size(count: int) -> str:
    """Bytes in the largest unit that loses nothing: 33554432 -> "32MB", 1000 -> "1000B"."""
    for unit, size in (("TB", 2**40), ("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if count and count % size == 0:
            return f"{count // size}{unit}"
    return f"{count}B"


def limitation_message(cgroup: Path) -> str:
    """What Mesos says of a container destroyed at its memory limit: the limit, the most it
    used, and the cgroup's memory.stat (what can be read of them)."""

    def read(name: str) -> str | None:
        try:
            return (cgroup / name).read_text()
        except OSError:
            return None

    message = "Memory limit exceeded: "
    limit, used, stat = (
        read(f"memory.{name}") for name in ("limit_in_bytes", "max_usage_in_bytes", "stat")
    )
    if limit is not None:
        message += f"Requested: {_size(int(limit))} "
    if used is not None:
        message += f"Maximum Used: {_size(int(used))}\n"
    if stat is not None:
        message += f"\nMEMORY STATISTICS: \n{stat}"
    return message


def _kills(control: bytes) -> int:
    """The OOM kills so far in a memory.oom_control's text (its `oom_kill` line, Linux 4.13+;
    0 without it)."""
    for line in control.decode(errors="replace").splitlines():
        name, _, count = line.partition(" ")
        if name == "oom_kill" and count.strip().isdigit():
            return int(count)
    return 0


class OomWatch:
    """Notes (`seen`, `message`) an OOM kill in one memory cgroup until closed, and calls
    `on_oom(message)` at the first."""

    def __init__(self, cgroup: Path, on_oom: Callable[[str], None] = lambda _message: None) -> None:
        self.seen = False
        self.message = ""
        self._cgroup = cgroup
        self._on_oom = on_oom
        self._control = os.open(cgroup / "memory.oom_control", os.O_RDONLY | os.O_CLOEXEC)
        self._event = os.eventfd(0, os.EFD_CLOEXEC | os.EFD_NONBLOCK)
        try:
            (cgroup / "cgroup.event_control").write_text(f"{self._event} {self._control}")
            already = _kills(os.pread(self._control, 4096, 0))
        except OSError:
            self._close_fds()
            raise
        loop = asyncio.get_running_loop()
        loop.add_reader(self._event, self._notified)
        self._open = True
        if already:
            loop.call_soon(self._notified)  # it came before the watch: tell it all the same

    @classmethod
    def of_process(
        cls, pid: int, on_oom: Callable[[str], None] = lambda _message: None
    ) -> OomWatch | None:
        """A watch on the memory cgroup of `pid`; None without cgroups v1 memory (or once the
        process is gone)."""
        cgroup = memory_cgroup(pid)
        if cgroup is None:
            return None
        try:
            return cls(cgroup, on_oom)
        except OSError:
            return None

    def _notified(self) -> None:
        if not self._open:
            return
        with contextlib.suppress(BlockingIOError):
            os.eventfd_read(self._event)
        try:
            os.pread(self._control, 4096, 0)
        except OSError:
            self.close()  # the cgroup was removed: the container has ended
            return
        if not self.seen:
            self.seen = True
            self.message = limitation_message(self._cgroup)
            self._on_oom(self.message)

    def close(self) -> None:
        if self._open:
            self._open = False
            asyncio.get_running_loop().remove_reader(self._event)
            self._close_fds()

    def _close_fds(self) -> None:
        os.close(self._event)
        os.close(self._control)
