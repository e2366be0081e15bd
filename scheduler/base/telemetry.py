"""The scheduler's own measurements for /metrics: histograms and counters that only grow.

Each runtime has its own registry (tests run several in one process). Counters count
from the start of this process, as Prometheus counters do (a restart resets them; rate()
copes); nothing in them goes down when a job or an app is deleted.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector

# Seconds, from a millisecond API call to a five-minute wait for offers.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
           30.0, 60.0, 300.0)
JOB_RUN_OUTCOMES = ("success", "error", "killed")
# Queued tasks not yet running whose queue time is remembered (the oldest go first).
MAX_REMEMBERED = 100_000


class Telemetry:
    """What the scheduler observes as it works; every method is safe from any thread."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        for collector in (ProcessCollector, PlatformCollector, GCCollector):
            collector(registry=self.registry)
        self.api_requests = Histogram(
            "dromos_api_request_duration_seconds", "API requests by method and route",
            ["method", "route"], buckets=BUCKETS, registry=self.registry)
        self.offer_cycles = Histogram(
            "dromos_offer_cycle_seconds", "Time to match and answer one batch of offers",
            buckets=BUCKETS, registry=self.registry)
        self.queued_to_running = Histogram(
            "dromos_task_queued_to_running_seconds",
            "From a task request joining the launch queue to its task running, by kind",
            ["kind"], buckets=BUCKETS, registry=self.registry)
        self.job_start_lateness = Histogram(
            "dromos_job_start_lateness_seconds",
            "How long after its scheduled slot a scheduled run's first attempt ran",
            buckets=BUCKETS, registry=self.registry)
        self.health_probes = Histogram(
            "dromos_health_probe_duration_seconds",
            "Scheduler-run health probes (HTTP, HTTPS, TCP), start to verdict",
            buckets=BUCKETS, registry=self.registry)
        self.job_runs = Counter(
            "dromos_job_runs", "Job runs settled by this process, by outcome", ["outcome"],
            registry=self.registry)
        for outcome in JOB_RUN_OUTCOMES:
            self.job_runs.labels(outcome)
        for kind in ("app", "job"):
            self.queued_to_running.labels(kind)
        self._queued_at: OrderedDict[str, float] = OrderedDict()

    @contextmanager
    def offer_cycle(self) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.offer_cycles.observe(time.perf_counter() - started)

    def task_queued(self, task_id: str, now: float) -> None:
        self._queued_at[task_id] = now
        if len(self._queued_at) > MAX_REMEMBERED:
            self._queued_at.popitem(last=False)

    def task_running(self, kind: str, task_id: str, now: float) -> None:
        """`kind`: "app" or "job"."""
        queued = self._queued_at.pop(task_id, None)
        if queued is not None:
            self.queued_to_running.labels(kind).observe(max(0.0, now - queued))

    def task_gone(self, task_id: str) -> None:
        self._queued_at.pop(task_id, None)

    def job_run_settled(self, outcome: str) -> None:
        self.job_runs.labels(outcome).inc()
