"""The scheduler's state as the in-process discovery servers read it (`discovery.Feed`).

Apps are the same AppInfo JSON `/v2/apps?embed=apps.tasks&embed=apps.readiness` answers,
so DNS, the catalog and `dromos lb` agree on who is a member.
"""

from __future__ import annotations

import contextlib
import queue
from collections.abc import Callable, Iterable

from api.marathon_json import app_info
from discovery.consul_catalog import CatalogBook
from discovery.consul_server import CatalogState, ConsulServer
from discovery.dns_records import ZoneBook
from discovery.dns_server import DnsServers, ZoneResolver
from discovery.feed import Delta, Event, Feed, Listener, Source
from discovery.hosts import HostAddresses
from discovery.membership import Json
from discovery.shutdown import stop_together
from scheduler.launch.task_request import JOB_PREFIX, is_job
from scheduler.process.runtime import Runtime

EMBED = {"apps.tasks", "apps.readiness"}


class _Source(Source):
    """The runtime's event bus and state; reads run on the owner thread."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.subscription = rt.framework.events.subscribe()

    def next_event(self, timeout: float) -> Event | None:
        if self.subscription.closed:  # cut off for lagging: events were lost
            self.subscription = self.rt.framework.events.subscribe()
            return {}
        return self.subscription.get(timeout)

    def pending(self) -> list[Event]:
        events: list[Event] = []
        with contextlib.suppress(queue.Empty):
            while True:
                event = self.subscription.queue.get_nowait()
                events.append(event if event is not None else {})
        return events

    def apps(self, app_ids: Iterable[str] | None) -> dict[str, Json | None]:
        def read() -> dict[str, Json | None]:
            known = self.rt.apps.apps
            wanted = sorted(known) if app_ids is None else sorted(app_ids)
            return {a: app_info(self.rt.apps, known[a], EMBED) if a in known else None
                    for a in wanted}

        return self.rt.call(read)

    def jobs(self) -> dict[str, list[Json]]:
        def read() -> dict[str, list[Json]]:
            jobs: dict[str, list[Json]] = {}
            for record in self.rt.framework.tracker:
                if is_job(record.run_spec_id) and record.is_running:
                    jobs.setdefault(record.run_spec_id.removeprefix(JOB_PREFIX), []).append({
                        "id": record.task_id, "host": record.hostname,
                        "ports": list(record.ports), "state": record.state,
                    })
            return jobs

        return self.rt.call(read)

    def is_job(self, run_spec_id: str) -> bool:
        return is_job(run_spec_id)


def start(rt: Runtime) -> Callable[[], None]:
    """Start the discovery servers `rt.config` asks for; returns what stops them."""
    config = rt.config
    stops: list[Callable[[], None]] = []
    listeners: list[Listener] = []
    resolve = HostAddresses()
    if config.dns_port is not None:
        book = ZoneBook(config.framework_name, config.dns_domain, resolve)
        resolver = ZoneResolver(book.zone, config.dns_ttl)
        servers = DnsServers(resolver, config.host, config.dns_port)

        def dns_changed(delta: Delta) -> None:
            book.apply(delta.apps, delta.jobs)
            resolver.update(book.zone)

        listeners.append(dns_changed)
        servers.start()
        stops.append(servers.stop)
        print(f"dromos scheduler: DNS on {config.host}:{servers.port} (udp, tcp)", flush=True)
    if config.consul_port is not None:
        catalog_state = CatalogState(config.consul_datacenter, config.hostname)
        consul = ConsulServer(catalog_state, config.host, config.consul_port)
        services = CatalogBook(config.consul_datacenter, resolve)
        listeners.append(lambda delta: catalog_state.apply(services.apply(delta.apps)))
        consul.start()
        stops.append(consul.stop)
        print(f"dromos scheduler: Consul catalog on http://{config.host}:{consul.port}",
              flush=True)
    if not listeners:
        return lambda: None
    running = Feed(_Source(rt), listeners)
    running.start()
    stops.insert(0, running.stop)

    return lambda: stop_together(*stops)
