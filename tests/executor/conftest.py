"""Fixtures for executor tests: a recording status sink, orchestrators, loopback servers."""

from __future__ import annotations

import http.server
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from executor.runner import Orchestrator
from executor.sandbox import SandboxLayout
from executor.status import TaskState, TaskStatus


class RecordingSink:
    """Records every status update, in order, and lets a test wait for one."""

    def __init__(self) -> None:
        self.updates: list[tuple[float, TaskStatus]] = []
        self._cond = threading.Condition()

    def send(self, status: TaskStatus) -> None:
        with self._cond:
            self.updates.append((time.monotonic(), status))
            self._cond.notify_all()

    def of(self, task_id: str) -> list[TaskStatus]:
        with self._cond:
            return [s for _, s in self.updates if s.task_id == task_id]

    def states(self, task_id: str) -> list[TaskState]:
        return [s.state for s in self.of(task_id)]

    def wait_for(
        self, predicate: Callable[[TaskStatus], bool], timeout_s: float = 10.0
    ) -> tuple[float, TaskStatus]:
        """The first (arrival time, status) matching `predicate`, waiting for it if needed."""
        found: list[tuple[float, TaskStatus]] = []

        def match() -> bool:
            found[:] = [u for u in self.updates if predicate(u[1])][:1]
            return bool(found)

        with self._cond:
            assert self._cond.wait_for(match, timeout_s), f"no matching update in {self.updates}"
        return found[0]

    def wait_terminal(self, task_id: str, timeout_s: float = 10.0) -> TaskStatus:
        return self.wait_for(lambda s: s.task_id == task_id and s.state.is_terminal, timeout_s)[1]


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@pytest.fixture
def make_orchestrator(tmp_path: Path, sink: RecordingSink) -> Iterator[Callable[..., Orchestrator]]:
    """Builds orchestrators over `tmp_path`; every task still running is killed at teardown."""
    made: list[Orchestrator] = []

    def make(single_task: bool = False) -> Orchestrator:
        orchestrator = Orchestrator(sink, SandboxLayout(tmp_path, single_task))
        made.append(orchestrator)
        return orchestrator

    yield make
    for orchestrator in made:
        assert orchestrator.shutdown(0.0)


@pytest.fixture
def orchestrator(make_orchestrator: Callable[..., Orchestrator]) -> Orchestrator:
    return make_orchestrator()


def task_info(task_id: str, command: str | dict[str, Any], **extra: Any) -> dict[str, Any]:
    """A TaskInfo as pymesos hands it to the executor; a str command is a shell command."""
    return {
        "name": task_id,
        "task_id": {"value": task_id},
        "agent_id": {"value": "A-S0"},
        "command": {"value": command, "shell": True} if isinstance(command, str) else command,
        **extra,
    }


@pytest.fixture
def make_task_info() -> Callable[..., dict[str, Any]]:
    return task_info


def live_processes() -> dict[int, int]:
    """pid -> process group of every process on the machine that is not a zombie."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] not in ("Z", "X"):
            found[int(stat.parent.name)] = int(fields[2])
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    return free_port()


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, float, str | None]] = {}

    def do_GET(self) -> None:
        status, delay_s, location = self.routes.get(self.path, (404, 0.0, None))
        time.sleep(delay_s)
        self.send_response(status)
        if location:
            self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HttpServer:
    """A loopback HTTP server whose routes answer a fixed status, optionally after a delay."""

    def __init__(self) -> None:
        handler = type("Handler", (_Handler,), {"routes": {}})
        self.routes: dict[str, tuple[int, float, str | None]] = handler.routes
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def route(
        self, path: str, status: int, delay_s: float = 0.0, location: str | None = None
    ) -> None:
        self.routes[path] = (status, delay_s, location)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def http_server() -> Iterator[HttpServer]:
    server = HttpServer()
    yield server
    server.close()


@pytest.fixture
def tcp_listener() -> Iterator[socket.socket]:
    """A loopback socket that accepts connections (the kernel completes the handshake)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock
    sock.close()
