"""DNS records from a snapshot: Mesos-DNS names and Consul-style service names.

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
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from discovery.membership import Json, routable
from discovery.naming import app_label, dns_label, domain
from discovery.snapshot import Snapshot


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


@dataclass
class _Builder:
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


def zone(snapshot: Snapshot, framework: str, origin: str,
         resolve: Callable[[str], str | None]) -> Zone:
    """The records of `snapshot` under `origin` (e.g. "mesos"); `resolve` maps host to IP
    (None: unknown, and the task is left out)."""
    origin = domain(origin)
    parents = (f"{domain(framework)}.{origin}", f"service.{origin}")
    build = _Builder()
    for app in snapshot.apps:
        names = _port_names(app)
        for task in _routable(app):
            if ip := resolve(task["host"]):
                build.task(app_label(app["id"]), parents, task, ip, names)
    for job, tasks in snapshot.jobs.items():
        for task in tasks:
            ip = resolve(task["host"])
            if ip and task.get("state") == "TASK_RUNNING" and dns_label(job):
                build.task(dns_label(job), parents, task, ip, [])
    return Zone(origin, {n: tuple(sorted(ips)) for n, ips in build.a.items()},
                {n: tuple(sorted(s, key=lambda r: (r.target, r.port)))
                 for n, s in build.srv.items()})


def _routable(app: Json) -> Iterable[Json]:
    return (t for t in app.get("tasks") or [] if routable(t, app) and app_label(app["id"]))
