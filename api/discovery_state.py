"""The scheduler's state as the in-process discovery servers read it (`discovery.Feed`).

Apps are the same AppInfo JSON `/v2/apps?embed=apps.tasks&embed=apps.readiness` answers,
so DNS, the catalog and `dromos lb` agree on who is a member.
"""

from __future__ import annotations

import contextlib
import queue
import socket
from collections.abc import Callable

from api.marathon_json import app_info
from discovery.consul_catalog import catalog
from discovery.consul_server import CatalogState, ConsulServer
from discovery.dns_records import Zone, zone
from discovery.dns_server import DnsServers, ZoneResolver
from discovery.feed import Feed, Listener
from discovery.snapshot import Snapshot
from scheduler.events import EventBus
from scheduler.runtime import Runtime
from scheduler.task_request import JOB_PREFIX, is_job

EMBED = {"apps.tasks", "apps.readiness"}


def snapshot(rt: Runtime) -> Snapshot:
    def build() -> Snapshot:
        apps = [app_info(rt.apps, app, EMBED) for app in
                sorted(rt.apps.apps.values(), key=lambda a: a.id)]
        jobs: dict[str, list[dict]] = {}
        for record in rt.framework.tracker:
            if is_job(record.run_spec_id) and record.is_running:
                jobs.setdefault(record.run_spec_id.removeprefix(JOB_PREFIX), []).append({
                    "id": record.task_id, "host": record.hostname,
                    "ports": list(record.ports), "state": record.state,
                })
        return Snapshot(apps, jobs)

    return rt.call(build)


class _Events:
    """The feed's subscription; subscribed again if the bus cut it off for lagging."""

    def __init__(self, bus: EventBus) -> None:
        self.bus = bus
        self.subscription = bus.subscribe()

    def next(self, timeout: float) -> object:
        if self.subscription.closed:
            self.subscription = self.bus.subscribe()
            return "resubscribed"  # events may have been lost: rebuild
        return self.subscription.get(timeout)

    def drain(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self.subscription.queue.get_nowait()


def feed(rt: Runtime, listeners: list[Listener]) -> Feed:
    """A feed of `rt`'s state, subscribed to its event bus."""
    events = _Events(rt.framework.events)
    return Feed(lambda: snapshot(rt), events.next, events.drain, listeners)


class _Resolver:
    """Agent host names to IPv4 addresses, remembered (agents do not move)."""

    def __init__(self) -> None:
        self.known: dict[str, str | None] = {}

    def __call__(self, host: str) -> str | None:
        if host not in self.known:
            try:
                self.known[host] = socket.gethostbyname(host)
            except OSError:
                self.known[host] = None
        return self.known[host]


def start(rt: Runtime) -> Callable[[], None]:
    """Start the discovery servers `rt.config` asks for; returns what stops them."""
    config = rt.config
    stops: list[Callable[[], None]] = []
    listeners: list[Listener] = []
    resolve = _Resolver()
    if config.dns_port is not None:
        resolver = ZoneResolver(Zone(config.dns_domain), config.dns_ttl)
        servers = DnsServers(resolver, config.host, config.dns_port)
        listeners.append(lambda snap: resolver.update(
            zone(snap, config.framework_name, config.dns_domain, resolve)))
        servers.start()
        stops.append(servers.stop)
        print(f"dromos scheduler: DNS on {config.host}:{servers.port} (udp, tcp)", flush=True)
    if config.consul_port is not None:
        catalog_state = CatalogState(config.consul_datacenter, config.hostname)
        consul = ConsulServer(catalog_state, config.host, config.consul_port)
        listeners.append(lambda snap: catalog_state.update(
            catalog(snap, config.consul_datacenter, resolve)))
        consul.start()
        stops.append(consul.stop)
        print(f"dromos scheduler: Consul catalog on http://{config.host}:{consul.port}",
              flush=True)
    if not listeners:
        return lambda: None
    running = feed(rt, listeners)
    running.start()
    stops.insert(0, running.stop)

    def stop_all() -> None:
        for stop in stops:
            stop()

    return stop_all
