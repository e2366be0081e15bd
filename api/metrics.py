"""/metrics in the Prometheus text format, read from the scheduler at scrape time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, Response, current_app
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.context import election
from scheduler.leadership.service import ElectionService
from scheduler.process.runtime import Runtime

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
    job_successes: int
    job_errors: int


class RuntimeCollector(Collector):
    """Takes one consistent snapshot on the owner thread per scrape."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    def _snapshot(self) -> Snapshot:
        fw = self._rt.framework
        health = self._rt.apps.health
        jobs = self._rt.jobs.jobs()
        return Snapshot(
            apps=len(self._rt.apps.apps),
            jobs=len(jobs),
            tasks=Counter(t.state for t in fw.tracker),
            queue=len(fw.queue),
            offers=fw.launcher.offers_seen,
            launched=fw.launcher.tasks_launched,
            connected=fw.connected,
            deployments=len(self._rt.apps.deployments.running),
            health_probes=health.probes,
            health_probe_failures=health.probe_failures,
            health_kills=health.kills,
            job_successes=sum(j.counters.success_count for j in jobs),
            job_errors=sum(j.counters.error_count for j in jobs),
        )

    def collect(self) -> Iterator[Metric]:
        snap = self._rt.call(self._snapshot)
        yield GaugeMetricFamily("dromos_apps", "Apps defined", value=snap.apps)
        yield GaugeMetricFamily("dromos_jobs", "Jobs defined", value=snap.jobs)
        tasks = GaugeMetricFamily("dromos_tasks", "Known tasks by Mesos state", labels=["state"])
        for state, count in sorted(snap.tasks.items()):
            tasks.add_metric([state], count)
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
        runs = CounterMetricFamily("dromos_job_runs", "Finished job runs by outcome",
                                   labels=["outcome"])
        runs.add_metric(["success"], snap.job_successes)
        runs.add_metric(["error"], snap.job_errors)
        yield runs


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
    rt = current_app.extensions.get("dromos")  # None on a standby
    if rt is not None:
        registry.register(RuntimeCollector(rt))
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
