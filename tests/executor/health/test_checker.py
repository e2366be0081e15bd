"""Health-check timing and verdicts as Mesos defines them, on a fake clock."""

from __future__ import annotations

import threading

import pytest

from executor.health.checker import HealthChecker, HealthReport
from executor.health.probe import ProbeResult
from executor.task_spec import CheckKind, HealthCheckSpec

PASS, FAIL = True, False


class FakeClock:
    """Time moves only when waited on or when a probe takes time."""

    def __init__(self) -> None:
        self.now = 0.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now

    def wait(self, stop: threading.Event, seconds: float) -> bool:
        self.now += seconds
        return stop.is_set()


class ScriptedProbe:
    """Answers from a script, each answer taking `duration_s`.

    Asked once more than scripted, it stops the checker (whose answer then goes unheard).
    """

    def __init__(self, clock: FakeClock, script: list[bool], duration_s: float = 0.0) -> None:
        self.clock = clock
        self.script = list(script)
        self.duration_s = duration_s
        self.started_at: list[float] = []
        self.timeouts: list[float] = []
        self.checker: HealthChecker | None = None

    def __call__(self, timeout_s: float) -> ProbeResult:
        if not self.script:
            assert self.checker is not None
            self.checker.stop()
            return ProbeResult(False, "past the script")
        self.started_at.append(self.clock.now)
        self.timeouts.append(timeout_s)
        self.clock.now += self.duration_s
        healthy = self.script.pop(0)
        return ProbeResult(healthy, "ok" if healthy else "down")


def run_checks(
    script: list[bool], duration_s: float = 0.0, **spec: float
) -> tuple[list[HealthReport], ScriptedProbe]:
    """Run a checker synchronously over `script`; returns its reports and the probe."""
    clock = FakeClock()
    probe = ScriptedProbe(clock, script, duration_s)
    timing = {"delay_s": 0.0, "interval_s": 1.0, "grace_period_s": 0.0, **spec}
    reports: list[HealthReport] = []
    checker = HealthChecker(HealthCheckSpec(CheckKind.TCP, **timing), probe, reports.append, clock)
    probe.checker = checker
    checker.run()
    return reports, probe


def verdicts(reports: list[HealthReport]) -> list[tuple[bool, bool]]:
    return [(r.healthy, r.kill) for r in reports]


def test_first_probe_waits_the_delay_and_each_next_the_interval_after_the_last_finished() -> None:
    _, probe = run_checks([PASS, PASS, PASS], duration_s=2.0, delay_s=5.0, interval_s=10.0)

    assert probe.started_at == [5.0, 17.0, 29.0]


def test_each_probe_gets_the_timeout() -> None:
    _, probe = run_checks([PASS, PASS], timeout_s=7.0)

    assert probe.timeouts == [7.0, 7.0]


def test_healthy_is_reported_on_first_success_and_first_success_after_failures() -> None:
    reports, _ = run_checks([PASS, PASS, FAIL, PASS, PASS])

    assert verdicts(reports) == [(True, False), (False, False), (True, False)]


def test_every_counted_failure_is_reported_and_the_last_allowed_one_kills() -> None:
    reports, probe = run_checks([FAIL, FAIL, FAIL, PASS], consecutive_failures=3)

    assert verdicts(reports) == [(False, False), (False, False), (False, True)]
    assert len(probe.started_at) == 3, "no probe after the kill"


def test_a_success_resets_the_consecutive_failure_count() -> None:
    reports, _ = run_checks([FAIL, FAIL, PASS, FAIL, FAIL], consecutive_failures=3)

    assert not any(r.kill for r in reports)


def test_zero_consecutive_failures_never_kills() -> None:
    reports, _ = run_checks([FAIL] * 10, consecutive_failures=0)

    assert len(reports) == 10
    assert not any(r.kill for r in reports)


def test_failures_within_the_grace_period_are_ignored() -> None:
    # Probes at t = 0, 3, 6, 9 are inside a 10 s grace period; t = 12 is not.
    reports, _ = run_checks([FAIL] * 5, interval_s=3.0, grace_period_s=10.0)

    assert verdicts(reports) == [(False, False)]


def test_grace_period_counts_from_the_checker_start_including_the_delay() -> None:
    reports, _ = run_checks([FAIL, FAIL], delay_s=8.0, interval_s=3.0, grace_period_s=10.0)

    assert verdicts(reports) == [(False, False)]


def test_grace_period_ends_with_the_first_success() -> None:
    reports, _ = run_checks([PASS, FAIL], interval_s=1.0, grace_period_s=60.0)

    assert verdicts(reports) == [(True, False), (False, False)]


def test_a_task_that_never_passes_within_grace_is_killed_after_it() -> None:
    reports, probe = run_checks(
        [FAIL] * 10, interval_s=1.0, grace_period_s=3.0, consecutive_failures=2
    )

    assert verdicts(reports) == [(False, False), (False, True)]
    assert probe.started_at[-1] == 5.0


@pytest.mark.parametrize("when", ["before the first probe", "during a probe"])
def test_stop_ends_probing_without_reporting(when: str) -> None:
    clock = FakeClock()
    probe = ScriptedProbe(clock, [] if when == "during a probe" else [FAIL])
    reports: list[HealthReport] = []
    spec = HealthCheckSpec(CheckKind.TCP, delay_s=1.0, grace_period_s=0.0)
    checker = HealthChecker(spec, probe, reports.append, clock)
    probe.checker = checker
    if when == "before the first probe":
        checker.stop()

    checker.run()

    assert reports == []
