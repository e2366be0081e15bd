"""The Mesos v1 TaskInfo (JSON) and the TaskRequest of one app task.

An app task is a Mesos command task, as Marathon's are: TaskInfo.command and no executor,
so the agent runs it under Mesos's command executor in a container of its own (its own
sandbox, resources, limits, kill policy and health check; see docs/architecture.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from scheduler.apps.app_container import container_spec
from scheduler.apps.model import (
    AppDefinition,
    HealthCheck,
    HealthProtocol,
    PortDefinition,
    PortMapping,
)
from scheduler.apps.pathid import hostname_of
from scheduler.launch.task_request import Placement, TaskRequest
from scheduler.mesos import containers, mesos_json

_LABEL_VALUE_LIMIT = 512  # longer label values are not exported to the environment
_NOT_ENV_CHAR = re.compile(r"[^A-Za-z0-9_]")


def task_request_for(app: AppDefinition, task_id: str) -> TaskRequest:
    """What the launch queue holds for one new task of `app`."""
    required = tuple(pd.port for pd in app.port_definitions) if app.require_ports else ()
    return TaskRequest(
        task_id=task_id,
        run_spec_id=app.id,
        resources=app.resources,
        port_count=app.port_count,
        required_ports=required,
        constraints=app.constraints,
        role=app.role,
    )


def build_task_info(
    app: AppDefinition,
    task_id: str,
    placement: Placement,
    app_version: str,
) -> dict[str, Any]:
    """TaskInfo for `task_id` of `app` on the agent and host ports of `placement`."""
    environment = task_environment(app, task_id, placement, app_version)
    task: dict[str, Any] = {
        "name": hostname_of(app.id),
        "task_id": {"value": task_id},
        "agent_id": {"value": placement.agent_id},
        "resources": mesos_json.resources(app.resources, placement.ports),
        "command": _command(app, environment),
        "labels": mesos_json.labels(app.labels),
        "discovery": _discovery(app, placement.ports),
    }
    spec = container_spec(app, task_id, placement.ports)
    if spec is not None:
        task["container"] = containers.container_info(spec)
    if app.resource_limits is not None:
        task["limits"] = containers.limits(app.resource_limits.cpus, app.resource_limits.mem)
    if app.task_kill_grace_period_seconds is not None:
        grace = mesos_json.duration(app.task_kill_grace_period_seconds)
        task["kill_policy"] = {"grace_period": grace}
    check = next((hc for hc in app.health_checks if hc.protocol.runs_in_executor), None)
    if check is not None:
        # Mesos carries one health check per task; Marathon also sends the first Mesos-run one.
        task["health_check"] = mesos_health_check(
            check, _probe_ports(app, placement.ports), environment
        )
    return task


def _probe_ports(app: AppDefinition, ports: tuple[int, ...]) -> tuple[int, ...]:
    """The ports Mesos probes, by port index: Mesos checks from inside the task's network
    namespace, so on container networks a mapping's container port (its host port when
    the container port is 0), as Marathon sends them."""
    if app.uses_host_network:
        return ports
    return tuple(pm.container_port or port
                 for pm, port in zip(app.host_port_mappings, ports, strict=False))


def task_environment(
    app: AppDefinition, task_id: str, placement: Placement, app_version: str
) -> dict[str, str]:
    """The variables Marathon injects, then the app's own `env` (which wins on a clash)."""
    env = _port_variables(app, placement.ports)
    env["HOST"] = placement.hostname
    env.update(
        MARATHON_APP_ID=app.id,
        MARATHON_APP_VERSION=app_version,
        MARATHON_APP_RESOURCE_CPUS=str(float(app.cpus)),
        MARATHON_APP_RESOURCE_MEM=str(float(app.mem)),
        MARATHON_APP_RESOURCE_DISK=str(float(app.disk)),
        MARATHON_APP_RESOURCE_GPUS=str(app.gpus),
        MESOS_TASK_ID=task_id,
    )
    if app.container is not None and app.container.image:
        env["MARATHON_APP_DOCKER_IMAGE"] = app.container.image
    exported = {_env_name(k): v for k, v in app.labels.items() if len(v) <= _LABEL_VALUE_LIMIT}
    env["MARATHON_APP_LABELS"] = " ".join(exported)
    env.update({f"MARATHON_APP_LABEL_{name}": value for name, value in exported.items()})
    env.update({k: v for k, v in app.env.items() if isinstance(v, str)})
    return env


def _port_variables(app: AppDefinition, ports: tuple[int, ...]) -> dict[str, str]:
    """Marathon's port variables: PORT<i> per port definition or mapping (its host port, or
    for a mapping without one its container port), PORT_<requested port> and PORT_<NAME>
    likewise, PORT the first host port and PORTS them all."""
    env: dict[str, str] = {}
    for index, (name, requested, effective) in enumerate(_ports_of(app, ports)):
        value = effective or requested
        if not value:
            continue  # a container port of 0 without a host port: nothing to tell
        env[f"PORT{index}"] = str(value)
        env[f"PORT_{requested or effective}"] = str(value)
        if name:
            env[f"PORT_{_env_name(name)}"] = str(value)
    if ports:
        env["PORT"] = str(ports[0])
        env["PORTS"] = ",".join(str(p) for p in ports)
    return env


def _ports_of(
    app: AppDefinition, ports: tuple[int, ...]
) -> list[tuple[str | None, int, int | None]]:
    """(name, requested port, host port or None) per port definition or container mapping;
    host ports go, in order, to those that want one."""
    if app.uses_host_network:
        return [(pd.name, pd.port, port)
                for pd, port in zip(app.port_definitions, ports, strict=False)]
    free = iter(ports)
    mappings = app.container.port_mappings if app.container else ()
    return [(pm.name, pm.container_port, next(free, None) if pm.host_port is not None else None)
            for pm in mappings]


def _env_name(name: str) -> str:
    return _NOT_ENV_CHAR.sub("_", name).upper()


def _command(app: AppDefinition, environment: Mapping[str, str]) -> dict[str, Any]:
    command: dict[str, Any]
    if app.cmd is not None:
        command = {"shell": True, "value": app.cmd}
    elif app.args and (app.container is None or not app.container.image):
        command = {"shell": False, "value": app.args[0], "arguments": list(app.args)}
    else:
        # In an image, args (or nothing) go to its entrypoint: no value, as Marathon sends it.
        command = {"shell": False, "arguments": list(app.args or ())}
    command["environment"] = mesos_json.environment(environment)
    command["uris"] = [
        mesos_json.uri(f.uri, f.extract, f.executable, f.cache, f.dest_path) for f in app.fetch
    ]
    if app.user is not None:
        command["user"] = app.user
    return command


def _discovery(app: AppDefinition, ports: tuple[int, ...]) -> dict[str, Any]:
    discovered = []
    definitions: tuple[PortDefinition | PortMapping, ...] = (
        app.port_definitions if app.uses_host_network else app.host_port_mappings
    )
    for port, definition in zip(ports, definitions, strict=False):
        # Mesos wants one entry per protocol; Marathon's "udp,tcp" becomes two.
        for protocol in definition.protocol.split(","):
            entry: dict[str, Any] = {"number": port, "protocol": protocol}
            if definition.name:
                entry["name"] = definition.name
            if definition.labels:
                entry["labels"] = mesos_json.labels(definition.labels)
            discovered.append(entry)
    return {"visibility": "FRAMEWORK", "name": hostname_of(app.id), "ports": {"ports": discovered}}


def mesos_health_check(
    check: HealthCheck, ports: tuple[int, ...], environment: Mapping[str, str]
) -> dict[str, Any]:
    """A Mesos HealthCheck for a COMMAND or MESOS_* check; `ports` are the ones it probes."""
    out: dict[str, Any] = {
        "delay_seconds": float(check.delay_seconds),
        "interval_seconds": float(check.interval_seconds),
        "timeout_seconds": float(check.timeout_seconds),
        "consecutive_failures": check.max_consecutive_failures,
        "grace_period_seconds": float(check.grace_period_seconds),
    }
    if check.protocol is HealthProtocol.COMMAND:
        command = {
            "shell": True,
            "value": check.command or "",
            "environment": mesos_json.environment(environment),
        }
        return out | {"type": "COMMAND", "command": command}
    port = check.target_port(ports)
    if check.protocol is HealthProtocol.MESOS_TCP:
        return out | {"type": "TCP", "tcp": {"port": port}}
    http: dict[str, Any] = {"port": port, "path": check.path or "/"}
    if check.protocol is HealthProtocol.MESOS_HTTPS:
        http["scheme"] = "https"
    return out | {"type": "HTTP", "http": http}
