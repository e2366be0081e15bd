"""One task's life: a kill before it starts, and health checks that report `healthy` in
TASK_RUNNING and kill failing tasks."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

from executor.clock import SystemClock
from executor.sandbox import SandboxLayout
from executor.status import HEALTH_CHECK_UPDATED, TaskState
from executor.task_runner import TaskRunner
from executor.task_spec import parse_task

TaskInfo = Callable[..., dict[str, Any]]
FAST = {"delay_seconds": 0, "interval_seconds": 0.05, "grace_period_seconds": 0}


def health_updates(sink, task_id: str) -> list[bool | None]:
    return [s.healthy for s in sink.of(task_id) if s.reason == HEALTH_CHECK_UPDATED]


def test_a_task_killed_before_it_is_prepared_ends_killed_without_running(
    sink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    spec = parse_task(make_task_info("early", "touch ran"))
    runner = TaskRunner(spec, SandboxLayout(tmp_path), sink, lambda task_id: None,
                        SystemClock(), {"PATH": "/usr/bin:/bin"})

    runner.kill()  # a shutdown racing the LAUNCH that registered the task
    runner.launch()

    assert sink.states("early") == [TaskState.KILLED]
    assert not (tmp_path / "tasks" / "early").exists()


def test_passing_http_check_reports_healthy_once(
    orchestrator, sink, http_server, make_task_info: TaskInfo
) -> None:
    http_server.route("/health", 200)
    check = {"type": "HTTP", "http": {"port": http_server.port, "path": "/health"}, **FAST}
    orchestrator.launch(make_task_info("web", "sleep 30", health_check=check))

    _, update = sink.wait_for(lambda s: s.healthy is True)

    assert update.state is TaskState.RUNNING
    assert update.reason == HEALTH_CHECK_UPDATED
    orchestrator.kill("web", 0.0)
    sink.wait_terminal("web")
    assert health_updates(sink, "web") == [True]


def test_failing_http_check_kills_after_consecutive_failures(
    orchestrator, sink, http_server, make_task_info: TaskInfo
) -> None:
    http_server.route("/health", 503)
    check = {"type": "HTTP", "http": {"port": http_server.port, "path": "/health"}}
    check |= {**FAST, "consecutive_failures": 3}
    orchestrator.launch(make_task_info("web", "sleep 30", health_check=check))

    final = sink.wait_terminal("web")

    assert final.state is TaskState.KILLED
    assert final.healthy is False
    assert health_updates(sink, "web") == [False, False, False]
    assert sink.states("web") == [TaskState.STARTING, *[TaskState.RUNNING] * 4, TaskState.KILLED]


def test_tcp_check_reports_healthy_then_unhealthy_when_the_port_closes(
    orchestrator, sink, tcp_listener: socket.socket, make_task_info: TaskInfo
) -> None:
    check = {"type": "TCP", "tcp": {"port": tcp_listener.getsockname()[1]}, **FAST}
    check["consecutive_failures"] = 2
    orchestrator.launch(make_task_info("db", "sleep 30", health_check=check))
    sink.wait_for(lambda s: s.healthy is True)

    tcp_listener.close()
    final = sink.wait_terminal("db")

    assert final.state is TaskState.KILLED
    assert final.healthy is False
    assert health_updates(sink, "db") == [True, False, False]


def test_command_check_failures_within_the_grace_period_are_ignored(
    orchestrator, sink, make_task_info: TaskInfo
) -> None:
    check = {"type": "COMMAND", "command": {"value": "test -e ready"}, **FAST}
    check |= {"grace_period_seconds": 30, "consecutive_failures": 1}
    command = "sleep 0.3; touch ready; sleep 30"
    orchestrator.launch(make_task_info("slow", command, health_check=check))

    sink.wait_for(lambda s: s.healthy is True)

    assert health_updates(sink, "slow") == [True]
    assert sink.states("slow") == [TaskState.STARTING, TaskState.RUNNING, TaskState.RUNNING]


def test_command_check_timing_out_counts_as_a_failure(
    orchestrator, sink, make_task_info: TaskInfo
) -> None:
    check = {"type": "COMMAND", "command": {"value": "sleep 30"}, **FAST}
    check |= {"timeout_seconds": 0.1, "consecutive_failures": 1}
    orchestrator.launch(make_task_info("hung", "sleep 30", health_check=check))

    final = sink.wait_terminal("hung")

    assert final.state is TaskState.KILLED
    assert health_updates(sink, "hung") == [False]
    assert "timed out" in (sink.of("hung")[2].message or "")
