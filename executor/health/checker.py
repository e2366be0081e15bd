"""Mesos health-check semantics: delay, interval, grace period, consecutive failures, kill."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from executor.clock import Clock, SystemClock
from executor.health.probe import Probe, ProbeResult
from executor.task_spec import HealthCheckSpec

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HealthReport:
    """What to tell the scheduler (TASK_RUNNING with `healthy`), and whether to kill the task."""

    healthy: bool
    detail: str
    kill: bool = False


class HealthPolicy:
    """Turns probe results into reports, as Mesos does.

    Failures are ignored while no probe has succeeded yet and no more than `grace_period_s`
    has passed since `started_at`. Every counted failure is reported; the task is to be killed
    when `consecutive_failures` (if > 0) are reached. A success is reported the first time and
    the first time after failures.
    """

    def __init__(self, spec: HealthCheckSpec, started_at: float) -> None:
        self._spec = spec
        self._started_at = started_at
        self._ever_healthy = False
        self._failures = 0

    def observe(self, result: ProbeResult, now: float) -> HealthReport | None:
        if result.healthy:
            report = None
            if not self._ever_healthy or self._failures:
                report = HealthReport(True, result.detail)
            self._ever_healthy = True
            self._failures = 0
            return report
        if self._in_grace(now):
            log.info("health check failed within the grace period: %s", result.detail)
            return None
        self._failures += 1
        limit = self._spec.consecutive_failures
        return HealthReport(False, result.detail, kill=0 < limit <= self._failures)

    def _in_grace(self, now: float) -> bool:
        grace = self._spec.grace_period_s
        return not self._ever_healthy and grace > 0 and now - self._started_at <= grace


class HealthChecker:
    """Probes a task on its own thread and hands each report to `on_report`.

    The first probe runs `delay_s` after `start()`, each next one `interval_s` after the
    previous one finished. Probing ends with `stop()` or after a report that asks for a kill.
    """

    def __init__(
        self,
        spec: HealthCheckSpec,
        probe: Probe,
        on_report: Callable[[HealthReport], None],
        clock: Clock | None = None,
    ) -> None:
        self._spec = spec
        self._probe = probe
        self._on_report = on_report
        self._clock = clock or SystemClock()
        self._stop = threading.Event()

    def start(self) -> None:
        threading.Thread(target=self.run, name="health-check", daemon=True).start()

    def stop(self) -> None:
        self._stop.set()

    def run(self) -> None:
        """The probing loop (what `start` runs on a thread)."""
        policy = HealthPolicy(self._spec, self._clock.monotonic())
        if self._clock.wait(self._stop, self._spec.delay_s):
            return
        while True:
            result = self._probe(self._spec.timeout_s)
            if self._stop.is_set():
                return
            report = policy.observe(result, self._clock.monotonic())
            if report is not None:
                self._on_report(report)
                if report.kill:
                    return
            if self._clock.wait(self._stop, self._spec.interval_s):
                return
