"""Tasks given a `dromos.start_at` are prepared at LAUNCH and start at that instant."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from executor.clock import SystemClock
from executor.runner import Orchestrator
from executor.sandbox import SandboxLayout
from executor.status import TaskState
from executor.task_runner import TaskRunner
from executor.task_spec import parse_task
from tests.executor.conftest import RecordingSink

TaskInfo = Callable[..., dict[str, Any]]
STAMP = "date +%s.%N > stamp"
LIVED = [TaskState.STARTING, TaskState.RUNNING, TaskState.FINISHED]


def starting_at(make_task_info: TaskInfo, task_id: str, command: str, at: float) -> dict:
    label = {"key": "dromos.start_at", "value": str(round(at * 1000))}
    return make_task_info(task_id, command, labels={"labels": [label]})


def stamp_of(sandbox: Path) -> float:
    return float((sandbox / "stamp").read_text())


def test_a_task_starts_at_its_start_instant_not_at_launch(
    orchestrator: Orchestrator, sink: RecordingSink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    at = round(time.time() + 0.4, 3)
    orchestrator.launch(starting_at(make_task_info, "later", STAMP, at))

    assert sink.states("later") == [TaskState.STARTING]  # prepared, not started
    assert sink.wait_terminal("later").state is TaskState.FINISHED
    started = stamp_of(tmp_path / "tasks" / "later")
    assert at <= started < at + 0.1  # generous for a loaded machine; typically ~2 ms
    assert sink.states("later") == LIVED


def test_a_task_killed_before_its_start_never_runs(
    orchestrator: Orchestrator, sink: RecordingSink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    at = time.time() + 0.3
    orchestrator.launch(starting_at(make_task_info, "never", "touch ran", at))
    orchestrator.kill("never")

    final = sink.wait_terminal("never")
    time.sleep(max(0.0, at - time.time()) + 0.1)

    assert final.state is TaskState.KILLED
    assert sink.states("never") == [TaskState.STARTING, TaskState.KILLED]
    assert not (tmp_path / "tasks" / "never" / "ran").exists()


def test_a_shutdown_before_the_start_kills_pending_tasks_without_running_them(
    orchestrator: Orchestrator, sink: RecordingSink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    orchestrator.launch(starting_at(make_task_info, "pending", "touch ran", time.time() + 0.3))

    assert orchestrator.shutdown(1.0)
    time.sleep(0.4)

    assert sink.states("pending") == [TaskState.STARTING, TaskState.KILLED]
    assert not (tmp_path / "tasks" / "pending" / "ran").exists()


def test_many_tasks_with_one_start_instant_all_start_at_it(
    orchestrator: Orchestrator, sink: RecordingSink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    at = round(time.time() + 0.5, 3)
    ids = [f"many-{n}" for n in range(20)]
    for task_id in ids:
        orchestrator.launch(starting_at(make_task_info, task_id, STAMP, at))

    finals = [sink.wait_terminal(task_id) for task_id in ids]

    assert all(final.state is TaskState.FINISHED for final in finals)
    assert all(sink.states(task_id) == LIVED for task_id in ids)
    assert min(stamp_of(tmp_path / "tasks" / task_id) for task_id in ids) >= at


def test_a_start_instant_in_the_past_starts_at_once(
    orchestrator: Orchestrator, sink: RecordingSink, make_task_info: TaskInfo
) -> None:
    orchestrator.launch(starting_at(make_task_info, "late", "exit 0", time.time() - 60))

    assert sink.wait_terminal("late", timeout_s=5).state is TaskState.FINISHED
    assert sink.states("late") == LIVED


def test_a_kill_between_spawn_and_announce_comes_after_task_running(
    sink: RecordingSink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    spec = parse_task(make_task_info("racing", "sleep 30"))
    runner = TaskRunner(spec, SandboxLayout(tmp_path), sink, lambda task_id: None,
                        SystemClock(), {"PATH": "/usr/bin:/bin"}, announce_killing=True)
    assert runner.prepare() and runner.spawn()

    runner.kill(0.0)
    assert sink.states("racing") == [TaskState.STARTING]  # held until announced
    runner.announce()

    assert sink.wait_terminal("racing").state is TaskState.KILLED
    assert sink.states("racing") == [
        TaskState.STARTING, TaskState.RUNNING, TaskState.KILLING, TaskState.KILLED,
    ]
