"""The app definition: Marathon's fields and defaults as frozen values.

Values here are already normalized (relative ids resolved, defaults filled, deprecated
`ports`/`uris` converted); `scheduler.apps.validation` builds them from JSON and
`scheduler.apps.serialize` writes them back. Mappings are read-only by convention.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from scheduler.launch.constraints import Constraint
from scheduler.mesos.resources import Resources

JsonObject = Mapping[str, Any]
INT32_MAX = 2**31 - 1  # Marathon's instances and gpus are int32


def timestamp(epoch_seconds: float) -> str:
    """Marathon's version format: ISO-8601 UTC with milliseconds, `2015-09-25T15:13:48.343Z`."""
    moment = datetime.fromtimestamp(epoch_seconds, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class KillSelection(enum.Enum):
    """Which instances die first on scale-down."""

    YOUNGEST_FIRST = "YOUNGEST_FIRST"
    OLDEST_FIRST = "OLDEST_FIRST"


class HealthProtocol(enum.Enum):
    HTTP = "HTTP"
    HTTPS = "HTTPS"
    TCP = "TCP"
    COMMAND = "COMMAND"
    MESOS_HTTP = "MESOS_HTTP"
    MESOS_HTTPS = "MESOS_HTTPS"
    MESOS_TCP = "MESOS_TCP"

    @property
    def runs_in_executor(self) -> bool:
        """COMMAND and MESOS_* are run by Mesos (TaskInfo.health_check), others by Dromos."""
        return self in _EXECUTOR_PROTOCOLS

    @property
    def is_http(self) -> bool:
        return self in _HTTP_PROTOCOLS

    @property
    def uses_port(self) -> bool:
        return self is not HealthProtocol.COMMAND


_EXECUTOR_PROTOCOLS = frozenset(
    {
        HealthProtocol.COMMAND,
        HealthProtocol.MESOS_HTTP,
        HealthProtocol.MESOS_HTTPS,
        HealthProtocol.MESOS_TCP,
    }
)
_HTTP_PROTOCOLS = frozenset(
    {
        HealthProtocol.HTTP,
        HealthProtocol.HTTPS,
        HealthProtocol.MESOS_HTTP,
        HealthProtocol.MESOS_HTTPS,
    }
)


@dataclass(frozen=True)
class HealthCheck:
    """One health check. `port` (fixed) wins over `port_index` (index into the app's ports).

    Times are seconds. `delay_seconds` only matters to executor-run checks.
    """

    protocol: HealthProtocol = HealthProtocol.HTTP
    path: str | None = None
    port_index: int | None = None
    port: int | None = None
    grace_period_seconds: int = 300
    interval_seconds: int = 60
    timeout_seconds: int = 20
    max_consecutive_failures: int = 3
    delay_seconds: int = 15
    ignore_http1xx: bool = False
    ip_protocol: str = "IPv4"
    command: str | None = None

    def target_port(self, host_ports: tuple[int, ...]) -> int | None:
        """The port to probe on a task with `host_ports`; None for COMMAND checks."""
        if self.port is not None:
            return self.port
        if self.port_index is None or self.port_index >= len(host_ports):
            return None
        return host_ports[self.port_index]


@dataclass(frozen=True)
class ReadinessCheck:
    name: str = "readinessCheck"
    protocol: str = "HTTP"
    path: str = "/"
    port_name: str = "http-api"
    interval_seconds: int = 30
    timeout_seconds: int = 10
    http_status_codes_for_ready: tuple[int, ...] = (200,)
    preserve_last_response: bool = False


@dataclass(frozen=True)
class PortDefinition:
    """A host port the task gets; `port` 0 means any (a service port when assigned)."""

    port: int = 0
    protocol: str = "tcp"
    name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Network:
    mode: str = "host"
    name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PortMapping:
    """A container port mapping (non-host networking); `host_port` None means no host port."""

    container_port: int = 0
    host_port: int | None = None
    service_port: int = 0
    protocol: str = "tcp"
    name: str | None = None
    labels: Mapping[str, str] = field(default_factory=dict)
    network_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Container:
    """A container section, kept close to its JSON (scheduler/apps/app_container.py makes
    the task's ContainerInfo of it); volumes are host paths (the others are refused)."""

    type: str = "MESOS"
    docker: JsonObject | None = None
    port_mappings: tuple[PortMapping, ...] = ()
    volumes: tuple[JsonObject, ...] = ()
    linux_info: JsonObject | None = None

    @property
    def image(self) -> str | None:
        return None if self.docker is None else self.docker.get("image")


@dataclass(frozen=True)
class FetchUri:
    uri: str
    extract: bool = True
    executable: bool = False
    cache: bool = False
    dest_path: str | None = None


@dataclass(frozen=True)
class UpgradeStrategy:
    """Fractions of `instances`: keep at least min healthy, run at most 1 + max over capacity."""

    minimum_health_capacity: float = 1.0
    maximum_over_capacity: float = 1.0


@dataclass(frozen=True)
class UnreachableStrategy:
    """Seconds before an unreachable instance is replaced (inactive) and forgotten (expunge)."""

    inactive_after_seconds: int = 0
    expunge_after_seconds: int = 0
    disabled: bool = False


UNREACHABLE_DISABLED = UnreachableStrategy(disabled=True)


@dataclass(frozen=True)
class EnvSecret:
    """An env value taken from a declared secret."""

    secret: str


@dataclass(frozen=True)
class ExecutorResources:
    cpus: float = 0.1
    mem: float = 32.0
    disk: float = 10.0


@dataclass(frozen=True)
class ResourceLimits:
    """Upper limits above the requested resources; None = not set, inf = "unlimited"."""

    cpus: float | None = None
    mem: float | None = None


@dataclass(frozen=True)
class VersionInfo:
    last_scaling_at: str
    last_config_change_at: str


@dataclass(frozen=True)
class AppDefinition:
    """One version of an app, normalized. `id` is canonical ("/prod/web")."""

    id: str
    cmd: str | None = None
    args: tuple[str, ...] | None = None
    user: str | None = None
    instances: int = 1
    cpus: float = 1.0
    mem: float = 128.0
    disk: float = 0.0
    gpus: int = 0
    env: Mapping[str, str | EnvSecret] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)
    constraints: tuple[Constraint, ...] = ()
    accepted_resource_roles: tuple[str, ...] | None = None
    role: str = "*"
    port_definitions: tuple[PortDefinition, ...] = ()
    require_ports: bool = False
    networks: tuple[Network, ...] = (Network(),)
    container: Container | None = None
    health_checks: tuple[HealthCheck, ...] = ()
    check: JsonObject | None = None
    readiness_checks: tuple[ReadinessCheck, ...] = ()
    dependencies: tuple[str, ...] = ()
    upgrade_strategy: UpgradeStrategy = UpgradeStrategy()
    backoff_seconds: int = 1
    backoff_factor: float = 1.15
    max_launch_delay_seconds: int = 300
    task_kill_grace_period_seconds: int | None = None
    kill_selection: KillSelection = KillSelection.YOUNGEST_FIRST
    unreachable_strategy: UnreachableStrategy = UnreachableStrategy()
    fetch: tuple[FetchUri, ...] = ()
    executor: str = ""
    executor_resources: ExecutorResources | None = None
    tty: bool | None = None
    secrets: Mapping[str, str] = field(default_factory=dict)
    resource_limits: ResourceLimits | None = None
    version: str | None = None
    version_info: VersionInfo | None = None
    # Dromos extension (not in Marathon): fail a deployment of this app that has not
    # finished after this many seconds; None waits forever, as Marathon does.
    deployment_timeout_seconds: int | None = None

    @property
    def resources(self) -> Resources:
        """What one task asks for."""
        return Resources(self.cpus, self.mem, self.disk, self.gpus)

    @property
    def uses_host_network(self) -> bool:
        return any(network.mode == "host" for network in self.networks)

    @property
    def port_names(self) -> tuple[str | None, ...]:
        """Names of the ports a task gets, in the order of its host ports."""
        if self.uses_host_network:
            return tuple(pd.name for pd in self.port_definitions)
        return tuple(pm.name for pm in self.host_port_mappings)

    @property
    def host_port_mappings(self) -> tuple[PortMapping, ...]:
        mappings = self.container.port_mappings if self.container else ()
        return tuple(pm for pm in mappings if pm.host_port is not None)

    @property
    def port_count(self) -> int:
        """How many host ports one task needs."""
        return len(self.port_names)
