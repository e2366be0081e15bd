"""Tasks given a `dromos.start_at` are prepared at LAUNCH and start at that instant."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
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
from tests.executor.conftest import RecordingSink, live_processes
from tests.support.dev import wait_for
from tests.support.localmesos import processes_under

TaskInfo = Callable[..., dict[str, Any]]
STAMP = "date +%s.%N > stamp"
LIVED = [TaskState.STARTING, TaskState.RUNNING, TaskState.FINISHED]


def starting_at(
    make_task_info: TaskInfo, task_id: str, command: str | dict[str, Any], at: float
) -> dict[str, Any]:
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


def test_a_delayed_command_waits_parked_and_then_runs_as_sh_c_would(
    orchestrator: Orchestrator, sink: RecordingSink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    at = time.time() + 0.6
    # $0, the positional parameters and stdin are what `sh -c` gives a command.
    command = 'echo "$0 $# [$(cat)]" > seen; exit 3'
    orchestrator.launch(starting_at(make_task_info, "parked", command, at))
    sandbox = tmp_path / "tasks" / "parked"

    assert len(processes_under(sandbox)) == 1  # spawned ahead of its instant...
    assert not (sandbox / "seen").exists()  # ...but the command has not run
    final = sink.wait_terminal("parked")

    assert (sandbox / "seen").read_text() == "sh 0 []\n"
    assert final.state is TaskState.FAILED
    assert final.message == "Command exited with status 3"
    assert processes_under(sandbox) == []


def test_a_delayed_argv_command_runs_with_its_own_arguments(
    orchestrator: Orchestrator, sink: RecordingSink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    script = 'echo "$0 $1 $2" > "$MESOS_SANDBOX/seen"'
    parked = {"value": "/bin/sh", "shell": False,
              "arguments": ["/bin/sh", "-c", script, "zero", "one two", "three"]}
    renamed = {"value": "/bin/sh", "shell": False,  # argv[0] differs: not parked, still right
               "arguments": ["renamed", "-c", 'echo "$0" > "$MESOS_SANDBOX/seen"']}
    at = time.time() + 0.4
    orchestrator.launch(starting_at(make_task_info, "argv", parked, at))
    orchestrator.launch(starting_at(make_task_info, "renamed", renamed, at))

    assert sink.wait_terminal("argv").state is TaskState.FINISHED
    assert sink.wait_terminal("renamed").state is TaskState.FINISHED
    assert (tmp_path / "tasks" / "argv" / "seen").read_text() == "zero one two three\n"
    assert (tmp_path / "tasks" / "renamed" / "seen").read_text() == "renamed\n"


def test_a_parked_task_killed_from_outside_reports_how_it_died(
    orchestrator: Orchestrator, sink: RecordingSink, make_task_info: TaskInfo, tmp_path: Path
) -> None:
    orchestrator.launch(starting_at(make_task_info, "victim", "touch ran", time.time() + 0.4))
    sandbox = tmp_path / "tasks" / "victim"
    [pid] = processes_under(sandbox)
    os.kill(pid, signal.SIGKILL)

    final = sink.wait_terminal("victim")

    assert final.state is TaskState.FAILED
    assert final.message == "Command terminated with signal SIGKILL"
    assert not (sandbox / "ran").exists()


def test_a_parked_command_whose_executor_dies_never_runs(tmp_path: Path) -> None:
    # The executor is a child that parks a command and dies at once.
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from executor.process import TaskProcess\n"
        "from executor.task_spec import CommandSpec\n"
        "task = TaskProcess.spawn(CommandSpec('touch ran'), Path(sys.argv[1]),\n"
        "                         {'PATH': '/usr/bin:/bin'}, parked=True)\n"
        "print(task.pid, flush=True)\n"
        "os._exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True,
                          text=True, check=True, cwd=Path(__file__).parents[2])
    pid = int(done.stdout)

    wait_for(lambda: pid not in live_processes(), timeout_s=5)
    assert not (tmp_path / "ran").exists()

