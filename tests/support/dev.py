"""Run a real `dromos dev` (embedded Mesos + scheduler) for end-to-end tests.

    with running_dev(tmp_path) as dev:
        requests.post(dev.url + "/v2/apps", json={...})

It binds free loopback ports, waits until the scheduler is registered with Mesos, and
on exit stops everything it started, executors and tasks included.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests

from tests.protocol import oracle
from tests.support.localmesos import WIRE_LOG, free_port, reserved_port_range, stop_tree

T = TypeVar("T")

START_TIMEOUT_S = 30.0


@dataclass
class Dev:
    url: str
    mesos_url: str
    data_dir: Path
    process: subprocess.Popen[bytes]
    agent_ports: str  # BEGIN-END, this cluster's own

    def log(self) -> str:
        return (self.data_dir / "dev.log").read_text(errors="replace")

    def get(self, path: str, **kwargs: Any) -> Any:
        response = requests.get(self.url + path, timeout=10, **kwargs)
        response.raise_for_status()
        return response.json()

    def scheduler_pid(self) -> int:
        return int((self.data_dir / "scheduler.pid").read_text())

    def signal_agent(self, n: int, signum: int) -> None:
        """SIGKILL, SIGSTOP or SIGCONT agent n (1-based) of `dromos dev --agents N`."""
        agent_dir = self.data_dir / "localmesos" / f"agent{n}"
        os.kill(int((agent_dir / "agent.pid").read_text()), signum)

    def wait_agents(self, count: int, timeout_s: float = START_TIMEOUT_S) -> None:
        """Until `count` agent processes have registered with the master."""
        def registered() -> bool:
            with contextlib.suppress(requests.RequestException, ValueError):
                state = requests.get(self.mesos_url + "/master/state", timeout=2).json()
                return bool(state["activated_slaves"] >= count)
            return False

        wait_for(registered, timeout_s, lambda: f"agents never registered:\n{self.log()}")

    def kill_scheduler(self) -> None:
        """SIGKILL the scheduler process; `dromos dev` starts it again."""
        os.kill(self.scheduler_pid(), signal.SIGKILL)

    def wait_registered(self, timeout_s: float = START_TIMEOUT_S) -> None:
        def registered() -> bool:
            with contextlib.suppress(requests.RequestException):
                metrics = requests.get(self.url + "/metrics", timeout=2).text
                return "dromos_mesos_connected 1.0" in metrics
            return False

        wait_for(registered, timeout_s, lambda: f"scheduler never registered:\n{self.log()}")


def wait_for(
    condition: Callable[[], T | None], timeout_s: float, message: Callable[[], str] | str = "",
    interval_s: float = 0.05,
) -> T:
    """Poll `condition` until it returns something truthy; fail after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message() if callable(message) else message or "timed out")
        time.sleep(interval_s)


@contextlib.contextmanager
def running_dev(data_dir: Path, *options: str, port: int | None = None,
                ready: Callable[[Dev], None] = Dev.wait_registered,
                cwd: Path | None = None) -> Iterator[Dev]:
    """`options` are more `dromos dev` options (e.g. "--job-retry-delay", "1"); `cwd` is
    the directory it runs in (the tests' own by default)."""
    with reserved_port_range() as agent_ports:
        port, mesos_port = port or free_port(), free_port()
        command = [sys.executable, "-m", "scheduler.process.cli", "dev", "--port", str(port),
                   "--mesos-port", str(mesos_port), "--data-dir", str(data_dir),
                   "--ports", agent_ports, *options]
        agents = int(options[options.index("--agents") + 1]) if "--agents" in options else 1
        yield from _running(command, data_dir, port, mesos_port, agent_ports, agents, ready,
                            cwd)


@contextlib.contextmanager
def running_dev_command(command: list[str], data_dir: Path, port: int, mesos_port: int,
                        agent_ports: str) -> Iterator[Dev]:
    """`command`: a `dromos dev` command line of another's making (as `make run` gives it)
    that uses these ports and data dir, and one agent."""
    yield from _running(command, data_dir, port, mesos_port, agent_ports, 1,
                        Dev.wait_registered)


def _running(command: list[str], data_dir: Path, port: int, mesos_port: int,
             agent_ports: str, agents: int, ready: Callable[[Dev], None],
             cwd: Path | None = None) -> Iterator[Dev]:
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "LOCALMESOS_WIRE_LOG": str(data_dir / WIRE_LOG)}
    with open(data_dir / "dev.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True, env=env, cwd=cwd)
    dev = Dev(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{mesos_port}", data_dir, process,
              agent_ports)
    try:
        ready(dev)
        dev.wait_agents(agents)
        yield dev
    finally:
        _stop(dev)
    oracle.check(data_dir / WIRE_LOG)


def _stop(dev: Dev) -> None:
    stop_tree(dev.process, dev.data_dir, 20)
