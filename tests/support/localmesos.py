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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.protocol import oracle

START_TIMEOUT_S = 20.0
REGISTER_S_PER_AGENT = 0.005
# Every message that crossed localmesos, checked against Mesos's protobuf definitions.
WIRE_LOG = "wire.jsonl"
STOP_TIMEOUT_S = 15.0
# Agent port ranges of test clusters, and servers' ports: blocks below the kernel's ephemeral
# ports (32768+), each held by a lock file while its cluster runs, so clusters of parallel
# test runs (other workers, other checkouts) never offer or bind the same ports.
PORT_BLOCKS = range(20000, 32000, 200)
SERVER_BLOCKS = range(32000, 32768, 8)
PORT_LOCKS = Path("/tmp/dromos-test-port-blocks")


@dataclass
class LocalMesos:
    """A running localmesos: master and agent on `url` (http://127.0.0.1:port)."""

    url: str
    port: int
    data_dir: Path
    process: subprocess.Popen[bytes]
    restarted: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def address(self) -> str:
        """`host:port`, the form pymesos' MesosSchedulerDriver takes."""
        return f"127.0.0.1:{self.port}"

    def get(self, path: str) -> Any:
        return self.get_url(self.url + path)

    @staticmethod
    def get_url(url: str) -> Any:
        with urllib.request.urlopen(url, timeout=5) as response:
            return json.load(response)

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.get("/master/state")
        return state

    def agent_urls(self) -> list[str]:
        """http://ip:port of each registered agent, in registration order."""
        slaves = self.state()["slaves"]
        return ["http://" + agent["pid"].split("@", 1)[1] for agent in slaves]

    @property
    def agent_url(self) -> str:
        """The first agent's URL (the only one unless started with --agents)."""
        return self.agent_urls()[0]

    def agent_get(self, path: str, agent: int = 0) -> Any:
        return self.get_url(self.agent_urls()[agent] + path)

    def log(self) -> str:
        return (self.data_dir / "localmesos.log").read_text(errors="replace")

    def agent_dir(self, n: int) -> Path:
        """The work dir of agent n (1-based) of `--agents N`; the data dir with one agent."""
        return self.data_dir / f"agent{n}" if (self.data_dir / "agent1").is_dir() else self.data_dir

    def agent_pid(self, n: int) -> int:
        return int((self.agent_dir(n) / "agent.pid").read_text())

    def signal_agent(self, n: int, signum: int) -> None:
        """SIGSTOP, SIGCONT or SIGKILL agent n (1-based) alone."""
        os.kill(self.agent_pid(n), signum)

    def kill_agent(self, n: int) -> list[str]:
        """SIGKILL agent n; returns its command line, to `start_agent` it again."""
        pid = self.agent_pid(n)
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().rstrip(b"\0").split(b"\0")
        os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        return [arg.decode() for arg in argv]

    def start_agent(self, argv: list[str]) -> None:
        """Start an agent process (a killed one again, from its argv); stopped with the cluster."""
        with open(self.data_dir / "localmesos.log", "ab") as log:
            process = subprocess.Popen(
                argv, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.restarted.append(process)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def reserved_port_range() -> Iterator[str]:
    """An agent port range ("BEGIN-END") no other test cluster on this machine holds."""
    with _reserved(PORT_BLOCKS) as begin:
        yield f"{begin}-{begin + PORT_BLOCKS.step - 1}"


@contextlib.contextmanager
def reserved_ports(count: int) -> Iterator[list[int]]:
    """`count` consecutive ports for servers (schedulers' APIs) that no other test holds and
    no outgoing connection takes (they lie below the kernel's ephemeral ports)."""
    assert count <= SERVER_BLOCKS.step
    with _reserved(SERVER_BLOCKS) as begin:
        yield [begin + i for i in range(count)]


@contextlib.contextmanager
def _reserved(blocks: range) -> Iterator[int]:
    """The first port of a block of `blocks` that this process holds (a lock file) until exit."""
    PORT_LOCKS.mkdir(exist_ok=True)
    order = list(blocks)
    random.shuffle(order)
    for begin in order:
        with open(PORT_LOCKS / f"{begin}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            yield begin
            return
    raise RuntimeError("every test port block is taken")


@contextlib.contextmanager
def running_localmesos(
    data_dir: Path, *args: str, oracle_checks: bool = True
) -> Iterator[LocalMesos]:
    """Start localmesos with `args` (e.g. "--heartbeat-seconds", "1"); stop it on exit.
    With `oracle_checks`, every message that crossed it is checked against Mesos's
    protobuf definitions once it stops (benchmarks turn that off)."""
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
    env = {**os.environ}
    if oracle_checks:
        env["LOCALMESOS_WIRE_LOG"] = str(data_dir / WIRE_LOG)
    with open(data_dir / "localmesos.log", "ab") as log:
        process = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env
        )
    mesos = LocalMesos(f"http://127.0.0.1:{port}", port, data_dir, process)
    agents = int(args[args.index("--agents") + 1]) if "--agents" in args else 1
    if "--simulated-agents" in args:
        agents += int(args[args.index("--simulated-agents") + 1])
    try:
        _wait_until_up(mesos, agents)
        yield mesos
    finally:
        _stop(mesos)
    oracle.check(data_dir / WIRE_LOG)


@pytest.fixture
def localmesos(tmp_path: Path) -> Iterator[LocalMesos]:
    """A fresh localmesos per test, with one-second heartbeats."""
    with running_localmesos(tmp_path / "localmesos", "--heartbeat-seconds", "1") as mesos:
        yield mesos


def _wait_until_up(mesos: LocalMesos, agents: int) -> None:
    """Until the master answers and all its agents have registered (thousands of simulated
    agents take longer, on a loaded machine some seconds per thousand)."""
    deadline = time.monotonic() + START_TIMEOUT_S + agents * REGISTER_S_PER_AGENT
    while time.monotonic() < deadline:
        if mesos.process.poll() is not None:
            raise RuntimeError(f"localmesos exited early:\n{mesos.log()}")
        with contextlib.suppress(OSError, urllib.error.URLError):
            if mesos.state()["activated_slaves"] >= agents:
                return
        time.sleep(0.05)
    raise RuntimeError(f"localmesos agents did not register:\n{mesos.log()}")


def _stop(mesos: LocalMesos) -> None:
    for agent in mesos.restarted:
        stop_tree(agent, mesos.data_dir, STOP_TIMEOUT_S)
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
