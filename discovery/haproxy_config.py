"""The HAProxy configuration for a set of services: a pure function of the services.

marathon-lb's label names, per service port `n`: `HAPROXY_{n}_VHOST` (comma-separated
host names, routed on the shared HTTP frontend; implies http mode), `HAPROXY_{n}_PORT`
(bind port instead of the service port), `HAPROXY_{n}_MODE` (tcp or http; an HTTP health
check on the port forces http, as in marathon-lb), `HAPROXY_{n}_BIND_ADDR`,
`HAPROXY_{n}_BALANCE`, and the groups `HAPROXY_GROUP` / `HAPROXY_{n}_GROUP`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
    name = haproxy_name(port.app_id, port.service_port)
    address = _label(port, "BIND_ADDR", settings.bind_address)
    return (f"frontend {name}\n    bind {address}:{bind_port(port)}\n"
            f"    mode {mode(port)}\n    use_backend {name}\n")


def _backend(port: ServicePort) -> str:
    name = haproxy_name(port.app_id, port.service_port)
    lines = [f"backend {name}", f"    mode {mode(port)}",
             f"    balance {_label(port, 'BALANCE', 'roundrobin')}"]
    if mode(port) == "http":
        lines.append("    retry-on conn-failure empty-response response-timeout")
    lines += [f"    server {haproxy_name(i.host, i.port)} {i.host}:{i.port}"
              for i in port.instances]
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


def render(services: Iterable[Service], settings: Settings = Settings()) -> str:
    """The whole configuration; the same services always give the same text."""
    ports = routed_ports(services, settings)
    # Also what keeps HAProxy up with no app to route: it will not run without a listener.
    stats = (f"listen stats\n    bind {settings.bind_address}:{settings.stats_port}\n"
             "    mode http\n    stats enable\n    stats uri /haproxy?stats\n")
    sections = [GLOBAL, stats]
    vhosted = [p for p in ports if _vhosts(p)]
    if vhosted:
        sections.append(_vhost_frontend(vhosted, settings))
    for port in ports:
        sections.append(_frontend(port, settings))
        sections.append(_backend(port))
    return "\n".join(sections)


def removed_servers(old: str, new: str) -> list[str] | None:
    """`backend/server` of each server line `new` drops from `old`, when that is the whole
    difference (None otherwise): those can leave through the runtime API, with no reload."""
    new_lines = new.splitlines()
    removed: list[str] = []
    backend = ""
    position = 0
    for line in old.splitlines():
        if line.startswith("backend "):
            backend = line.split()[1]
        if position < len(new_lines) and new_lines[position] == line:
            position += 1
        elif line.startswith("    server ") and backend:
            removed.append(f"{backend}/{line.split()[1]}")
        else:
            return None
    return removed if position == len(new_lines) else None
