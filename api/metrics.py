"""/metrics in the Prometheus text format, read from the scheduler at scrape time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

from flask import Blueprint, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from api.context import runtime
from scheduler.runtime import Runtime

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


class RuntimeCollector(Collector):
    """Takes one consistent snapshot on the owner thread per scrape."""

    def __init__(self, rt: Runtime) -> None:
        self._rt = rt

    def _snapshot(self) -> Snapshot:
        fw = self._rt.framework
        return Snapshot(
            apps=len(self._rt.apps.apps),
            jobs=len(self._rt.jobs.jobs()),
            tasks=Counter(t.state for t in fw.tracker),
            queue=len(fw.queue),
            offers=fw.launcher.offers_seen,
            launched=fw.launcher.tasks_launched,
            connected=fw.connected,
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


@blueprint.get("/metrics")
def metrics() -> Response:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(RuntimeCollector(runtime()))
    return Response(generate_latest(registry), mimetype="text/plain; version=0.0.4")
