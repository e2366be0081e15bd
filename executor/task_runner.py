"""One task's life: sandbox, start, health checks, kill, and exactly one terminal status."""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO

from executor import task_user
from executor.clock import Clock
from executor.fetcher import fetch_all
from executor.health import make_probe
from executor.health.checker import HealthChecker, HealthReport
from executor.kill import DEFAULT_GRACE_S, GracefulKill
from executor.process import TaskProcess, task_environment
from executor.sandbox import SandboxLayout
from executor.status import HEALTH_CHECK_UPDATED, LAUNCH_FAILED, StatusSink, TaskState, TaskStatus
from executor.task_spec import TaskSpec

log = logging.getLogger(__name__)


class Phase(Enum):
    """STARTING -> PENDING -> SPAWNED -> RUNNING -> [KILLING] -> DONE.

    STARTING prepares (sandbox, fetch); PENDING waits for the start instant, its process
    parked when it can be; SPAWNED has a process started (or released) not yet announced.
    A failed preparation or spawn, or a kill before SPAWNED, ends the task (DONE) without
    running anything.
    """

    STARTING = "starting"
    PENDING = "pending"
    SPAWNED = "spawned"
    RUNNING = "running"
    KILLING = "killing"
    DONE = "done"


@dataclass(frozen=True)
class Prepared:
    """What a prepared task is spawned with."""

    sandbox: Path
    env: dict[str, str]
    user: task_user.TaskUser | None
    stdout: BinaryIO
    stderr: BinaryIO

    def close(self) -> None:
        self.stdout.close()
        self.stderr.close()


class TaskRunner:
    """Runs one task; every path ends in exactly one terminal status, then `on_done(task_id)`.

    `launch()` starts it at once; a delayed start calls `prepare()` and `park()`, then
    `spawn()` and `announce()` at the start instant (see executor.starter).
    """

    def __init__(
        self,
        spec: TaskSpec,
        sandboxes: SandboxLayout,
        sink: StatusSink,
        on_done: Callable[[str], None],
        clock: Clock,
        base_env: Mapping[str, str],
        announce_killing: bool = False,
    ) -> None:
        self.spec = spec
        self._announce_killing = announce_killing
        self._sandboxes = sandboxes
        self._sink = sink
        self._on_done = on_done
        self._clock = clock
        self._base_env = base_env
        self._lock = threading.RLock()
        self._phase = Phase.STARTING
        self._healthy: bool | None = None
        self._prepared: Prepared | None = None
        self._deferred_kills: list[float | None] = []  # kills heard while SPAWNED
        self._process: TaskProcess | None = None
        self._killer: GracefulKill | None = None
        self._checker: HealthChecker | None = None

    @property
    def task_id(self) -> str:
        return self.spec.task_id

    def launch(self) -> None:
        """Prepare the task and start its command now."""
        if self.prepare() and self.spawn():
            self.announce()

    def prepare(self) -> bool:
        """Send TASK_STARTING and make everything but the process; False when that failed
        or the task was killed before or meanwhile."""
        with self._lock:
            if self._phase is not Phase.STARTING:
                return False
            self._send(TaskState.STARTING)
        # Fetching URIs may take long: it runs without the lock, so a KILL is not held up.
        try:
            prepared = self._make_sandbox()
        except (OSError, ValueError) as exc:
            with self._lock:
                if self._phase is Phase.STARTING:
                    self._launch_failed(exc)
            return False
        with self._lock:
            if self._phase is not Phase.STARTING:
                prepared.close()
                return False
            self._prepared = prepared
            self._phase = Phase.PENDING
            return True

    def _make_sandbox(self) -> Prepared:
        sandbox = self._sandboxes.create(self.task_id)
        user = task_user.resolve(self.spec.command.user)
        fetch_all(self.spec.command.uris, sandbox, user)
        env = task_environment(self.spec.command, sandbox, self._base_env)
        with contextlib.ExitStack() as opened:
            out = opened.enter_context(open(sandbox / "stdout", "ab"))
            err = opened.enter_context(open(sandbox / "stderr", "ab"))
            if user is not None:
                task_user.give_sandbox(user, sandbox)
            opened.pop_all()  # kept open until the process is spawned
        return Prepared(sandbox, env, user, out, err)

    def park(self) -> bool:
        """Spawn the prepared command parked, to be released by `spawn()` at its instant
        (see executor.process); False when that failed or the task ended meanwhile."""
        with self._lock:
            if self._phase is not Phase.PENDING or self._prepared is None:
                return False
            if TaskProcess.parkable(self.spec.command):
                self._process = self._spawn_process(parked=True)
            return self._phase is Phase.PENDING

    def spawn(self) -> bool:
        """Start (or release) the prepared command; False when it did not start (killed
        before, failed)."""
        with self._lock:
            if self._phase is not Phase.PENDING:
                return False
            if self._process is not None:
                self._process.release()
            else:
                self._process = self._spawn_process(parked=False)
                if self._process is None:
                    return False
            self._killer = GracefulKill(self._process, self._clock)
            self._phase = Phase.SPAWNED
            return True

    def _spawn_process(self, parked: bool) -> TaskProcess | None:
        prepared = self._prepared
        assert prepared is not None
        try:
            return TaskProcess.spawn(
                self.spec.command, prepared.sandbox, prepared.env,
                prepared.stdout, prepared.stderr, prepared.user, parked,
            )
        except (OSError, ValueError) as exc:
            self._launch_failed(exc)
            return None
        finally:
            prepared.close()

    def announce(self) -> None:
        """Send TASK_RUNNING, start reaping and health checks, apply kills heard meanwhile."""
        with self._lock:
            prepared = self._prepared
            assert self._process is not None and prepared is not None
            assert self._phase is Phase.SPAWNED
            log.info("task %s started as group %d in %s",
                     self.task_id, self._process.pid, prepared.sandbox)
            self._phase = Phase.RUNNING
            self._send(TaskState.RUNNING)
            threading.Thread(target=self._reap, name=f"reap-{self.task_id}", daemon=True).start()
            if self.spec.health_check is not None:
                probe = make_probe(self.spec.health_check, prepared.sandbox, prepared.env)
                self._checker = HealthChecker(
                    self.spec.health_check, probe, self._on_health, self._clock
                )
                self._checker.start()
            for grace_s in self._deferred_kills:
                self.kill(grace_s)

    def kill(self, grace_s: float | None = None) -> None:
        """SIGTERM the task's group, SIGKILL it after `grace_s` (else the task's policy, else 3 s).

        The first kill sends TASK_KILLING when the framework has TASK_KILLING_STATE. A task
        not spawned yet ends TASK_KILLED at once; one spawned but not announced, once announced.
        """
        with self._lock:
            # The orchestrator may pass on a kill (a shutdown) before it calls prepare().
            if self._phase in (Phase.STARTING, Phase.PENDING):
                if self._process is not None:  # parked: withdrawn, it never runs
                    self._process.signal_group(signal.SIGKILL)
                    self._process.wait()
                self._finish(TaskState.KILLED, "Task killed before it started")
                return
            if self._phase is Phase.SPAWNED:
                self._deferred_kills.append(grace_s)
                return
            if self._phase is Phase.DONE or self._killer is None:
                return
            if self._phase is Phase.RUNNING:
                self._phase = Phase.KILLING
                if self._checker is not None:
                    self._checker.stop()
                if self._announce_killing:
                    self._send(TaskState.KILLING)
            if grace_s is None:
                grace_s = self.spec.kill_grace_s
            self._killer.kill(DEFAULT_GRACE_S if grace_s is None else grace_s)

    def _on_health(self, report: HealthReport) -> None:
        with self._lock:
            if self._phase is not Phase.RUNNING:
                return
            self._healthy = report.healthy
            self._send(TaskState.RUNNING, report.detail, HEALTH_CHECK_UPDATED)
            if report.kill:
                log.warning("task %s failed its health check; killing it", self.task_id)
                self.kill()

    def _reap(self) -> None:
        assert self._process is not None and self._killer is not None
        code = self._process.wait()
        assert code is not None
        self._killer.cancel()
        if self._checker is not None:
            self._checker.stop()
        with self._lock:
            message = _describe_exit(code)
            log.info("task %s: %s", self.task_id, message)
            if self._phase is Phase.KILLING:
                self._finish(TaskState.KILLED, message)
            elif code == 0:
                self._finish(TaskState.FINISHED, message)
            else:
                self._finish(TaskState.FAILED, message)

    def _launch_failed(self, exc: Exception) -> None:
        log.warning("task %s failed to launch: %s", self.task_id, exc)
        self._finish(TaskState.FAILED, f"Failed to launch command: {exc}", LAUNCH_FAILED)

    def _finish(self, state: TaskState, message: str, reason: str | None = None) -> None:
        if self._prepared is not None and self._process is None:
            self._prepared.close()  # ended before its process started
        self._phase = Phase.DONE
        self._send(state, message, reason)
        self._on_done(self.task_id)

    def _send(
        self, state: TaskState, message: str | None = None, reason: str | None = None
    ) -> None:
        self._sink.send(TaskStatus(self.task_id, state, message, self._healthy, reason))


def _describe_exit(returncode: int) -> str:
    if returncode >= 0:
        return f"Command exited with status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = str(-returncode)
    return f"Command terminated with signal {name}"
