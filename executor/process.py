"""Task processes: each command runs in its own session, so its process group is its own."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from executor.task_spec import CommandSpec
from executor.task_user import TaskUser

_POLL_S = 0.02


def task_environment(
    command: CommandSpec, sandbox: Path, base: Mapping[str, str]
) -> dict[str, str]:
    """The executor's environment, then the command's variables, then the task's sandbox."""
    env = dict(base)
    env.update(command.environment)
    env["MESOS_SANDBOX"] = str(sandbox)
    env["MESOS_DIRECTORY"] = str(sandbox)
    return env


class TaskProcess:
    """A spawned command; signals go to its whole group, never after the group was reaped."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen
        self._lock = threading.Lock()
        self._returncode: int | None = None

    @classmethod
    def spawn(
        cls,
        command: CommandSpec,
        cwd: Path,
        env: Mapping[str, str],
        stdout: IO[bytes] | int = subprocess.DEVNULL,
        stderr: IO[bytes] | int = subprocess.DEVNULL,
        user: TaskUser | None = None,
    ) -> TaskProcess:
        """Start `command` in a new session (as `user` when given); OSError when it cannot."""
        if user is not None:
            env = {**env, "USER": user.name, "LOGNAME": user.name, "HOME": user.home}
        popen = subprocess.Popen(
            command.argv,
            executable=command.executable,
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            close_fds=True,
            start_new_session=True,
            user=None if user is None else user.uid,
            group=None if user is None else user.gid,
            extra_groups=None if user is None else list(user.groups),
        )
        return cls(popen)

    @property
    def pid(self) -> int:
        return self._popen.pid

    def signal_group(self, sig: signal.Signals) -> bool:
        """Send `sig` to the process group; False when the process has already been reaped."""
        with self._lock:
            if self._returncode is not None:
                return False
            _killpg(self.pid, sig)
            return True

    def wait(self, timeout_s: float | None = None) -> int | None:
        """Wait for the process to exit, SIGKILL what is left of its group, and reap it.

        Returns the returncode (negative for a signal), or None when `timeout_s` passed first.
        """
        if not self._exited(timeout_s):
            return None
        with self._lock:
            if self._returncode is None:
                # The leader is a zombie until reaped, so its group id cannot be reused yet.
                _killpg(self.pid, signal.SIGKILL)
                self._returncode = self._popen.wait()
            return self._returncode

    def _exited(self, timeout_s: float | None) -> bool:
        flags = os.WEXITED | os.WNOWAIT
        if timeout_s is not None:
            flags |= os.WNOHANG
            deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                if self._returncode is not None:
                    return True
            try:
                if os.waitid(os.P_PID, self.pid, flags) is not None:
                    return True
            except ChildProcessError:
                return True
            if timeout_s is None or time.monotonic() >= deadline:
                return timeout_s is None
            time.sleep(_POLL_S)


def _killpg(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
