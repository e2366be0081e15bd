"""App definitions as Marathon's normalized JSON, and PUT's partial-update merge.

Field names are exactly Marathon's: the `marathon` client builds objects from these
dicts and fails on a field it does not know, so optional fields the client lacks
(`check`, `tty`, `executorResources`, `resourceLimits`, and Dromos's
`deploymentTimeoutSeconds`) appear only when the app sets them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from scheduler.apps.constraint_rules import to_json as constraint_to_json
from scheduler.apps.model import (
    AppDefinition,
    Container,
    EnvSecret,
    FetchUri,
    HealthCheck,
    Network,
    PortDefinition,
    PortMapping,
    ReadinessCheck,
    ResourceLimits,
    UnreachableStrategy,
)


@dataclass(frozen=True)
class TaskCounts:
    staged: int = 0
    running: int = 0
    healthy: int = 0
    unhealthy: int = 0


def app_to_json(app: AppDefinition) -> dict[str, Any]:
    """The app as GET /v2/apps/{id}/versions/{version} shows it: defaults filled in."""
    out: dict[str, Any] = {"id": app.id}
    _put(out, "cmd", app.cmd)
    _put(out, "args", None if app.args is None else list(app.args))
    _put(out, "user", app.user)
    out.update(
        instances=app.instances,
        cpus=app.cpus,
        mem=app.mem,
        disk=app.disk,
        gpus=app.gpus,
        executor=app.executor,
        env={
            k: {"secret": v.secret} if isinstance(v, EnvSecret) else v for k, v in app.env.items()
        },
        labels=dict(app.labels),
        constraints=[constraint_to_json(c) for c in app.constraints],
    )
    _put(out, "acceptedResourceRoles", _list(app.accepted_resource_roles))
    out.update(
        role=app.role,
        portDefinitions=[_port_definition(pd) for pd in app.port_definitions],
        requirePorts=app.require_ports,
        networks=[_network(n) for n in app.networks],
    )
    _put(out, "container", app.container and _container(app.container))
    out.update(
        healthChecks=[_health_check(hc) for hc in app.health_checks],
        readinessChecks=[_readiness_check(rc) for rc in app.readiness_checks],
        dependencies=list(app.dependencies),
        upgradeStrategy={
            "minimumHealthCapacity": app.upgrade_strategy.minimum_health_capacity,
            "maximumOverCapacity": app.upgrade_strategy.maximum_over_capacity,
        },
        backoffSeconds=app.backoff_seconds,
        backoffFactor=app.backoff_factor,
        maxLaunchDelaySeconds=app.max_launch_delay_seconds,
        killSelection=app.kill_selection.value,
        unreachableStrategy=_unreachable(app.unreachable_strategy),
        fetch=[_fetch(f) for f in app.fetch],
        secrets={name: {"source": source} for name, source in app.secrets.items()},
    )
    _put(out, "taskKillGracePeriodSeconds", app.task_kill_grace_period_seconds)
    _put(out, "check", app.check and dict(app.check))
    _put(out, "tty", app.tty)
    _put(out, "executorResources", app.executor_resources and vars(app.executor_resources))
    _put(out, "resourceLimits", app.resource_limits and _limits(app.resource_limits))
    _put(out, "deploymentTimeoutSeconds", app.deployment_timeout_seconds)
    _put(out, "version", app.version)
    if app.version_info is not None:
        out["versionInfo"] = {
            "lastScalingAt": app.version_info.last_scaling_at,
            "lastConfigChangeAt": app.version_info.last_config_change_at,
        }
    return out


def app_info_to_json(
    app: AppDefinition,
    *,
    counts: TaskCounts | None = None,
    deployment_ids: Sequence[str] = (),
    tasks: Sequence[Mapping[str, Any]] | None = None,
    last_task_failure: Mapping[str, Any] | None = None,
    readiness_check_results: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """AppInfo (GET /v2/apps): the app plus what the caller embeds; None/absent parts are left out.

    `tasks` are Task JSON objects (reference §3.1); `last_task_failure` has appId, host,
    message, state, taskId, timestamp, version, slaveId.
    """
    out = app_to_json(app)
    if counts is not None:
        out.update(
            tasksStaged=counts.staged,
            tasksRunning=counts.running,
            tasksHealthy=counts.healthy,
            tasksUnhealthy=counts.unhealthy,
        )
    out["deployments"] = [{"id": deployment_id} for deployment_id in deployment_ids]
    _put(out, "tasks", None if tasks is None else [dict(t) for t in tasks])
    _put(out, "lastTaskFailure", last_task_failure and dict(last_task_failure))
    if readiness_check_results is not None:
        out["readinessCheckResults"] = [dict(r) for r in readiness_check_results]
    return out


# Fields that exclude each other: a patch setting one drops the other from the base.
_EXCLUSIVE = (("cmd", "args"), ("ports", "portDefinitions"), ("uris", "fetch"))


def merge_update(
    existing: AppDefinition | Mapping[str, Any], patch: Mapping[str, Any]
) -> dict[str, Any]:
    """PUT with partialUpdate=true: `patch`'s top-level fields replace the existing ones.

    The result is JSON for `parse_app`; it keeps the existing id, drops the version (a
    new one is assigned) and, when a field is patched, its exclusive counterpart
    (`cmd`/`args`, `ports`/`portDefinitions`, `uris`/`fetch`); a patch with both `ports`
    and `portDefinitions` keeps the latter, as Marathon's does. A null in the patch
    resets that field to its default. Switching between host and other networking
    drops the old port definitions so the defaults for the new mode apply.
    """
    base = app_to_json(existing) if isinstance(existing, AppDefinition) else dict(existing)
    for key in ("version", "versionInfo"):
        base.pop(key, None)
    for first, second in _EXCLUSIVE:
        for set_one, drop in ((first, second), (second, first)):
            if patch.get(set_one) is not None and drop not in patch:
                base.pop(drop, None)
    if "networks" in patch and _is_host(patch.get("networks")) != _is_host(base.get("networks")):
        base.pop("portDefinitions", None)
        base.pop("ports", None)
    merged = {**base, **{k: v for k, v in patch.items() if k != "id"}}
    if patch.get("portDefinitions") is not None:
        # Marathon's update reads `portDefinitions` first and ignores `ports` then.
        merged.pop("ports", None)
    return {k: v for k, v in merged.items() if v is not None}


def _is_host(networks: object) -> bool:
    if not isinstance(networks, list) or not networks:
        return True
    return any(isinstance(n, dict) and n.get("mode", "container") == "host" for n in networks)


def _put(out: dict[str, Any], key: str, value: object) -> None:
    if value is not None:
        out[key] = value


def _list(values: Sequence[str] | None) -> list[str] | None:
    return None if values is None else list(values)


def _port_definition(pd: PortDefinition) -> dict[str, Any]:
    out: dict[str, Any] = {"port": pd.port, "protocol": pd.protocol}
    _put(out, "name", pd.name)
    if pd.labels:
        out["labels"] = dict(pd.labels)
    return out


def _network(network: Network) -> dict[str, Any]:
    out: dict[str, Any] = {"mode": network.mode}
    _put(out, "name", network.name)
    if network.labels:
        out["labels"] = dict(network.labels)
    return out


def _container(container: Container) -> dict[str, Any]:
    out: dict[str, Any] = {"type": container.type}
    _put(out, "docker", container.docker and dict(container.docker))
    if container.port_mappings:
        out["portMappings"] = [_port_mapping(pm) for pm in container.port_mappings]
    out["volumes"] = [dict(v) for v in container.volumes]
    _put(out, "linuxInfo", container.linux_info and dict(container.linux_info))
    return out


def _port_mapping(pm: PortMapping) -> dict[str, Any]:
    out: dict[str, Any] = {"containerPort": pm.container_port}
    _put(out, "hostPort", pm.host_port)
    out.update(servicePort=pm.service_port, protocol=pm.protocol)
    _put(out, "name", pm.name)
    if pm.labels:
        out["labels"] = dict(pm.labels)
    if pm.network_names:
        out["networkNames"] = list(pm.network_names)
    return out


def _health_check(hc: HealthCheck) -> dict[str, Any]:
    out: dict[str, Any] = {"protocol": hc.protocol.value}
    _put(out, "path", hc.path)
    _put(out, "portIndex", hc.port_index)
    _put(out, "port", hc.port)
    out.update(
        gracePeriodSeconds=hc.grace_period_seconds,
        intervalSeconds=hc.interval_seconds,
        timeoutSeconds=hc.timeout_seconds,
        maxConsecutiveFailures=hc.max_consecutive_failures,
        delaySeconds=hc.delay_seconds,
    )
    if hc.protocol.is_http:
        out["ignoreHttp1xx"] = hc.ignore_http1xx
    if hc.protocol.uses_port:
        out["ipProtocol"] = hc.ip_protocol
    _put(out, "command", hc.command and {"value": hc.command})
    return out


def _readiness_check(rc: ReadinessCheck) -> dict[str, Any]:
    return {
        "name": rc.name,
        "protocol": rc.protocol,
        "path": rc.path,
        "portName": rc.port_name,
        "intervalSeconds": rc.interval_seconds,
        "timeoutSeconds": rc.timeout_seconds,
        "httpStatusCodesForReady": list(rc.http_status_codes_for_ready),
        "preserveLastResponse": rc.preserve_last_response,
    }


def _unreachable(strategy: UnreachableStrategy) -> dict[str, int] | str:
    if strategy.disabled:
        return "disabled"
    return {
        "inactiveAfterSeconds": strategy.inactive_after_seconds,
        "expungeAfterSeconds": strategy.expunge_after_seconds,
    }


def _fetch(fetch: FetchUri) -> dict[str, Any]:
    out: dict[str, Any] = {
        "uri": fetch.uri,
        "extract": fetch.extract,
        "executable": fetch.executable,
        "cache": fetch.cache,
    }
    _put(out, "destPath", fetch.dest_path)
    return out


def _limits(limits: ResourceLimits) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in ("cpus", "mem"):
        value = getattr(limits, key)
        _put(out, key, "unlimited" if value == float("inf") else value)
    return out
