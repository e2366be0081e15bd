"""The probing engine on its thread, against real loopback servers."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from scheduler.base.clock import SystemClock
from scheduler.health.engine import HealthEngine, ProbeReport
from scheduler.health.probes import Protocol, Target, Verdict
from tests.scheduler.health.conftest import StubServer
from tests.support.dev import wait_for


class Reports:
    """Collects what the engine reports, from its thread."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: list[ProbeReport] = []

    def __call__(self, batch: list[ProbeReport]) -> None:
        with self.lock:
            self.items.extend(batch)

    def of(self, task_id: str) -> list[ProbeReport]:
        with self.lock:
            return [r for r in self.items if r.key[0] == task_id]


@pytest.fixture
def reports() -> Reports:
    return Reports()


@pytest.fixture
def engine(reports: Reports) -> Iterator[HealthEngine]:
    running = HealthEngine(SystemClock(), reports, max_in_flight=3, flush_s=0.01)
    running.start()
    yield running
    running.stop()


def _target(task_id: str, port: int, path: str = "/", interval_s: float = 0.05,
            protocol: Protocol = Protocol.HTTP) -> Target:
    return Target((task_id, 0), "localhost", port, protocol, path, interval_s, 2.0)


def test_each_target_is_probed_again_every_interval(
    engine: HealthEngine, reports: Reports, http_server: StubServer
) -> None:
    engine.watch([_target("ok", http_server.port), _target("bad", http_server.port,
                                                            "/status/500")])
    wait_for(lambda: len(reports.of("ok")) >= 3 and len(reports.of("bad")) >= 3, 5)
    assert {r.outcome.verdict for r in reports.of("ok")} == {Verdict.HEALTHY}
    assert {r.outcome.verdict for r in reports.of("bad")} == {Verdict.UNHEALTHY}


def test_an_unwatched_target_is_no_longer_probed(
    engine: HealthEngine, reports: Reports, http_server: StubServer
) -> None:
    engine.watch([_target("gone", http_server.port), _target("kept", http_server.port)])
    wait_for(lambda: reports.of("gone"), 5)
    engine.unwatch([("gone", 0)])
    time.sleep(0.05)  # a report already in the batch may still arrive
    seen = len(reports.of("gone"))
    kept = len(reports.of("kept"))
    wait_for(lambda: len(reports.of("kept")) >= kept + 3, 5)
    assert len(reports.of("gone")) == seen


def test_watching_a_key_again_replaces_its_target(
    engine: HealthEngine, reports: Reports, http_server: StubServer
) -> None:
    engine.watch([_target("t", http_server.port, "/status/500")])
    wait_for(lambda: reports.of("t"), 5)
    engine.watch([_target("t", http_server.port, "/status/200")])
    wait_for(lambda: reports.of("t")[-1].outcome.verdict is Verdict.HEALTHY, 5)


def test_never_more_probes_in_flight_than_allowed(
    engine: HealthEngine, reports: Reports, http_server: StubServer
) -> None:
    engine.watch([_target(f"slow-{i}", http_server.port, "/slow") for i in range(9)])
    wait_for(lambda: len({r.key for r in reports.items}) == 9, 10)
    assert http_server.peak == 3
    assert engine.peak_in_flight == 3


def test_an_unresolvable_host_is_a_failure(engine: HealthEngine, reports: Reports) -> None:
    target = Target(("t", 0), "no-such-host.invalid", 80, Protocol.TCP, "/", 0.05, 1.0)
    engine.watch([target])
    (first, *_) = wait_for(lambda: reports.of("t"), 10)
    assert first.outcome.verdict is Verdict.UNHEALTHY
    assert "cannot resolve no-such-host.invalid" in str(first.outcome.cause)


def test_stop_cancels_probes_that_still_run(reports: Reports, http_server: StubServer) -> None:
    engine = HealthEngine(SystemClock(), reports, flush_s=0.01)
    engine.start()
    engine.watch([_target("hang", http_server.port, "/hang", interval_s=0.01)])
    wait_for(lambda: http_server.requests, 5)
    engine.stop()
    assert reports.of("hang") == []
