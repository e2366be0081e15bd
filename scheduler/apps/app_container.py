"""An app's container section as a Mesos ContainerSpec, bound to a task's host ports.

As Marathon builds it: the container's type and image, the app's networks (host -> HOST,
container/bridge -> BRIDGE, container -> USER with the networks' names), each port mapping
with a host port bound to the port the offer gave it (a container port of 0 becomes that
host port too, so the task can advertise the port it is reached on), one binding per
protocol of "udp,tcp", Docker's parameters plus a `label` parameter naming the Mesos task
(Marathon's, so `docker ps` shows whose container it is), and the host-path volumes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scheduler.apps.model import AppDefinition, Container
from scheduler.mesos import containers
from scheduler.mesos.containers import ContainerSpec, HostVolume, PortBinding

_NETWORKS = {"host": containers.HOST, "container/bridge": containers.BRIDGE,
             "container": containers.USER}


def container_spec(app: AppDefinition, task_id: str,
                   host_ports: tuple[int, ...]) -> ContainerSpec | None:
    """The task's container; None for an app on host networking without a container."""
    container = app.container
    if container is None and app.uses_host_network:
        return None
    network = _NETWORKS[app.networks[0].mode]
    docker: Mapping[str, Any] = (container.docker if container else None) or {}
    kind = container.type if container else containers.MESOS
    parameters = tuple((str(p.get("key", "")), str(p.get("value", "")))
                       for p in docker.get("parameters") or ())
    if kind == containers.DOCKER:
        parameters += (("label", f"MESOS_TASK_ID={task_id}"),)
    return ContainerSpec(
        type=kind,
        image=docker.get("image"),
        network=network,
        network_names=tuple(n.name for n in app.networks if n.name),
        ports=_bindings(app, host_ports) if network != containers.HOST else (),
        privileged=bool(docker.get("privileged", False)),
        force_pull=bool(docker.get("forcePullImage", False)),
        parameters=parameters,
        volumes=_volumes(container),
    )


def _bindings(app: AppDefinition, host_ports: tuple[int, ...]) -> tuple[PortBinding, ...]:
    bindings = []
    for mapping, port in zip(app.host_port_mappings, host_ports, strict=False):
        for protocol in mapping.protocol.split(","):
            bindings.append(PortBinding(port, mapping.container_port or port, protocol))
    return tuple(bindings)


def _volumes(container: Container | None) -> tuple[HostVolume, ...]:
    """Host-path volumes (validation refuses persistent, external and secret ones)."""
    if container is None:
        return ()
    return tuple(
        HostVolume(str(v.get("containerPath", "")), v.get("hostPath"), str(v.get("mode", "RW")))
        for v in container.volumes
    )
