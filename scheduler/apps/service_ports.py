"""Service ports: the cluster-wide port of each app port, the one load balancers bind.

Marathon's rules: a service port of 0 (`portDefinitions[].port` in host networking,
`container.portMappings[].servicePort` otherwise) gets the lowest free port of the
configured range (`--local_port_min/max`, 10000-20000 by default), unique across apps;
the number is written into the definition, so it survives restarts. An app that is
changed gets its old service ports back first, so re-posting it keeps its ports. Dromos
also refuses an explicit service port another app already holds (Marathon leaves that
to the user, and load balancers then serve one of the two apps at random).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace

from scheduler.apps.model import AppDefinition, Container
from scheduler.base.errors import ValidationFailed, Violation


@dataclass(frozen=True)
class PortRange:
    low: int = 10000
    high: int = 20000

    def __contains__(self, port: object) -> bool:
        return isinstance(port, int) and self.low <= port <= self.high


def service_ports(app: AppDefinition) -> tuple[int, ...]:
    """The app's service ports, one per port definition (host) or port mapping."""
    if app.uses_host_network:
        return tuple(pd.port for pd in app.port_definitions)
    mappings = app.container.port_mappings if app.container else ()
    return tuple(pm.service_port for pm in mappings)


def _port_path(app: AppDefinition, index: int) -> str:
    if app.uses_host_network:
        return f"/portDefinitions({index})/port"
    return f"/container/portMappings({index})/servicePort"


def with_service_ports(app: AppDefinition, ports: tuple[int, ...]) -> AppDefinition:
    """`app` with its service ports replaced by `ports` (same length)."""
    if app.uses_host_network:
        definitions = tuple(
            replace(pd, port=port) for pd, port in zip(app.port_definitions, ports, strict=True)
        )
        return replace(app, port_definitions=definitions)
    container = app.container or Container()
    mappings = tuple(
        replace(pm, service_port=port)
        for pm, port in zip(container.port_mappings, ports, strict=True)
    )
    return replace(app, container=replace(container, port_mappings=mappings))


def inherit(app: AppDefinition, previous: AppDefinition | None, ports: PortRange) -> (
    AppDefinition
):
    """Fill `app`'s zero service ports with `previous`'s dynamic ones, in their order."""
    wanted = service_ports(app)
    if previous is None or 0 not in wanted:
        return app
    reusable = iter(p for p in service_ports(previous) if p in ports and p not in wanted)
    filled = tuple(port or next(reusable, 0) for port in wanted)
    return with_service_ports(app, filled)


def assign(
    target: Mapping[str, AppDefinition | None],
    current: Mapping[str, AppDefinition],
    ports: PortRange,
) -> dict[str, AppDefinition | None]:
    """`target` with every zero service port assigned; 422 on a clash or an empty range."""
    taken = {
        port: app_id for app_id, app in current.items() if app_id not in target
        for port in service_ports(app) if port
    }
    inherited = {
        app_id: None if app is None else inherit(app, current.get(app_id), ports)
        for app_id, app in target.items()
    }
    for app_id, app in inherited.items():
        for index, port in enumerate(service_ports(app) if app else ()):
            owner = taken.setdefault(port, app_id) if port else app_id
            if owner != app_id:
                raise _refused(app_id, _port_path(app, index),  # type: ignore[arg-type]
                               f"Service port {port} is already used by app {owner}")
    free = (port for port in range(ports.low, ports.high + 1) if port not in taken)
    return {app_id: app and _fill(app, free, ports) for app_id, app in inherited.items()}


def _fill(app: AppDefinition, free: Iterator[int], ports: PortRange) -> AppDefinition:
    wanted = service_ports(app)
    if 0 not in wanted:
        return app
    filled = []
    for index, port in enumerate(wanted):
        port = port or next(free, 0)
        if not port:
            raise _refused(app.id, _port_path(app, index),
                           f"All service ports in {ports.low}-{ports.high} are in use")
        filled.append(port)
    return with_service_ports(app, tuple(filled))


def _refused(app_id: str, path: str, error: str) -> ValidationFailed:
    return ValidationFailed([Violation(path, (f"{app_id}: {error}",))])
