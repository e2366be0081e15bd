"""A task's Mesos ContainerInfo and resource limits (JSON), written once for apps and jobs.

Apps (Marathon JSON) and jobs (Chronos JSON) describe containers differently; each turns
its own into a `ContainerSpec` and this module writes what Mesos takes: type DOCKER with a
DockerInfo (image, network, port mappings bound to the offer's host ports, parameters,
privileged, force pull), or type MESOS, with a docker image for the unified containerizer
(`mesos.image`, cached unless forced to pull) or none (a plain command in a sandbox).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

DOCKER, MESOS = "DOCKER", "MESOS"
HOST, BRIDGE, USER = "HOST", "BRIDGE", "USER"
# The CNI network Mesos's containerizer joins for bridge networking (Mesos's own name).
MESOS_BRIDGE = "mesos-bridge"


@dataclass(frozen=True)
class PortBinding:
    """A container port published on a host port of the offer (one protocol)."""

    host_port: int
    container_port: int
    protocol: str = "tcp"


@dataclass(frozen=True)
class HostVolume:
    """A host path mounted into the container; `mode` RW or RO."""

    container_path: str
    host_path: str | None = None
    mode: str = "RW"


@dataclass(frozen=True)
class ContainerSpec:
    """What a task's container is: `network` HOST, BRIDGE or USER; `network_names` name the
    USER networks joined; `parameters` are docker CLI options (key, value)."""

    type: str = MESOS
    image: str | None = None
    network: str = HOST
    network_names: tuple[str, ...] = ()
    ports: tuple[PortBinding, ...] = ()
    privileged: bool = False
    force_pull: bool = False
    parameters: tuple[tuple[str, str], ...] = ()
    volumes: tuple[HostVolume, ...] = ()


def container_info(spec: ContainerSpec) -> Json:
    """The ContainerInfo of `spec`."""
    info: Json = {"type": spec.type, "volumes": [_volume(v) for v in spec.volumes]}
    if spec.type == DOCKER:
        info["docker"] = {
            "image": spec.image or "",
            "network": spec.network,
            "port_mappings": [_port_mapping(p) for p in spec.ports],
            "privileged": spec.privileged,
            "parameters": [{"key": k, "value": v} for k, v in spec.parameters],
            "force_pull_image": spec.force_pull,
        }
    elif spec.image:
        image = {"type": "DOCKER", "docker": {"name": spec.image}, "cached": not spec.force_pull}
        info["mesos"] = {"image": image}
    else:
        info["mesos"] = {}
    networks = _network_infos(spec)
    if networks:
        info["network_infos"] = networks
    return info


def _network_infos(spec: ContainerSpec) -> list[Json]:
    """USER networks by name; the MESOS containerizer's bridge carries the port mappings
    (Docker's are in DockerInfo)."""
    if spec.network == USER:
        return [{"name": name} for name in spec.network_names]
    if spec.network == BRIDGE and spec.type == MESOS:
        return [{"name": MESOS_BRIDGE, "port_mappings": [_port_mapping(p) for p in spec.ports]}]
    return []


def _port_mapping(port: PortBinding) -> Json:
    return {"host_port": port.host_port, "container_port": port.container_port,
            "protocol": port.protocol}


def _volume(volume: HostVolume) -> Json:
    out: Json = {"container_path": volume.container_path, "mode": volume.mode}
    if volume.host_path:
        out["host_path"] = volume.host_path
    return out


def limits(cpus: float | None, mem: float | None) -> Json:
    """TaskInfo.limits: cpus and mem above the task's request; an unlimited one (infinity)
    is written "Infinity", which Mesos's JSON parser and protobuf's both read as a double."""
    out: Json = {}
    for name, value in (("cpus", cpus), ("mem", mem)):
        if value is not None:
            out[name] = {"value": "Infinity" if value == float("inf") else float(value)}
    return out
