"""Run `dromos localmesos` as a subprocess for tests.

    from tests.support.localmesos import running_localmesos

    with running_localmesos(tmp_path / "mesos") as mesos:
        requests.get(mesos.url + "/master/state")

or use the `localmesos` fixture (import it into a conftest.py or test module). The
process gets a free loopback port and its own session; on exit it is stopped with
SIGTERM (it shuts its executors down) and anything left of it or its executors is
SIGKILLed, so no process outlives the test.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 15.0
# Agent port ranges of test clusters: blocks below the kernel's ephemeral ports (32768+),
# each held by a lock file while its cluster runs, so clusters of parallel test runs (other
# workers, other checkouts) never offer the same ports.
PORT_BLOCKS = range(20000, 32000, 200)
PORT_LOCKS = Path("/tmp/dromos-test-port-blocks")


@dataclass
class LocalMesos:
    """A running localmesos: master and agent on `url` (http://127.0.0.1:port)."""

    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]

    @property
    def address(self) -> str:
        """`host:port`, the form pymesos' MesosSchedulerDriver takes."""
        return f"127.0.0.1:{self.port}"

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=5) as response:
            return json.load(response)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.get("/master/state")
        return state

    def log(self) -> str:
        return (self.data_dir / "localmesos.log").read_text(errors="replace")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def reserved_port_range() -> Iterator[str]:
    """An agent port range ("BEGIN-END") no other test cluster on this machine holds."""
    PORT_LOCKS.mkdir(exist_ok=True)
    blocks = list(PORT_BLOCKS)
    random.shuffle(blocks)
    for begin in blocks:
        with open(PORT_LOCKS / f"{begin}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield f"{begin}-{begin + PORT_BLOCKS.step - 1}"
            return
    raise RuntimeError("every test port block is taken")


@contextlib.contextmanager
def running_localmesos(data_dir: Path, *args: str) -> Iterator[LocalMesos]:
    """Start localmesos with `args` (e.g. "--heartbeat-seconds", "1"); stop it on exit."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "scheduler.process.cli",
        "localmesos",
        "--port",
        str(port),
        "--data-dir",
        str(data_dir),
        *args,
    ]
    with open(data_dir / "localmesos.log", "ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    mesos = LocalMesos(f"http://127.0.0.1:{port}", port, data_dir, process)
    try:
        _wait_until_up(mesos)
        yield mesos
    finally:
        _stop(mesos)


@pytest.fixture
def localmesos(tmp_path: Path) -> Iterator[LocalMesos]:
    """A fresh localmesos per test, with one-second heartbeats."""
    with running_localmesos(tmp_path / "localmesos", "--heartbeat-seconds", "1") as mesos:
        yield mesos


def _wait_until_up(mesos: LocalMesos) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if mesos.process.poll() is not None:
            raise RuntimeError(f"localmesos exited early:\n{mesos.log()}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            mesos.get("/version")
            return
        time.sleep(0.05)
    raise RuntimeError(f"localmesos did not answer /version:\n{mesos.log()}")


def _stop(mesos: LocalMesos) -> None:
    stop_tree(mesos.process, mesos.data_dir, STOP_TIMEOUT_S)


def stop_tree(process: subprocess.Popen[bytes], data_dir: Path, grace_s: float) -> None:
    """SIGTERM a process started in its own session, then SIGKILL its group and every
    executor or task still running below `data_dir`."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(grace_s)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for pid in processes_under(data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def processes_under(data_dir: Path) -> list[int]:
    """Processes whose MESOS_DIRECTORY is below `data_dir`: executors and their tasks."""
    prefix = f"MESOS_DIRECTORY={data_dir}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if any(item.startswith(prefix) for item in environ):
            found.append(int(entry.name))
    return found
