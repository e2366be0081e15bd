"""Task processes: each command runs in its own session, so its process group is its own.

A command due at a later instant can be *parked*: its process is spawned ahead, as a
`/bin/sh` that waits for one line on its stdin and then runs the command in place (`eval`
for a shell command, `exec` for an argv). At the instant only the command's own work is
left: no fork, no exec of a shell, no dynamic loading. A parked shell that sees end of file
instead (the executor withdrew it, or died) exits 1 without running anything.
"""

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
_PARKED = "read -r _dromos_go || exit 1; exec </dev/null; unset _dromos_go; "
# $1 is the command; expanding it into eval's text keeps it out of the positional
# parameters, so it runs as `sh -c` would run it (only sh's error messages say "eval:").
_PARKED_SHELL = _PARKED + 'eval "set --; $1"'
_PARKED_ARGV = _PARKED + 'exec "$@"'


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

    def __init__(self, popen: subprocess.Popen[bytes], release_fd: int | None = None) -> None:
        self._popen = popen
        self._release_fd = release_fd
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
        parked: bool = False,
    ) -> TaskProcess:
        """Start `command` in a new session (as `user` when given); OSError when it cannot.

        `parked` (only for a `parkable` command): the command waits for `release()`.
        """
        if user is not None:
            env = {**env, "USER": user.name, "LOGNAME": user.name, "HOME": user.home}
        argv, executable = command.argv, command.executable
        stdin, release_fd = subprocess.DEVNULL, None
        if parked:
            script = _PARKED_SHELL if command.shell else _PARKED_ARGV
            extra = [command.value] if command.shell else argv
            argv, executable = ["/bin/sh", "-c", script, "sh", *extra], "/bin/sh"
            stdin, release_fd = os.pipe()
        try:
            popen = subprocess.Popen(
                argv,
                executable=executable,
                cwd=cwd,
                env=dict(env),
                stdin=stdin,
                stdout=stdout,
                stderr=stderr,
                close_fds=True,
                start_new_session=True,
                user=None if user is None else user.uid,
                group=None if user is None else user.gid,
                extra_groups=None if user is None else list(user.groups),
            )
        except BaseException:
            if release_fd is not None:
                os.close(release_fd)
            raise
        finally:
            if release_fd is not None:
                os.close(stdin)
        return cls(popen, release_fd)

    @staticmethod
    def parkable(command: CommandSpec) -> bool:
        """A shell command, or an argv whose first word is its executable (`exec "$@"` cannot
        set another argv[0])."""
        return command.shell or command.argv[0] == command.value

    def release(self) -> None:
        """Let a parked command run (nothing when it was not parked or is already gone)."""
        with self._lock:
            fd, self._release_fd = self._release_fd, None
        if fd is not None:
            with contextlib.suppress(BrokenPipeError):
                os.write(fd, b"\n")
            os.close(fd)

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
            if self._release_fd is not None:  # it ended parked
                os.close(self._release_fd)
                self._release_fd = None
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
