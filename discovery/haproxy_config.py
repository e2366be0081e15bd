"""The HAProxy configuration for a set of services: a pure function of the services.

marathon-lb's label names, per service port `n`: `HAPROXY_{n}_VHOST` (comma-separated
host names, routed on the shared HTTP frontend; implies http mode), `HAPROXY_{n}_PORT`
(bind port instead of the service port), `HAPROXY_{n}_MODE` (tcp or http; an HTTP health
check on the port forces http, as in marathon-lb), `HAPROXY_{n}_BIND_ADDR`,
`HAPROXY_{n}_BALANCE`, and the groups `HAPROXY_GROUP` / `HAPROXY_{n}_GROUP`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from discovery.haproxy_slots import Slots, server_name
from discovery.membership import Service, ServicePort
from discovery.naming import haproxy_name

GLOBAL = """\
global
    maxconn 4096
    hard-stop-after 60s

defaults
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 2s
    timeout queue 10s
    # A request whose server went away in the meantime goes to another one.
    retries 3
    option redispatch 1
"""


@dataclass(frozen=True)
class Settings:
    bind_address: str = "0.0.0.0"
    http_port: int = 80
    stats_port: int = 9090
    groups: tuple[str, ...] = ("*",)


def _label(port: ServicePort, key: str, default: str = "") -> str:
    return port.labels.get(f"HAPROXY_{port.index}_{key}", default).strip()


def _in_groups(port: ServicePort, groups: Sequence[str]) -> bool:
    if "*" in groups:
        return True
    named = _label(port, "GROUP") or port.labels.get("HAPROXY_GROUP", "")
    return bool({g.strip() for g in named.split(",") if g.strip()} & set(groups))


def _vhosts(port: ServicePort) -> list[str]:
    return [h.strip() for h in _label(port, "VHOST").split(",") if h.strip()]


def mode(port: ServicePort) -> str:
    chosen = _label(port, "MODE").lower()
    if chosen in ("tcp", "http") and not port.http_health_check:
        return chosen
    return "http" if _vhosts(port) or port.http_health_check else "tcp"


def bind_port(port: ServicePort) -> int:
    value = _label(port, "PORT")
    return int(value) if value.isdigit() else port.service_port


def routed_ports(services: Iterable[Service], settings: Settings) -> list[ServicePort]:
    """Ports that get a frontend: a real (non-zero) port, tcp, in the selected groups."""
    return [p for s in services for p in s.ports
            if bind_port(p) and "tcp" in p.protocol and _in_groups(p, settings.groups)]


def _frontend(port: ServicePort, settings: Settings) -> str:
    name = backend_name(port)
    address = _label(port, "BIND_ADDR", settings.bind_address)
    return (f"frontend {name}\n    bind {address}:{bind_port(port)}\n"
            f"    mode {mode(port)}\n    use_backend {name}\n")


def backend_name(port: ServicePort) -> str:
    return haproxy_name(port.app_id, port.service_port)


def _backend(port: ServicePort, slots: Slots) -> str:
    name = backend_name(port)
    lines = [f"backend {name}", f"    mode {mode(port)}",
             f"    balance {_label(port, 'BALANCE', 'roundrobin')}"]
    if mode(port) == "http":
        lines.append("    retry-on conn-failure empty-response response-timeout")
    for index, address in enumerate(slots):
        # An empty slot waits in maintenance for the runtime API to fill it.
        server = f"{address[0]}:{address[1]}" if address else "0.0.0.0:0 disabled"
        lines.append(f"    server {server_name(index)} {server}")
    return "\n".join(lines) + "\n"


def _vhost_frontend(ports: Sequence[ServicePort], settings: Settings) -> str:
    lines = ["frontend dromos_http_in", f"    bind {settings.bind_address}:{settings.http_port}",
             "    mode http"]
    for port in ports:
        name = haproxy_name(port.app_id, port.service_port)
        hosts = " ".join(_vhosts(port))
        lines.append(f"    acl host_{name} req.hdr(host),field(1,:) -i {hosts}")
        lines.append(f"    use_backend {name} if host_{name}")
    return "\n".join(lines) + "\n"


def render(services: Iterable[Service], settings: Settings = Settings(),
           slots: Mapping[str, Slots] | None = None) -> str:
    """The whole configuration, each backend's servers in `slots` (by backend name); the
    same services and slots always give the same text."""
    ports = routed_ports(services, settings)
    slots = slots or {}
    # Also what keeps HAProxy up with no app to route: it will not run without a listener.
    stats = (f"listen stats\n    bind {settings.bind_address}:{settings.stats_port}\n"
             "    mode http\n    stats enable\n    stats uri /haproxy?stats\n")
    sections = [GLOBAL, stats]
    vhosted = [p for p in ports if _vhosts(p)]
    if vhosted:
        sections.append(_vhost_frontend(vhosted, settings))
    for port in ports:
        sections.append(_frontend(port, settings))
        sections.append(_backend(port, slots.get(backend_name(port), ())))
    return "\n".join(sections)


def skeleton(service: Service, settings: Settings) -> tuple[str, ...]:
    """What an app puts in the configuration apart from its servers, per routed port; while
    it stays the same, the app's changes go through the runtime API alone."""
    return tuple(_frontend(p, settings) + _backend(p, ()) + " ".join(_vhosts(p))
                 for p in routed_ports([service], settings))
