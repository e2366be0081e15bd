"""An app definition from request JSON, with Marathon's validation rules.

`parse_app` raises MalformedRequest (400 "Invalid JSON", play-json style details) for a
wrong JSON type and ValidationFailed (422, one Violation per path) for a broken rule.
Unknown top-level fields are ignored, as Marathon does; `unknown_fields` names them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from scheduler.apps import pathid
from scheduler.apps.constraint_rules import read_constraints
from scheduler.apps.fetch_rules import read_fetch
from scheduler.apps.health_rules import read_check, read_health_checks, read_readiness_checks
from scheduler.apps.model import (
    INT32_MAX,
    UNREACHABLE_DISABLED,
    AppDefinition,
    EnvSecret,
    ExecutorResources,
    KillSelection,
    ResourceLimits,
    UnreachableStrategy,
    UpgradeStrategy,
)
from scheduler.apps.network_rules import (
    read_container,
    read_networks,
    read_port_definitions,
    with_legacy_port_mappings,
)
from scheduler.apps.reader import (
    EXPECTED_OBJECT,
    EXPECTED_STRING,
    PATH_MISSING,
    UNKNOWN_ENUM,
    Problems,
    Reader,
)
from scheduler.base.errors import MalformedRequest

# fmt: off
DEFINITION_FIELDS = frozenset(
    {
        "id", "cmd", "args", "user", "instances", "cpus", "mem", "disk", "gpus", "env", "labels",
        "constraints", "acceptedResourceRoles", "role", "portDefinitions", "ports", "requirePorts",
        "networks", "container", "healthChecks", "check", "readinessChecks", "dependencies",
        "upgradeStrategy", "backoffSeconds", "backoffFactor", "maxLaunchDelaySeconds",
        "taskKillGracePeriodSeconds", "killSelection", "unreachableStrategy", "fetch", "uris",
        "executor", "executorResources", "tty", "secrets", "resourceLimits", "version",
        "deploymentTimeoutSeconds",
    }
)
# Fields of GET output a client may send back; they are read-only and ignored.
OUTPUT_ONLY_FIELDS = frozenset(
    {
        "versionInfo", "tasks", "tasksStaged", "tasksRunning", "tasksHealthy", "tasksUnhealthy",
        "deployments", "lastTaskFailure", "readinessCheckResults", "tasksStats", "taskStats",
        "residency", "storeUrls",
    }
)
# fmt: on
SINGLE_INSTANCE_LABEL = "MARATHON_SINGLE_INSTANCE_APP"
_EXECUTOR = re.compile(r"//cmd|/?[^/]+(?:/[^/]+)*|")


def parse_app(data: object, parent: str = pathid.ROOT, app_id: str | None = None) -> AppDefinition:
    """The validated app in `data`; a relative id is resolved against `parent`, `app_id` wins."""
    problems = Problems()
    app = read_app(data, problems, parent, app_id)
    problems.raise_if_any()
    assert app is not None  # no problems means an app was read
    return app


def unknown_fields(data: Mapping[str, Any]) -> tuple[str, ...]:
    """Top-level fields Dromos ignores (for a log line)."""
    return tuple(sorted(set(data) - DEFINITION_FIELDS - OUTPUT_ONLY_FIELDS))


def rollback_version(data: Mapping[str, Any]) -> str | None:
    """The version a PUT body `{"version": ...}` (optionally with `id`) rolls back to, else None."""
    if "version" not in data or set(data) - {"id", "version"}:
        return None
    if not isinstance(data["version"], str):
        raise MalformedRequest(
            "Invalid JSON", details=[{"path": "/version", "errors": [EXPECTED_STRING]}]
        )
    return data["version"]


def read_app(
    data: object, problems: Problems, parent: str, app_id: str | None = None
) -> AppDefinition | None:
    """Like `parse_app`, collecting problems instead of raising (groups read many apps)."""
    if not isinstance(data, dict):
        problems.wrong_type("/", EXPECTED_OBJECT)
        return None
    r = Reader(data, "", problems)
    full_id = _read_id(r, parent, app_id)
    container_reader = r.child("container")
    networks = read_networks(r, container_reader)
    container = with_legacy_port_mappings(r, read_container(container_reader, networks), networks)
    host_networking = any(network.mode == "host" for network in networks)
    app = AppDefinition(
        id=full_id,
        networks=networks,
        container=container,
        port_definitions=read_port_definitions(r, host_networking),
        dependencies=_dependencies(r, full_id),
        **_command_fields(r, container is not None),
        **_resource_fields(r, container.type if container else None),
        **_placement_fields(r),
        **_environment_fields(r),
        **_lifecycle_fields(r),
    )
    app = _with_checks(r, app)
    _check_single_instance(r, app)
    return app


def _read_id(r: Reader, parent: str, app_id: str | None) -> str:
    full_id = read_path_id(r, app_id or r.string("id"), parent)
    if full_id == pathid.ROOT:
        r.problems.violation(r.at("id"), "An app id must name an app, not the root group")
    return full_id or pathid.ROOT


def read_path_id(r: Reader, raw: str | None, parent: str) -> str | None:
    """The canonical id `raw` names under `parent`, or None with the problem noted in `r`."""
    if raw is None:
        if r.data.get("id") is None:
            r.problems.wrong_type(r.at("id"), PATH_MISSING)
        return None
    try:
        full_id = pathid.canonical(raw, parent)
    except pathid.InvalidPathId as error:
        r.problems.violation(r.at("id"), str(error))
        return None
    for message in pathid.path_errors(full_id):  # the parent's segments too (from a URL)
        r.problems.violation(r.at("id"), message)
    return full_id


def _command_fields(r: Reader, has_container: bool) -> dict[str, Any]:
    cmd, args = r.string("cmd"), r.strings("args")
    if cmd == "":
        r.problems.violation(r.at("cmd"), "must not be empty")
    if not ((bool(cmd) != bool(args)) or (not cmd and not args and has_container)):
        r.problems.violation(
            "/", "An app needs exactly one of 'cmd' or 'args', or neither with a 'container'"
        )
    return {"cmd": cmd or None, "args": tuple(args) if args else None, "user": r.string("user")}


def _resource_fields(r: Reader, container_type: str | None) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, read, least in (
        ("instances", r.integer, 0),
        ("cpus", r.number, 0.001),
        ("mem", r.number, 0.0),
        ("disk", r.number, 0.0),
        ("gpus", r.integer, 0),
    ):
        value = read(key)
        r.minimum(key, value, least)
        r.maximum(key, value, INT32_MAX)  # Marathon's instances and gpus are int32
        if value is not None:
            fields[key] = value
    if fields.get("gpus") and container_type == "DOCKER":
        r.problems.violation(r.at("gpus"), "GPUs are not supported with DOCKER containers")
    limits = _resource_limits(r, fields)
    return {**fields, "resource_limits": limits, "executor_resources": _executor_resources(r)}


def _resource_limits(r: Reader, requested: dict[str, Any]) -> ResourceLimits | None:
    limits = r.child("resourceLimits")
    if limits is None:
        return None
    values: dict[str, float | None] = {}
    for key, default in (("cpus", 1.0), ("mem", 128.0)):
        raw = limits.data.get(key)
        value = float("inf") if raw == "unlimited" else limits.number(key)
        if value is not None and value < requested.get(key, default):
            limits.problems.violation(limits.at(key), f"must be at least the requested {key}")
        values[key] = value
    return ResourceLimits(**values)


def _executor_resources(r: Reader) -> ExecutorResources | None:
    resources = r.child("executorResources")
    if resources is None:
        return None
    defaults = ExecutorResources()
    values = {}
    for key, least in (("cpus", 0.1), ("mem", 32.0), ("disk", 10.0)):
        value = resources.number(key)
        resources.minimum(key, value, least)
        values[key] = getattr(defaults, key) if value is None else value
    return ExecutorResources(**values)


def _placement_fields(r: Reader) -> dict[str, Any]:
    roles = r.strings("acceptedResourceRoles")
    if roles is not None:
        if not roles:
            r.problems.violation(r.at("acceptedResourceRoles"), "must not be empty")
        if len(set(roles)) != len(roles):
            r.problems.violation(r.at("acceptedResourceRoles"), "must not contain duplicates")
        for accepted in roles:
            _check_role(r, "acceptedResourceRoles", accepted)
    role = r.string("role")
    if role is not None:
        _check_role(r, "role", role)
    return {
        "constraints": read_constraints(r),
        "accepted_resource_roles": None if roles is None else tuple(roles),
        "role": role or "*",
        "require_ports": bool(r.boolean("requirePorts")),
    }


def _check_role(r: Reader, key: str, role: str) -> None:
    if role in ("", ".", "..") or role.startswith("-") or any(c.isspace() for c in role):
        r.problems.violation(r.at(key), f"'{role}' is not a valid Mesos role name")


def _environment_fields(r: Reader) -> dict[str, Any]:
    env: dict[str, str | EnvSecret] = {}
    for name, value in (r.obj("env") or {}).items():
        if isinstance(value, str):
            env[name] = value
        elif isinstance(value, dict) and isinstance(value.get("secret"), str):
            env[name] = EnvSecret(value["secret"])
            r.problems.violation(
                f"{r.at('env')}/{name}", "secrets are not supported: Dromos has no secret store"
            )
        else:
            r.problems.wrong_type(f"{r.at('env')}/{name}", EXPECTED_STRING)
    secrets = {}
    for name, secret in (r.obj("secrets") or {}).items():
        source = secret.get("source") if isinstance(secret, dict) else None
        if not isinstance(source, str):
            r.problems.wrong_type(f"{r.at('secrets')}/{name}/source", EXPECTED_STRING)
        else:
            secrets[name] = source
    if secrets:
        r.problems.violation(
            r.at("secrets"), "secrets are not supported: Dromos has no secret store"
        )
    executor = r.string("executor") or ""
    if not _EXECUTOR.fullmatch(executor):
        r.problems.violation(r.at("executor"), "must be '//cmd', an executor path, or empty")
    return {
        "env": env,
        "secrets": secrets,
        "labels": r.string_map("labels") or {},
        "fetch": read_fetch(r),
        "executor": executor,
        "tty": r.boolean("tty"),
    }


def _lifecycle_fields(r: Reader) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for key, name, read, least in (
        ("backoff_seconds", "backoffSeconds", r.integer, 0),
        ("backoff_factor", "backoffFactor", r.number, 1.0),
        ("max_launch_delay_seconds", "maxLaunchDelaySeconds", r.integer, 0),
        ("task_kill_grace_period_seconds", "taskKillGracePeriodSeconds", r.integer, 0),
        ("deployment_timeout_seconds", "deploymentTimeoutSeconds", r.integer, 1),
    ):
        value = read(name)
        r.minimum(name, value, least)
        if value is not None:
            fields[key] = value
    fields["kill_selection"] = (
        r.choice("killSelection", KillSelection) or KillSelection.YOUNGEST_FIRST
    )
    fields["upgrade_strategy"] = _upgrade_strategy(r)
    fields["unreachable_strategy"] = _unreachable_strategy(r)
    fields["version"] = r.string("version")
    return fields


def _upgrade_strategy(r: Reader) -> UpgradeStrategy:
    default = UpgradeStrategy()
    strategy = r.child("upgradeStrategy")
    if strategy is None:
        return default
    values = {}
    for key, name in (
        ("minimum_health_capacity", "minimumHealthCapacity"),
        ("maximum_over_capacity", "maximumOverCapacity"),
    ):
        value = strategy.number(name)
        if value is not None and not 0.0 <= value <= 1.0:
            strategy.problems.violation(
                strategy.at(name), f"got {value}, expected a value between 0 and 1"
            )
        values[key] = getattr(default, key) if value is None else value
    return UpgradeStrategy(**values)


def _unreachable_strategy(r: Reader) -> UnreachableStrategy:
    raw = r.data.get("unreachableStrategy")
    if raw == "disabled":
        return UNREACHABLE_DISABLED
    if isinstance(raw, str):
        r.problems.wrong_type(r.at("unreachableStrategy"), UNKNOWN_ENUM)
    strategy = r.child("unreachableStrategy") if isinstance(raw, dict) or raw is None else None
    if strategy is None:
        if raw is not None and not isinstance(raw, str):
            r.problems.wrong_type(r.at("unreachableStrategy"), EXPECTED_OBJECT)
        return UnreachableStrategy()
    inactive = strategy.integer("inactiveAfterSeconds")
    expunge = strategy.integer("expungeAfterSeconds")
    strategy.minimum("inactiveAfterSeconds", inactive, 0)
    strategy.minimum("expungeAfterSeconds", expunge, 0)
    result = UnreachableStrategy(inactive or 0, expunge or 0)
    if result.inactive_after_seconds > result.expunge_after_seconds:
        strategy.problems.violation(
            strategy.at("inactiveAfterSeconds"), "must be less or equal to expungeAfterSeconds"
        )
    return result


def _with_checks(r: Reader, app: AppDefinition) -> AppDefinition:
    container_type = app.container.type if app.container else None
    return replace(
        app,
        health_checks=read_health_checks(r, app.port_count, container_type),
        readiness_checks=read_readiness_checks(r, app.port_names),
        check=read_check(r),
    )


def _dependencies(r: Reader, app_id: str) -> tuple[str, ...]:
    """Dependency ids, relative ones resolved against the app's group."""
    resolved = []
    for index, raw in enumerate(r.strings("dependencies") or ()):
        path = f"{r.at('dependencies')}({index})"
        try:
            resolved.append(pathid.canonical(raw, pathid.parent_of(app_id)))
        except pathid.InvalidPathId as error:
            r.problems.violation(path, str(error))
        for message in pathid.path_errors(raw):
            r.problems.violation(path, message)
    return tuple(resolved)


def _check_single_instance(r: Reader, app: AppDefinition) -> None:
    if app.labels.get(SINGLE_INSTANCE_LABEL, "").lower() != "true":
        return
    if app.instances > 1:
        r.problems.violation(
            r.at("instances"), f"must be 0 or 1 with label {SINGLE_INSTANCE_LABEL}"
        )
    if app.upgrade_strategy != UpgradeStrategy(0.0, 0.0):
        r.problems.violation(
            r.at("upgradeStrategy"), f"must be 0/0 with label {SINGLE_INSTANCE_LABEL}"
        )
