"""The COMMAND probe runs a real command in the task's sandbox."""

from __future__ import annotations

import time
from pathlib import Path

from executor.health.command_check import CommandProbe
from executor.task_spec import CommandSpec


def probe(tmp_path: Path, command: str, **env: str) -> CommandProbe:
    return CommandProbe(CommandSpec(command), tmp_path, {"PATH": "/usr/bin:/bin", **env})


def test_exit_zero_is_healthy(tmp_path: Path) -> None:
    assert probe(tmp_path, "true")(1.0).healthy


def test_nonzero_exit_is_unhealthy(tmp_path: Path) -> None:
    result = probe(tmp_path, "exit 4")(1.0)

    assert not result.healthy
    assert "status 4" in result.detail


def test_runs_in_the_sandbox_with_the_task_environment(tmp_path: Path) -> None:
    (tmp_path / "ready").touch()

    assert probe(tmp_path, 'test -e ready && test "$PORT0" = 31000', PORT0="31000")(1.0).healthy
    assert not probe(tmp_path, 'test "$PORT0" = 31000')(1.0).healthy


def test_a_slow_command_times_out_and_is_killed(tmp_path: Path) -> None:
    started = time.monotonic()
    result = probe(tmp_path, "echo $$ > pid; sleep 30")(0.3)

    assert not result.healthy
    assert "timed out" in result.detail
    assert time.monotonic() - started < 5
    pid = int((tmp_path / "pid").read_text())
    assert not Path(f"/proc/{pid}").exists(), "the check command was killed and reaped"
