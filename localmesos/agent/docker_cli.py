"""The docker-compatible CLI the docker containerizer drives: running its commands, telling
podman from Docker's own CLI, and watching processes that are not the agent's children.

Both CLIs take the same `run`, `inspect`, `wait`, `stop`, `kill`, `exec` and `rm`. They
differ in how a container's output reaches the sandbox: podman's `passthrough` log driver
hands the container the CLI's own stdout/stderr, so `run -d` returns at once and no process
stays behind; Docker's CLI has no such driver (its daemon keeps the output), so its `run`
stays attached for the container's life with its stdout/stderr on the sandbox's files, as
Mesos's docker executor runs it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any

# Tasks kept alive until done: the loop holds only weak references to them.
_background: set[asyncio.Task[Any]] = set()


async def run(*argv: str) -> tuple[int, str, str]:
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


def in_background(work: Coroutine[Any, Any, Any]) -> None:
    running = asyncio.get_running_loop().create_task(work)
    _background.add(running)
    running.add_done_callback(_background.discard)


def is_podman(version: str) -> bool:
    """From `<cli> --version` ("podman version 4.3.1", "Docker version 28.2.2, build ..."):
    only podman has the passthrough log driver."""
    return version.lower().startswith("podman")


async def has_passthrough(cli: str) -> bool:
    """Whether `cli` is podman (asked once per agent; a CLI that cannot say is taken for
    Docker's, which needs nothing the other lacks)."""
    code, out, _ = await run(cli, "--version")
    return code == 0 and is_podman(out)


async def ended(pid: int) -> None:
    """Until process `pid` has exited (a pidfd: no thread, and the process need not be the
    agent's child; a child stays to be reaped)."""
    try:
        pidfd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()

    def readable() -> None:
        loop.remove_reader(pidfd)  # it stays readable: once is enough
        done.set_result(None)

    loop.add_reader(pidfd, readable)
    try:
        await done
    finally:
        loop.remove_reader(pidfd)
        os.close(pidfd)
