"""DNS records of apps and jobs: Mesos-DNS names and Consul-style service names.

For an app `/prod/web` (label `web-prod`, see `naming`) on framework F, domain D:
`web-prod.F.D` and `web-prod.service.D` A records list the hosts of its routable tasks;
`_web-prod._tcp.F.D` and `_web-prod._tcp.service.D` SRV records point at one name per
task (`web-prod-<5 hex of the task id's SHA-1>.F.D`) with its host port, and named ports
also get `_<port name>._web-prod._tcp.F.D`. A job's running tasks get the same names
from the job's name. Only healthy, ready tasks are in it; Mesos-DNS has no such filter.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from discovery.membership import Json, routable
from discovery.naming import app_label, dns_label, domain


@dataclass(frozen=True)
class Srv:
    port: int
    target: str


@dataclass(frozen=True)
class Zone:
    origin: str
    a: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    srv: Mapping[str, tuple[Srv, ...]] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.a or name in self.srv or name == self.origin


Records = dict[str, set[Any]]  # name -> A addresses (str) or SRV records (Srv)


@dataclass
class _Builder:
    """The records of one source (an app or a job)."""

    a: defaultdict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    srv: defaultdict[str, set[Srv]] = field(default_factory=lambda: defaultdict(set))

    def task(self, label: str, parents: Sequence[str], task: Json, ip: str,
             port_names: Sequence[str | None]) -> None:
        short = hashlib.sha1(task["id"].encode()).hexdigest()[:5]
        for parent in parents:
            canonical = f"{label}-{short}.{parent}"
            self.a[f"{label}.{parent}"].add(ip)
            self.a[canonical].add(ip)
            for index, port in enumerate(task.get("ports") or []):
                self.srv[f"_{label}._tcp.{parent}"].add(Srv(port, canonical))
                name = port_names[index] if index < len(port_names) else None
                if name and dns_label(name):
                    self.srv[f"_{dns_label(name)}._{label}._tcp.{parent}"].add(
                        Srv(port, canonical))


def _port_names(app: Json) -> list[str | None]:
    entries = app.get("portDefinitions") or (app.get("container") or {}).get("portMappings")
    return [e.get("name") for e in entries or []]


class _Table:
    """One record type's names, each the union of what its sources give it."""

    def __init__(self, order: Callable[[Any], Any]) -> None:
        self.order = order
        self.by_source: dict[str, Records] = {}
        self.sources: dict[str, set[str]] = {}  # name -> sources giving it records
        self.names: dict[str, tuple[Any, ...]] = {}

    def put(self, source: str, records: Records) -> None:
        old = self.by_source.pop(source, {})
        if records:
            self.by_source[source] = records
        for name in old.keys() - records.keys():
            self.sources[name].discard(source)
        for name in records:
            self.sources.setdefault(name, set()).add(source)
        for name in old.keys() | records.keys():
            given = self.sources.get(name, set())
            values = set().union(*(self.by_source[s][name] for s in given))
            if values:
                self.names[name] = tuple(sorted(values, key=self.order))  # one swap per name
            else:
                self.names.pop(name, None)
                self.sources.pop(name, None)


class ZoneBook:
    """The zone kept source by source: an app's (or a job's) change rewrites only the names
    it gave or gives. `zone` is live: each name changes in one assignment."""

    def __init__(self, framework: str, origin: str,
                 resolve: Callable[[str], str | None]) -> None:
        self.origin = domain(origin)
        self.parents = (f"{domain(framework)}.{self.origin}", f"service.{self.origin}")
        self.resolve = resolve
        self._a = _Table(lambda ip: ip)
        self._srv = _Table(lambda r: (r.target, r.port))
        self.zone = Zone(self.origin, self._a.names, self._srv.names)

    def apply(self, apps: Mapping[str, Json | None],
              jobs: Mapping[str, Sequence[Json] | None]) -> None:
        """Take changed apps and jobs (None: gone)."""
        for app_id, app in apps.items():
            build = _Builder()
            label = app_label(app_id)
            if app is not None and label:
                names = _port_names(app)
                for task in app.get("tasks") or []:
                    ip = self.resolve(task["host"]) if routable(task, app) else None
                    if ip:
                        build.task(label, self.parents, task, ip, names)
            self._put(app_id, build)
        for job, tasks in jobs.items():
            build = _Builder()
            for task in tasks or []:
                ip = self.resolve(task["host"])
                if ip and task.get("state") == "TASK_RUNNING" and dns_label(job):
                    build.task(dns_label(job), self.parents, task, ip, [])
            self._put(f"job:{job}", build)

    def _put(self, source: str, build: _Builder) -> None:
        self._a.put(source, dict(build.a))
        self._srv.put(source, dict(build.srv))
