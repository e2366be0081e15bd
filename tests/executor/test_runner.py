"""The orchestrator runs real processes in sandboxes and reports their lives as Mesos does."""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from executor.runner import MULTIPLE_TASKS_MESSAGE, Orchestrator
from executor.status import LAUNCH_FAILED, TASK_INVALID, TaskState
from tests.executor.conftest import live_processes

STARTED = [TaskState.STARTING, TaskState.RUNNING]
TaskInfo = Callable[..., dict[str, Any]]
# Ignores SIGTERM (as does its `sleep`, which inherits that) once its pid file is written.
STUBBORN = "trap '' TERM; echo $$ > pid; sleep 60"


def group_gone(pgid: int) -> bool:
    """True once every process of the group has died (zombies are dead), polling briefly."""
    deadline = time.monotonic() + 2
    while pgid in live_processes().values():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def pid_in(sandbox: Path) -> int:
    """The pid a task wrote to its sandbox's `pid` file (written once it is ready)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        text = (sandbox / "pid").read_text() if (sandbox / "pid").exists() else ""
        if text.endswith("\n"):
            return int(text)
        time.sleep(0.01)
    raise AssertionError("the task never wrote its pid")


def test_task_exiting_zero_is_finished(orchestrator, sink, make_task_info: TaskInfo) -> None:
    orchestrator.launch(make_task_info("ok", "exit 0"))

    final = sink.wait_terminal("ok")

    assert sink.states("ok") == [*STARTED, TaskState.FINISHED]
    assert final.message == "Command exited with status 0"


def test_task_exiting_nonzero_fails_with_its_exit_code(
    orchestrator, sink, make_task_info: TaskInfo
) -> None:
    orchestrator.launch(make_task_info("bad", "exit 3"))

    final = sink.wait_terminal("bad")

    assert final.state is TaskState.FAILED
    assert final.message == "Command exited with status 3"


def test_a_failed_task_says_its_exit_status_alone_its_stderr_stays_in_the_sandbox(
    orchestrator, sink, tmp_path: Path, make_task_info: TaskInfo
) -> None:
    # As Mesos's command executor: the scheduler reads the stderr through the agent.
    script = "for i in 1 2 3 4; do echo line $i >&2; done; echo to stdout; exit 5"
    orchestrator.launch(make_task_info("noisy", script))

    final = sink.wait_terminal("noisy")

    assert final.state is TaskState.FAILED
    assert final.message == "Command exited with status 5"
    assert (tmp_path / "tasks" / "noisy" / "stderr").read_text().endswith("line 4\n")


def test_task_killed_by_a_signal_fails_naming_the_signal(
    orchestrator, sink, make_task_info: TaskInfo
) -> None:
    orchestrator.launch(make_task_info("segv", "kill -SEGV $$"))

    final = sink.wait_terminal("segv")

    assert final.state is TaskState.FAILED
    assert final.message == "Command terminated with signal SIGSEGV"


def test_many_tasks_run_at_once_each_in_its_own_sandbox_and_group(
    orchestrator, sink, tmp_path: Path, make_task_info: TaskInfo
) -> None:
    for n in range(8):
        orchestrator.launch(
            make_task_info(
                f"t{n}",
                {
                    "value": f'echo "out $N $MESOS_SANDBOX"; echo err-{n} >&2; '
                    "echo $$ > pid; sleep 30",
                    "environment": {"variables": [{"name": "N", "value": str(n)}]},
                },
            )
        )
    sandboxes = [tmp_path / "tasks" / f"t{n}" for n in range(8)]
    pids = [pid_in(sandbox) for sandbox in sandboxes]

    assert len(set(pids)) == 8
    assert all(os.getpgid(pid) == pid for pid in pids)
    for n, sandbox in enumerate(sandboxes):
        assert sink.states(f"t{n}") == STARTED
        assert (sandbox / "stdout").read_text() == f"out {n} {sandbox}\n"
        assert (sandbox / "stderr").read_text() == f"err-{n}\n"

    orchestrator.kill("t3", 0.1)
    assert sink.wait_terminal("t3").state is TaskState.KILLED
    assert group_gone(pids[3])
    assert all(sink.states(f"t{n}") == STARTED for n in range(8) if n != 3)


def test_command_without_shell_runs_value_with_arguments_as_argv(
    orchestrator, sink, tmp_path: Path, make_task_info: TaskInfo
) -> None:
    arguments = ["sh", "-c", 'echo "$0|$1"', "zero", "one two"]
    command = {"shell": False, "value": "/bin/sh", "arguments": arguments}
    orchestrator.launch(make_task_info("argv", command))

    assert sink.wait_terminal("argv").state is TaskState.FINISHED
    assert (tmp_path / "tasks" / "argv" / "stdout").read_text() == "zero|one two\n"


def test_command_may_travel_in_task_data_for_a_custom_executor(
    orchestrator, sink, tmp_path: Path
) -> None:
    command = base64.b64encode(json.dumps({"value": "echo from-data"}).encode()).decode()
    info = {"task_id": {"value": "d"}, "executor": {"executor_id": {"value": "x"}}}
    orchestrator.launch({**info, "data": command})

    assert sink.wait_terminal("d").state is TaskState.FINISHED
    assert (tmp_path / "tasks" / "d" / "stdout").read_text() == "from-data\n"


def test_task_without_a_command_fails_as_invalid(orchestrator, sink) -> None:
    orchestrator.launch({"task_id": {"value": "empty"}, "name": "empty"})

    final = sink.wait_terminal("empty")

    assert final.state is TaskState.FAILED
    assert final.reason == TASK_INVALID


def test_command_that_cannot_start_fails_after_starting(
    orchestrator, sink, make_task_info: TaskInfo
) -> None:
    command = {"shell": False, "value": "/nonexistent/program"}
    orchestrator.launch(make_task_info("missing", command))

    final = sink.wait_terminal("missing")

    assert sink.states("missing") == [TaskState.STARTING, TaskState.FAILED]
    assert final.reason == LAUNCH_FAILED


def test_kill_sends_sigterm_and_a_task_that_exits_on_it_is_killed(
    orchestrator, sink, make_task_info: TaskInfo
) -> None:
    orchestrator.launch(make_task_info("polite", "trap 'exit 0' TERM; sleep 30 & wait"))
    sink.wait_for(lambda s: s.state is TaskState.RUNNING)

    started = time.monotonic()
    orchestrator.kill("polite", 20.0)
    final = sink.wait_terminal("polite")

    assert final.state is TaskState.KILLED
    assert time.monotonic() - started < 5


def test_task_ignoring_sigterm_is_sigkilled_after_the_grace_period(
    orchestrator, sink, tmp_path: Path, make_task_info: TaskInfo
) -> None:
    orchestrator.launch(make_task_info("stubborn", STUBBORN))
    pgid = pid_in(tmp_path / "tasks" / "stubborn")

    asked = time.monotonic()
    orchestrator.kill("stubborn", 0.5)
    arrived, final = sink.wait_for(lambda s: s.task_id == "stubborn" and s.state.is_terminal)

    assert final.state is TaskState.KILLED
    assert final.message == "Command terminated with signal SIGKILL"
    assert arrived - asked >= 0.5
    assert group_gone(pgid)


def test_grace_period_comes_from_the_task_kill_policy(
    orchestrator, sink, tmp_path: Path, make_task_info: TaskInfo
) -> None:
    policy = {"grace_period": {"nanoseconds": 300_000_000}}
    orchestrator.launch(make_task_info("p", STUBBORN, kill_policy=policy))
    pid_in(tmp_path / "tasks" / "p")

    asked = time.monotonic()
    orchestrator.kill("p")
    arrived, final = sink.wait_for(lambda s: s.task_id == "p" and s.state.is_terminal)

    assert final.state is TaskState.KILLED
    assert 0.3 <= arrived - asked < 2.5


def test_a_later_kill_shortens_the_grace_period(
    orchestrator, sink, tmp_path: Path, make_task_info: TaskInfo
) -> None:
    orchestrator.launch(make_task_info("s", STUBBORN))
    pid_in(tmp_path / "tasks" / "s")

    orchestrator.kill("s", 30.0)
    orchestrator.kill("s", 0.1)

    assert sink.wait_terminal("s", timeout_s=5).state is TaskState.KILLED


def test_killing_announces_task_killing_when_the_framework_asks(
    orchestrator: Orchestrator, sink, make_task_info: TaskInfo
) -> None:
    orchestrator.announce_killing = True
    orchestrator.launch(make_task_info("k", "sleep 30"))
    orchestrator.kill("k", 1.0)

    sink.wait_terminal("k")
    assert sink.states("k") == [*STARTED, TaskState.KILLING, TaskState.KILLED]


def test_leftover_processes_of_a_finished_task_are_killed(
    orchestrator, sink, tmp_path: Path, make_task_info: TaskInfo
) -> None:
    orchestrator.launch(make_task_info("bg", "sleep 60 & echo $$ > pid"))

    assert sink.wait_terminal("bg").state is TaskState.FINISHED
    assert group_gone(pid_in(tmp_path / "tasks" / "bg"))


def test_single_task_mode_runs_in_the_sandbox_itself_and_refuses_a_second_task(
    make_orchestrator, sink, tmp_path: Path, make_task_info: TaskInfo
) -> None:
    orchestrator = make_orchestrator(single_task=True)
    orchestrator.launch(make_task_info("one", "echo hi; sleep 30"))
    orchestrator.launch(make_task_info("two", "echo no"))

    second = sink.wait_terminal("two")
    assert second.state is TaskState.FAILED
    assert second.message == MULTIPLE_TASKS_MESSAGE
    assert sink.states("one") == STARTED
    sink.wait_for(lambda s: (tmp_path / "stdout").read_text() == "hi\n")


def test_shutdown_kills_every_task_and_refuses_new_ones(
    orchestrator: Orchestrator, sink, make_task_info: TaskInfo
) -> None:
    for n in range(3):
        orchestrator.launch(make_task_info(f"t{n}", "trap '' TERM; sleep 60"))

    assert orchestrator.shutdown(0.2)
    orchestrator.launch(make_task_info("late", "true"))

    assert all(sink.states(f"t{n}")[-1] is TaskState.KILLED for n in range(3))
    assert sink.states("late") == [TaskState.FAILED]


def test_every_task_gets_exactly_one_terminal_update(
    orchestrator: Orchestrator, sink, make_task_info: TaskInfo
) -> None:
    commands = ["true", "false", "kill -TERM $$", "sleep 30", "trap '' TERM; sleep 30"]
    for n, command in enumerate(commands):
        orchestrator.launch(make_task_info(f"t{n}", command))
    for n in range(len(commands)):
        orchestrator.kill(f"t{n}", 0.2)
        orchestrator.kill(f"t{n}", 0.1)

    assert orchestrator.wait_idle(5)
    for n in range(len(commands)):
        assert [s.is_terminal for s in sink.states(f"t{n}")].count(True) == 1
