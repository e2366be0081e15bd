"""/metrics in the Prometheus text format: gauges from the read model's last publish (a
scrape never waits on the owner thread), then the histograms, counters and process
metrics of its Telemetry.

Every task state has its series (0 when no task is in it), so a state's series never
vanishes between scrapes. API requests are timed here, by method and route rule.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.context import election
from mesos_vocab.states import TaskState
from scheduler.leadership.service import ElectionService
from scheduler.process.runtime import Runtime

# Every Mesos task state, as /metrics lists them.
TASK_STATES = sorted(state.value for state in TaskState)

blueprint = Blueprint("metrics", __name__)


@dataclass(frozen=True)
class Snapshot:
    apps: int
    jobs: int
    tasks: Counter[str]
    queue: int
    offers: int
    launched: int
    connected: bool
    deployments: int
    health_probes: int
    health_probe_failures: int
    health_kills: int
    publishes: int
    task_renders: int
    owner_cpu_s: float | None


class RuntimeCollector(Collector):
    """Reads the read model's last publish, and counters the owner only ever adds to."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    def _snapshot(self) -> Snapshot:
        fw = self._rt.framework
        health = self._rt.apps.health
        published = self._rt.snapshot
        counts = published.metrics
        return Snapshot(
            apps=counts.apps,
            jobs=counts.jobs,
            tasks=counts.tasks,
            queue=counts.queue,
            offers=fw.launcher.offers_seen,
            launched=fw.launcher.tasks_launched,
            connected=fw.connected,
            deployments=counts.deployments,
            health_probes=health.probes,
            health_probe_failures=health.probe_failures,
            health_kills=health.kills,
            publishes=published.generation,
            task_renders=published.renders,
            owner_cpu_s=self._rt.core.cpu_seconds(),
        )

    def collect(self) -> Iterator[Metric]:
        snap = self._snapshot()
        yield GaugeMetricFamily("dromos_apps", "Apps defined", value=snap.apps)
        yield GaugeMetricFamily("dromos_jobs", "Jobs defined", value=snap.jobs)
        tasks = GaugeMetricFamily("dromos_tasks", "Known tasks by Mesos state", labels=["state"])
        for state in sorted({*TASK_STATES, *snap.tasks}):
            tasks.add_metric([state], snap.tasks.get(state, 0))
        yield tasks
        yield GaugeMetricFamily(
            "dromos_launch_queue_size", "Task requests waiting for offers", value=snap.queue
        )
        yield CounterMetricFamily(
            "dromos_offers_received", "Mesos offers received", value=snap.offers
        )
        yield CounterMetricFamily(
            "dromos_tasks_launched", "Tasks launched", value=snap.launched
        )
        yield GaugeMetricFamily(
            "dromos_mesos_connected", "1 while subscribed to a Mesos master",
            value=1 if snap.connected else 0,
        )
        yield GaugeMetricFamily(
            "dromos_deployments_running", "Deployments in progress", value=snap.deployments
        )
        yield CounterMetricFamily(
            "dromos_health_probes", "Health probes run by the scheduler (HTTP, HTTPS, TCP)",
            value=snap.health_probes,
        )
        yield CounterMetricFamily(
            "dromos_health_probe_failures", "Health probes that failed",
            value=snap.health_probe_failures,
        )
        yield CounterMetricFamily(
            "dromos_health_kills", "Tasks killed for failing their health checks",
            value=snap.health_kills,
        )
        yield CounterMetricFamily(
            "dromos_read_model_publishes", "Snapshots the owner thread published for reads",
            value=snap.publishes,
        )
        if snap.owner_cpu_s is not None:
            yield CounterMetricFamily(
                "dromos_owner_thread_cpu_seconds",
                "CPU time of the owner thread, which applies every change of scheduling state",
                value=snap.owner_cpu_s,
            )
        yield CounterMetricFamily(
            "dromos_read_model_task_renders", "Task JSON objects rendered (once per change)",
            value=snap.task_renders,
        )


class LeadershipCollector(Collector):
    def __init__(self, election: ElectionService) -> None:
        self._election = election

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily("dromos_leader", "1 while this instance is the leader",
                                value=1 if self._election.is_leader() else 0)
        yield CounterMetricFamily(
            "dromos_leadership_changes", "Times this instance was elected or deposed",
            value=self._election.changes(),
        )


@blueprint.get("/metrics")
def metrics() -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(LeadershipCollector(election()))
    body = b""
    rt = _runtime()
    if rt is not None:
        registry.register(RuntimeCollector(rt))
        body = generate_latest(rt.framework.telemetry.registry)
    return Response(generate_latest(registry) + body, mimetype="text/plain; version=0.0.4")


def register(app: Flask) -> None:
    """Time every API request by its route rule (unmatched ones as "unmatched")."""

    @app.before_request
    def _start() -> None:
        g.dromos_started = time.perf_counter()

    @app.after_request
    def _observe(response: Response) -> Response:
        started, rt = g.pop("dromos_started", None), _runtime()
        if started is not None and rt is not None:
            route = request.url_rule.rule if request.url_rule else "unmatched"
            rt.framework.telemetry.api_requests.labels(request.method, route).observe(
                time.perf_counter() - started)
        return response


def _runtime() -> Runtime | None:
    """This process's runtime; None on a standby, which runs no scheduler."""
    rt: Runtime | None = current_app.extensions.get("dromos")
    return rt
