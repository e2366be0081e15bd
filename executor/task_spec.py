"""What a TaskInfo asks the executor to run, parsed once into value objects."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from executor.fetcher import UriSpec
from mesos_vocab.labels import START_AT_LABEL

# Mesos' HealthCheck defaults, used when a field is absent.
DEFAULT_DELAY_S = 15.0
DEFAULT_INTERVAL_S = 10.0
DEFAULT_TIMEOUT_S = 20.0
DEFAULT_CONSECUTIVE_FAILURES = 3
DEFAULT_GRACE_PERIOD_S = 10.0


class InvalidTask(ValueError):
    """The TaskInfo cannot be run by this executor; the message says why."""


@dataclass(frozen=True)
class CommandSpec:
    """A CommandInfo: `/bin/sh -c value` when `shell`, else `value` run with `arguments`."""

    value: str
    shell: bool = True
    arguments: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    uris: tuple[UriSpec, ...] = ()
    user: str | None = None

    @property
    def executable(self) -> str:
        return "/bin/sh" if self.shell else self.value

    @property
    def argv(self) -> list[str]:
        if self.shell:
            return ["/bin/sh", "-c", self.value]
        return list(self.arguments) or [self.value]


class CheckKind(Enum):
    HTTP = "HTTP"
    TCP = "TCP"
    COMMAND = "COMMAND"


@dataclass(frozen=True)
class HealthCheckSpec:
    """A Mesos-native HealthCheck; times in seconds, `timeout_s` 0 means no limit."""

    kind: CheckKind
    delay_s: float = DEFAULT_DELAY_S
    interval_s: float = DEFAULT_INTERVAL_S
    timeout_s: float = DEFAULT_TIMEOUT_S
    consecutive_failures: int = DEFAULT_CONSECUTIVE_FAILURES
    grace_period_s: float = DEFAULT_GRACE_PERIOD_S
    port: int = 0
    path: str = "/"
    scheme: str = "http"
    ipv6: bool = False
    command: CommandSpec | None = None


@dataclass(frozen=True)
class TaskSpec:
    """One task to run: its command, optional health check, kill grace (None = default), and
    `start_at`, the epoch seconds to start it at (None = at once)."""

    task_id: str
    command: CommandSpec
    health_check: HealthCheckSpec | None = None
    kill_grace_s: float | None = None
    start_at: float | None = None


def parse_task(task_info: Mapping[str, Any]) -> TaskSpec:
    """Parse a TaskInfo dict; raises InvalidTask.

    The command comes from `command`, or, for tasks sent to a custom executor (where Mesos
    forbids `command` beside `executor`), from `data`: base64 of a CommandInfo JSON object.
    """
    try:
        return _parse_task(task_info)
    except InvalidTask:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidTask(f"malformed TaskInfo: {exc!r}") from exc


def _parse_task(task_info: Mapping[str, Any]) -> TaskSpec:
    task_id = str(task_info["task_id"]["value"])
    command = task_info.get("command") or _command_from_data(task_info.get("data"))
    if command is None:
        raise InvalidTask("TaskInfo has neither a command nor a CommandInfo in data")
    health = task_info.get("health_check")
    return TaskSpec(
        task_id=task_id,
        command=parse_command(command),
        health_check=parse_health_check(health) if health else None,
        kill_grace_s=kill_grace_seconds(task_info.get("kill_policy")),
        start_at=_start_at(task_info.get("labels")),
    )


def _start_at(labels: Mapping[str, Any] | None) -> float | None:
    """The `dromos.start_at` label (epoch milliseconds) in epoch seconds, None when absent."""
    for label in (labels or {}).get("labels") or ():
        if label.get("key") == START_AT_LABEL:
            try:
                return int(label.get("value", "")) / 1000
            except ValueError as exc:
                raise InvalidTask(f"label {START_AT_LABEL} is not epoch milliseconds") from exc
    return None


def parse_command(command: Mapping[str, Any]) -> CommandSpec:
    """Parse a CommandInfo dict; SECRET environment variables are not supported and skipped."""
    value = command.get("value")
    if not isinstance(value, str) or not value:
        raise InvalidTask("CommandInfo has no value")
    variables = (command.get("environment") or {}).get("variables") or []
    environment = tuple(
        (str(var["name"]), str(var.get("value", "")))
        for var in variables
        if var.get("type", "VALUE") == "VALUE" and "name" in var
    )
    return CommandSpec(
        value=value,
        shell=bool(command.get("shell", True)),
        arguments=tuple(str(arg) for arg in command.get("arguments") or ()),
        environment=environment,
        uris=tuple(_parse_uri(uri) for uri in command.get("uris") or ()),
        user=command.get("user") or None,
    )


def _parse_uri(uri: Mapping[str, Any]) -> UriSpec:
    value = uri.get("value")
    if not isinstance(value, str) or not value:
        raise InvalidTask("CommandInfo.uris entry has no value")
    return UriSpec(
        value=value,
        extract=bool(uri.get("extract", True)),
        executable=bool(uri.get("executable", False)),
        output_file=uri.get("output_file") or None,
    )


def parse_health_check(check: Mapping[str, Any]) -> HealthCheckSpec:
    """Parse a HealthCheck dict (types HTTP, TCP and COMMAND)."""
    try:
        kind = CheckKind(check.get("type"))
    except ValueError as exc:
        raise InvalidTask(f"unsupported health check type {check.get('type')!r}") from exc
    base = HealthCheckSpec(
        kind,
        delay_s=float(check.get("delay_seconds", DEFAULT_DELAY_S)),
        interval_s=float(check.get("interval_seconds", DEFAULT_INTERVAL_S)),
        timeout_s=float(check.get("timeout_seconds", DEFAULT_TIMEOUT_S)),
        consecutive_failures=int(check.get("consecutive_failures", DEFAULT_CONSECUTIVE_FAILURES)),
        grace_period_s=float(check.get("grace_period_seconds", DEFAULT_GRACE_PERIOD_S)),
    )
    if kind is CheckKind.COMMAND:
        if not check.get("command"):
            raise InvalidTask("COMMAND health check has no command")
        return replace(base, command=parse_command(check["command"]))
    target = check.get(kind.value.lower()) or {}
    if "port" not in target:
        raise InvalidTask(f"{kind.value} health check has no port")
    return replace(
        base,
        port=int(target["port"]),
        path=str(target.get("path") or "/"),
        scheme=str(target.get("scheme") or "http"),
        ipv6=target.get("protocol") == "IPv6",
    )


def kill_grace_seconds(kill_policy: Mapping[str, Any] | None) -> float | None:
    """The grace period of a KillPolicy in seconds, or None when it gives none."""
    if not kill_policy or "grace_period" not in kill_policy:
        return None
    return max(0.0, int(kill_policy["grace_period"].get("nanoseconds", 0)) / 1e9)


def _command_from_data(data: str | None) -> Mapping[str, Any] | None:
    if not data:
        return None
    try:
        command = json.loads(base64.b64decode(data))
    except (binascii.Error, ValueError) as exc:
        raise InvalidTask("TaskInfo data is not a base64 CommandInfo JSON object") from exc
    if not isinstance(command, dict):
        raise InvalidTask("TaskInfo data is not a base64 CommandInfo JSON object")
    return command
