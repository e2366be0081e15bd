"""COMMAND health probe: healthy when the command exits 0 within the timeout."""

from __future__ import annotations

import signal
from collections.abc import Mapping
from pathlib import Path

from executor.health.probe import ProbeResult
from executor.process import TaskProcess, task_environment
from executor.task_spec import CommandSpec


class CommandProbe:
    """Runs the check command in its own group, in the task's sandbox and environment."""

    def __init__(self, command: CommandSpec, sandbox: Path, task_env: Mapping[str, str]) -> None:
        self.command = command
        self._sandbox = sandbox
        self._env = task_environment(command, sandbox, task_env)

    def __call__(self, timeout_s: float) -> ProbeResult:
        try:
            process = TaskProcess.spawn(self.command, self._sandbox, self._env)
        except OSError as exc:
            return ProbeResult(False, f"check command could not start: {exc}")
        code = process.wait(timeout_s or None)
        if code is None:
            process.signal_group(signal.SIGKILL)
            process.wait()
            return ProbeResult(False, f"check command timed out after {timeout_s:g}s")
        return ProbeResult(code == 0, f"check command exited with status {code}")
