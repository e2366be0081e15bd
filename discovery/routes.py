"""What `dromos lb` has HAProxy route, kept per app and changed per app.

`update` takes the apps that changed (their /v2 JSON, None for a deleted one) and says how
HAProxy must follow: by runtime API commands when only servers came or went and every
backend had the slots for them, or by a reload on a whole new configuration when an app's
frontends or backends changed or a backend ran out of slots. The work is that of the
apps that changed; only a reload renders every app.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from discovery import haproxy_config, haproxy_slots, membership
from discovery.haproxy_slots import Address, Slots
from discovery.membership import Json, Service


@dataclass(frozen=True)
class Change:
    """`config`: the configuration to reload with (None: no reload); `commands`: runtime
    API commands, when no reload is needed."""

    config: str | None = None
    commands: list[str] = field(default_factory=list)


class Routes:
    def __init__(self, settings: haproxy_config.Settings,
                 resolve: Callable[[str], str | None]) -> None:
        self.settings = settings
        self.resolve = resolve
        self.services: dict[str, Service] = {}
        self.skeletons: dict[str, tuple[str, ...]] = {}
        self.backends: dict[str, tuple[str, ...]] = {}  # app id -> its backends' names
        self.slots: dict[str, Slots] = {}

    def update(self, apps: Mapping[str, Json | None], everything: bool = False) -> Change:
        """Take the apps that changed (`everything`: these are all the apps there are)."""
        gone = set(self.services) - set(apps) if everything else set()
        changed = {**dict.fromkeys(gone), **apps}
        reload = bool(gone)
        wanted: dict[str, list[Address]] = {}
        for app_id, app in changed.items():
            service = None if app is None else membership.service_of(app)
            skeleton = () if service is None else haproxy_config.skeleton(service, self.settings)
            reload |= skeleton != self.skeletons.get(app_id, ())
            self._store(app_id, service, skeleton)
            if service is not None:
                wanted.update(self._members(service))
        commands: list[str] = []
        placed: dict[str, Slots] = {}
        for backend, members in wanted.items():
            current = self.slots.get(backend)
            fitted = None if current is None else haproxy_slots.assign(current, members)
            if fitted is None:
                reload = True
                placed[backend] = haproxy_slots.fit(current, members)
            else:
                placed[backend] = fitted
                commands += haproxy_slots.commands(backend, current or (), fitted)
        live = {b for names in self.backends.values() for b in names}
        self.slots = {b: s for b, s in {**self.slots, **placed}.items() if b in live}
        if reload:
            return Change(config=self.render())
        return Change(commands=commands)

    def render(self) -> str:
        services = [self.services[a] for a in sorted(self.services)]
        return haproxy_config.render(services, self.settings, self.slots)

    def members(self) -> dict[str, frozenset[Address]]:
        """Each backend's servers (whatever their slots)."""
        return {b: frozenset(a for a in s if a) for b, s in self.slots.items()}

    def _store(self, app_id: str, service: Service | None, skeleton: tuple[str, ...]) -> None:
        if service is None:
            self.services.pop(app_id, None)
            self.skeletons.pop(app_id, None)
            self.backends.pop(app_id, None)
            return
        self.services[app_id] = service
        self.skeletons[app_id] = skeleton
        self.backends[app_id] = tuple(haproxy_config.backend_name(p) for p in
                                      haproxy_config.routed_ports([service], self.settings))

    def _members(self, service: Service) -> dict[str, list[Address]]:
        out: dict[str, list[Address]] = {}
        for port in haproxy_config.routed_ports([service], self.settings):
            addresses = ((self.resolve(i.host), i.port) for i in port.instances)
            out[haproxy_config.backend_name(port)] = [(ip, p) for ip, p in addresses if ip]
        return out
