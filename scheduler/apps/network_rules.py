"""Networks, port definitions and the container section of an app, from JSON."""

from __future__ import annotations

import re
from dataclasses import replace

from scheduler.apps.model import Container, Network, PortDefinition, PortMapping
from scheduler.apps.reader import EXPECTED_INT, UNKNOWN_ENUM, Reader

NETWORK_MODES = ("host", "container", "container/bridge")
PORT_PROTOCOLS = ("tcp", "udp", "udp,tcp")
_PORT_NAME = re.compile(r"[a-z0-9-]+")
_DOCKER_NETWORKS = {"HOST": "host", "BRIDGE": "container/bridge", "USER": "container"}
_MAX_PORT = 65535


def read_networks(reader: Reader, container: Reader | None) -> tuple[Network, ...]:
    """`networks`, or the deprecated `container.docker.network`, or host networking."""
    networks = tuple(_read_network(r) for r in reader.children("networks"))
    if not networks:
        docker = container.child("docker") if container else None
        legacy = docker.string("network") if docker else None
        networks = (Network(_DOCKER_NETWORKS.get(legacy or "", "host")),)
    modes = [network.mode for network in networks]
    if "host" in modes and len(modes) > 1:
        reader.problems.violation(
            reader.at("networks"), "host networking cannot be combined with other networks"
        )
    if modes.count("container/bridge") > 1:
        reader.problems.violation(reader.at("networks"), "at most one container/bridge network")
    return networks


def _read_network(r: Reader) -> Network:
    mode = r.string("mode") or "container"
    if mode not in NETWORK_MODES:
        r.problems.wrong_type(r.at("mode"), UNKNOWN_ENUM)
    name = r.string("name")
    if mode == "container" and not name:
        r.problems.violation(r.at("name"), "a container network needs a name")
    return Network(mode, name, r.string_map("labels") or {})


def read_port_definitions(reader: Reader, host_networking: bool) -> tuple[PortDefinition, ...]:
    """`portDefinitions` or deprecated `ports`; host networking without either gets a "default".

    Both may be given when they name the same ports (a client that sends back what an older
    Marathon wrote does); `portDefinitions` then wins, as in Marathon 1.10.
    """
    if reader.has("ports") and reader.has("portDefinitions") and not _agree(reader):
        reader.problems.violation(reader.path, "cannot specify both ports and port definitions")
    if reader.has("portDefinitions"):
        definitions = tuple(_read_port_definition(r) for r in reader.children("portDefinitions"))
    elif reader.has("ports"):
        definitions = tuple(PortDefinition(port) for port in _legacy_ports(reader))
        if not host_networking:
            # Marathon's normalization drops the deprecated field where it cannot apply.
            return ()
    else:
        return (PortDefinition(0, "tcp", "default"),) if host_networking else ()
    if definitions and not host_networking:
        reader.problems.violation(
            reader.at("portDefinitions"), "portDefinitions are only for host networking"
        )
    _require_unique(reader, "portDefinitions", [d.port for d in definitions if d.port], "Ports")
    _require_unique(
        reader, "portDefinitions", [d.name for d in definitions if d.name], "Port names"
    )
    return definitions


def with_legacy_port_mappings(
    reader: Reader, container: Container | None, networks: tuple[Network, ...]
) -> Container | None:
    """Marathon's normalization on container networking: each deprecated `ports` entry
    beyond the container's port mappings adds an empty mapping (the ports themselves are
    dropped by `read_port_definitions`)."""
    host = any(network.mode == "host" for network in networks)
    if container is None or host or reader.has("portDefinitions") or not reader.has("ports"):
        return container
    missing = len(reader.array("ports") or []) - len(container.port_mappings)
    if missing <= 0:
        return container
    bridge = any(network.mode == "container/bridge" for network in networks)
    padding = tuple(PortMapping(host_port=0 if bridge else None) for _ in range(missing))
    return replace(container, port_mappings=container.port_mappings + padding)


def _read_port_definition(r: Reader) -> PortDefinition:
    port = _port(r, "port") or 0
    name = r.string("name")
    if name is not None and not _PORT_NAME.fullmatch(name):
        r.problems.violation(r.at("name"), "must be lowercase letters, digits and hyphens")
    return PortDefinition(port, _protocol(r), name, r.string_map("labels") or {})


def _agree(reader: Reader) -> bool:
    """`ports` lists exactly the numbers of `portDefinitions`, in order."""
    definitions, ports = reader.data["portDefinitions"], reader.data["ports"]
    if not isinstance(definitions, list):
        return True  # reported as the wrong type where it is read
    return [d.get("port", 0) if isinstance(d, dict) else d for d in definitions] == ports


def _legacy_ports(reader: Reader) -> list[int]:
    ports = []
    for index, port in enumerate(reader.array("ports") or []):
        path = f"{reader.at('ports')}({index})"
        if isinstance(port, bool) or not isinstance(port, int):
            reader.problems.wrong_type(path, EXPECTED_INT)
        elif not 0 <= port <= _MAX_PORT:
            reader.problems.violation(path, f"got {port}, expected a port number 0..{_MAX_PORT}")
        else:
            ports.append(port)
    return ports


def _protocol(r: Reader) -> str:
    protocol = r.string("protocol") or "tcp"
    if protocol not in PORT_PROTOCOLS:
        r.problems.wrong_type(r.at("protocol"), UNKNOWN_ENUM)
    return protocol


def _port(r: Reader, key: str) -> int | None:
    port = r.integer(key)
    if port is not None and not 0 <= port <= _MAX_PORT:
        r.problems.violation(r.at(key), f"got {port}, expected a port number 0..{_MAX_PORT}")
    return port


def _require_unique(reader: Reader, key: str, values: list[object], what: str) -> None:
    if len(values) != len(set(values)):
        reader.problems.violation(reader.at(key), f"{what} must be unique")


def read_container(r: Reader | None, networks: tuple[Network, ...]) -> Container | None:
    """The container section; non-host networking without mappings gets one "default" mapping."""
    if r is None:
        return None
    docker = r.child("docker")
    container_type = r.string("type") or ("DOCKER" if docker else "MESOS")
    if container_type not in ("DOCKER", "MESOS"):
        r.problems.wrong_type(r.at("type"), UNKNOWN_ENUM)
    if docker is None and container_type == "DOCKER":
        r.problems.violation(r.at("docker"), "a DOCKER container needs a docker section")
    if docker is not None and not docker.string("image"):
        docker.problems.violation(docker.at("image"), "must not be empty")
    if r.has("portMappings") and docker is not None and docker.has("portMappings"):
        r.problems.violation(
            r.path, "Give portMappings in container or in container.docker, not both"
        )
    source = docker if docker is not None and docker.has("portMappings") else r
    bridge = any(network.mode == "container/bridge" for network in networks)
    mappings = tuple(_read_port_mapping(m, bridge) for m in source.children("portMappings"))
    host = any(network.mode == "host" for network in networks)
    if mappings and host:
        r.problems.violation(
            r.at("portMappings"), "portMappings are not allowed with host networking"
        )
    if not mappings and not host:
        mappings = (PortMapping(host_port=0 if bridge else None, name="default"),)
    _require_unique(r, "portMappings", [m.name for m in mappings if m.name], "Port names")
    return Container(
        type=container_type,
        docker=None if docker is None else dict(docker.data),
        port_mappings=mappings,
        volumes=tuple(dict(v.data) for v in r.children("volumes")),
        linux_info=r.obj("linuxInfo"),
    )


def _read_port_mapping(r: Reader, bridge: bool) -> PortMapping:
    host_port = _port(r, "hostPort")
    return PortMapping(
        container_port=_port(r, "containerPort") or 0,
        host_port=0 if host_port is None and bridge else host_port,
        service_port=_port(r, "servicePort") or 0,
        protocol=_protocol(r),
        name=r.string("name"),
        labels=r.string_map("labels") or {},
        network_names=tuple(r.strings("networkNames") or ()),
    )
