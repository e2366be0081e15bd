"""Mesos-native health checks (HTTP, TCP, COMMAND) run by the executor."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from executor.health.command_check import CommandProbe
from executor.health.http_check import HttpProbe
from executor.health.probe import Probe
from executor.health.tcp_check import TcpProbe
from executor.task_spec import CheckKind, HealthCheckSpec


def make_probe(spec: HealthCheckSpec, sandbox: Path, task_env: Mapping[str, str]) -> Probe:
    """The probe a health check asks for, aimed at the task's ports, sandbox and environment."""
    if spec.kind is CheckKind.HTTP:
        return HttpProbe(spec.port, spec.path, spec.scheme, spec.ipv6)
    if spec.kind is CheckKind.TCP:
        return TcpProbe(spec.port, spec.ipv6)
    assert spec.command is not None, "parse_health_check requires a command"
    return CommandProbe(spec.command, sandbox, task_env)
