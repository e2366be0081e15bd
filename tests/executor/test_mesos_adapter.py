"""The executor process under pymesos, against a small fake agent speaking the v1 executor API."""

from __future__ import annotations

import http.server
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

FRAMEWORK, EXECUTOR = "F-0000", "dromos-executor"


class FakeAgent:
    """Serves one executor subscription; records UPDATE calls; the test sends the events."""

    def __init__(self, capabilities: tuple[str, ...] = ()) -> None:
        self.events: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.updates: list[dict[str, Any]] = []
        self.subscribed = threading.Event()
        self._cond = threading.Condition()
        self._capabilities = capabilities
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.endpoint = f"127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        agent = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                call = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if call["type"] == "SUBSCRIBE":
                    agent._stream(self)
                    return
                if call["type"] == "UPDATE":
                    agent._record(call["update"]["status"])
                self.send_response(202)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def _stream(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.send_header("Connection", "close")
        handler.end_headers()
        self._write(handler, self._subscribed())
        self.subscribed.set()
        while (event := self.events.get()) is not None:
            self._write(handler, event)
        handler.wfile.write(b"0\r\n\r\n")

    def _write(self, handler: http.server.BaseHTTPRequestHandler, event: dict[str, Any]) -> None:
        data = json.dumps(event).encode()
        record = b"%d\n%s" % (len(data), data)
        handler.wfile.write(b"%x\r\n%s\r\n" % (len(record), record))
        handler.wfile.flush()

    def _subscribed(self) -> dict[str, Any]:
        return {
            "type": "SUBSCRIBED",
            "subscribed": {
                "executor_info": {
                    "executor_id": {"value": EXECUTOR},
                    "framework_id": {"value": FRAMEWORK},
                },
                "framework_info": {
                    "id": {"value": FRAMEWORK},
                    "user": "nobody",
                    "name": "test",
                    "capabilities": [{"type": c} for c in self._capabilities],
                },
                "agent_info": {"hostname": "localhost", "id": {"value": "S0"}},
            },
        }

    def _record(self, status: dict[str, Any]) -> None:
        with self._cond:
            self.updates.append(status)
            self._cond.notify_all()

    def wait_update(self, task_id: str, state: str, timeout_s: float = 10.0) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            return next(
                (
                    u
                    for u in self.updates
                    if u["task_id"]["value"] == task_id and u["state"] == state
                ),
                None,
            )

        with self._cond:
            assert self._cond.wait_for(find, timeout_s), f"no {state} for {task_id}"
            found = find()
        assert found is not None
        return found

    def states(self, task_id: str) -> list[str]:
        with self._cond:
            return [u["state"] for u in self.updates if u["task_id"]["value"] == task_id]

    def launch(self, task_id: str, command: str, **extra: Any) -> None:
        task = {"name": task_id, "task_id": {"value": task_id}, "agent_id": {"value": "S0"}}
        task |= {"command": {"value": command}, **extra}
        self.events.put({"type": "LAUNCH", "launch": {"task": task}})

    def acknowledge(self, status: dict[str, Any]) -> None:
        ack = {"task_id": status["task_id"], "uuid": status["uuid"]}
        self.events.put({"type": "ACKNOWLEDGED", "acknowledged": ack})

    def close(self) -> None:
        self.events.put(None)
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def agent() -> Iterator[FakeAgent]:
    fake = FakeAgent(("TASK_KILLING_STATE",))
    yield fake
    fake.close()


@pytest.fixture
def start_executor(agent: FakeAgent, tmp_path: Path) -> Iterator[Any]:
    started: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        env = dict(os.environ)
        env.pop("MESOS_CHECKPOINT", None)
        env |= {
            "MESOS_AGENT_ENDPOINT": agent.endpoint,
            "MESOS_FRAMEWORK_ID": FRAMEWORK,
            "MESOS_EXECUTOR_ID": EXECUTOR,
            "MESOS_SANDBOX": str(tmp_path),
            "MESOS_DIRECTORY": str(tmp_path),
            "MESOS_EXECUTOR_SHUTDOWN_GRACE_PERIOD": "2500ms",
        }
        with open(tmp_path / "executor.log", "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "executor", *args],
                env=env,
                cwd=tmp_path,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        started.append(process)
        assert agent.subscribed.wait(10), "the executor never subscribed"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def test_single_task_runs_and_exits_after_its_terminal_update_is_acknowledged(
    agent: FakeAgent, start_executor: Any, tmp_path: Path
) -> None:
    executor = start_executor("--single-task")
    agent.launch("job", "echo hello")

    final = agent.wait_update("job", "TASK_FINISHED")
    assert agent.states("job") == ["TASK_STARTING", "TASK_RUNNING", "TASK_FINISHED"]
    assert final["executor_id"] == {"value": EXECUTOR}
    assert final["source"] == "SOURCE_EXECUTOR"
    assert final["message"] == "Command exited with status 0"
    assert (tmp_path / "stdout").read_text() == "hello\n"
    with pytest.raises(subprocess.TimeoutExpired):
        executor.wait(0.3)

    agent.acknowledge(final)

    assert executor.wait(10) == 0


def test_kill_with_kill_policy_then_shutdown_ends_every_task_and_the_executor(
    agent: FakeAgent, start_executor: Any, tmp_path: Path
) -> None:
    executor = start_executor()
    agent.launch("a", "trap '' TERM; touch ready; sleep 60")
    agent.launch("b", "sleep 60")
    agent.wait_update("b", "TASK_RUNNING")
    deadline = time.monotonic() + 5
    while not (tmp_path / "tasks" / "a" / "ready").exists():  # SIGTERM is ignored from now
        assert time.monotonic() < deadline
        time.sleep(0.01)

    policy = {"grace_period": {"nanoseconds": 200_000_000}}
    agent.events.put({"type": "KILL", "kill": {"task_id": {"value": "a"}, "kill_policy": policy}})
    killed = agent.wait_update("a", "TASK_KILLED")
    agent.events.put({"type": "SHUTDOWN"})

    assert executor.wait(10) == 0
    assert agent.states("a") == ["TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_KILLED"]
    assert killed["message"] == "Command terminated with signal SIGKILL"
    assert agent.states("b")[-1] == "TASK_KILLED"


def test_sigterm_to_the_executor_kills_its_tasks_before_it_exits(
    agent: FakeAgent, start_executor: Any
) -> None:
    executor = start_executor()
    agent.launch("t", "sleep 60")
    agent.wait_update("t", "TASK_RUNNING")

    executor.send_signal(signal.SIGTERM)

    assert executor.wait(10) == 0
    assert agent.states("t")[-1] == "TASK_KILLED"
