"""Wiring: builds the core, the framework and its owners; what the API reaches through."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from mesos_vocab.states import TaskState
from scheduler.appmanager.manager import AppManager
from scheduler.base.clock import Clock, SystemClock
from scheduler.base.config import Config
from scheduler.base.core import Core
from scheduler.health.engine import HealthEngine, ProbeReport
from scheduler.jobs.manager import JobManager
from scheduler.launch.framework import Framework
from scheduler.launch.task_request import is_job
from scheduler.launch.unreachable import AT_ONCE, NEVER, UnreachableWait
from scheduler.mesos.sandbox_logs import SandboxLogs
from scheduler.mesos.stderr_tails import StderrTails
from scheduler.reads.publisher import ReadModel
from scheduler.reads.views import Snapshot
from scheduler.store.store import Store

T = TypeVar("T")


class Runtime:
    """Everything one scheduler process runs; API views call into it with `call`."""

    def __init__(self, config: Config, clock: Clock | None = None) -> None:
        self.config = config
        self.clock = clock or SystemClock()
        self.store = Store(config.db_url, config.store_busy_timeout_s)
        self.core = Core(self.clock)
        self.framework = Framework(config, self.store, self.clock, self.core)
        self.apps = AppManager(self.framework)
        self.jobs = JobManager(self.framework)
        self.framework.add_owner("app", self.apps)
        self.framework.add_owner("job", self.jobs)
        # Registered after the owners: publishes at the end of the turn what they settled.
        self.reads = ReadModel(self.apps, self.jobs)
        self.framework.unreachable.wait_of = self._unreachable_wait
        self.sandbox_logs = SandboxLogs(self.framework.agents)
        self.stderr_tails = StderrTails(self.sandbox_logs, self.core.post)
        self.jobs.engine.tails = self.stderr_tails
        self.framework.failures.tails = self.stderr_tails
        self.health_engine = HealthEngine(
            self.clock, self._health_reports, max_in_flight=config.max_concurrent_health_checks,
        )

    def _unreachable_wait(self, run_spec_id: str, state: str) -> UnreachableWait:
        """How long an unreachable task waits: an app's by its unreachableStrategy; a
        job run's for its agent however long (a second copy must not run beside it) unless
        Mesos no longer knows the task at all (then its attempt is lost and retried)."""
        if is_job(run_spec_id):
            return AT_ONCE if state == TaskState.UNKNOWN else NEVER
        app = self.apps.apps.get(run_spec_id)
        if app is None:
            return AT_ONCE
        strategy = app.unreachable_strategy
        if strategy.disabled:
            return NEVER
        return UnreachableWait(float(strategy.inactive_after_seconds),
                               float(strategy.expunge_after_seconds))

    def _health_reports(self, reports: list[ProbeReport]) -> None:
        """From the probing thread: measured here, applied on the owner thread."""
        for report in reports:
            self.framework.telemetry.health_probes.observe(report.duration_s)
        self.core.post(lambda: self.apps.health.apply(reports))

    def restore(self) -> None:
        """Load durable state; run before the core thread starts."""
        self.framework.restore()
        self.apps.restore()
        self.jobs.restore()
        self.framework.changes.all_jobs = True
        self.reads.publish(everything=True)

    def start_health_checks(self) -> None:
        """Probe HTTP/HTTPS/TCP health checks from now on; run after the core thread starts."""
        self.health_engine.start()
        self.core.call(lambda: self.apps.health.attach(self.health_engine), timeout=None)

    def call(self, fn: Callable[[], T]) -> T:
        """Run `fn` (an API write) on the owner thread and return its result; what it
        changed is published before it returns, so the caller's next GET sees it."""
        def write() -> T:
            try:
                return fn()
            finally:
                self.reads.publish(everything=True)

        return self.core.call(write, timeout=self.config.request_timeout_s)

    def read(self, fn: Callable[[], T]) -> T:
        """Run `fn`, which changes nothing, on the owner thread: for the few reads the
        snapshot does not hold (a job's runs and stats, the dependency graph)."""
        return self.core.call(fn, timeout=self.config.request_timeout_s)

    @property
    def snapshot(self) -> Snapshot:
        """What GETs answer from: the owner's last publish (never waits on it)."""
        return self.reads.current

    def close(self) -> None:
        self.stderr_tails.close()
        self.health_engine.stop()
        self.core.stop()
        self.store.close()
