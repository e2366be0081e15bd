"""Health checks, readiness checks and Mesos `check` of an app, from JSON."""

from __future__ import annotations

from typing import Any

from scheduler.apps.model import HealthCheck, HealthProtocol, ReadinessCheck
from scheduler.apps.reader import EXPECTED_INT, UNKNOWN_ENUM, Reader

_MESOS_NATIVE = frozenset(
    {HealthProtocol.MESOS_HTTP, HealthProtocol.MESOS_HTTPS, HealthProtocol.MESOS_TCP}
)
_MAX_PORT = 65535


def read_health_checks(
    reader: Reader, port_count: int, container_type: str | None
) -> tuple[HealthCheck, ...]:
    """`healthChecks`, with portIndex 0 filled in when neither port nor portIndex is given."""
    checks = tuple(
        _read_health_check(r, port_count, container_type) for r in reader.children("healthChecks")
    )
    if sum(check.protocol in _MESOS_NATIVE for check in checks) > 1:
        reader.problems.violation(
            reader.at("healthChecks"),
            "An app may have at most one MESOS_HTTP, MESOS_HTTPS or MESOS_TCP health check",
        )
    return checks


def _read_health_check(r: Reader, port_count: int, container_type: str | None) -> HealthCheck:
    protocol = r.choice("protocol", HealthProtocol) or HealthProtocol.HTTP
    defaults = HealthCheck()
    port, port_index = r.integer("port"), r.integer("portIndex")
    _check_port_choice(r, protocol, port, port_index, port_count)
    if protocol.uses_port and port is None and port_index is None:
        port_index = 0
        if port_count == 0:
            r.problems.violation(
                r.at("portIndex"),
                "A health check without port or portIndex needs the app to have a port",
            )
    command = _command(r)
    if protocol is HealthProtocol.COMMAND and command is None:
        r.problems.violation(
            r.at("command"), 'A COMMAND health check needs a command {"value": ...}'
        )
    ip_protocol = r.string("ipProtocol") or defaults.ip_protocol
    if ip_protocol not in ("IPv4", "IPv6"):
        r.problems.wrong_type(r.at("ipProtocol"), UNKNOWN_ENUM)
    elif ip_protocol == "IPv6" and not (container_type == "DOCKER" and protocol in _MESOS_NATIVE):
        r.problems.violation(
            r.at("ipProtocol"), "IPv6 health checks need a DOCKER container and a MESOS_* protocol"
        )
    check = HealthCheck(
        protocol=protocol,
        path=(r.string("path") or "/") if protocol.is_http else None,
        port_index=None if port is not None else port_index,
        port=port,
        grace_period_seconds=_seconds(r, "gracePeriodSeconds", defaults.grace_period_seconds, 0),
        interval_seconds=_seconds(r, "intervalSeconds", defaults.interval_seconds, 1),
        timeout_seconds=_seconds(r, "timeoutSeconds", defaults.timeout_seconds, 1),
        max_consecutive_failures=_seconds(
            r, "maxConsecutiveFailures", defaults.max_consecutive_failures, 0
        ),
        delay_seconds=_seconds(r, "delaySeconds", defaults.delay_seconds, 0),
        ignore_http1xx=bool(r.boolean("ignoreHttp1xx")) if protocol.is_http else False,
        ip_protocol=ip_protocol,
        command=command,
    )
    return check


def _check_port_choice(
    r: Reader, protocol: HealthProtocol, port: int | None, port_index: int | None, port_count: int
) -> None:
    if port is not None and port_index is not None:
        r.problems.violation(r.at("port"), "Give either port or portIndex, not both")
    if port is not None and not 0 <= port <= _MAX_PORT:
        r.problems.violation(r.at("port"), f"got {port}, expected a port number 0..{_MAX_PORT}")
    if port_index is not None and protocol.uses_port and not 0 <= port_index < port_count:
        r.problems.violation(
            r.at("portIndex"),
            f"port index {port_index} must address one of the app's {port_count} port(s)",
        )


def _command(r: Reader) -> str | None:
    command = r.child("command")
    if command is None:
        return None
    value = command.string("value")
    if not value:
        r.problems.violation(command.at("value"), "must not be empty")
    return value


def _seconds(r: Reader, key: str, default: int, least: int) -> int:
    value = r.integer(key)
    r.minimum(key, value, least)
    return default if value is None else value


def read_readiness_checks(
    reader: Reader, port_names: tuple[str | None, ...]
) -> tuple[ReadinessCheck, ...]:
    children = reader.children("readinessChecks")
    if len(children) > 1:
        reader.problems.violation(
            reader.at("readinessChecks"), "An app may have at most one readiness check"
        )
    return tuple(_read_readiness_check(r, port_names) for r in children)


def _read_readiness_check(r: Reader, port_names: tuple[str | None, ...]) -> ReadinessCheck:
    defaults = ReadinessCheck()
    protocol = r.string("protocol") or defaults.protocol
    if protocol not in ("HTTP", "HTTPS"):
        r.problems.wrong_type(r.at("protocol"), UNKNOWN_ENUM)
    port_name = r.string("portName") or defaults.port_name
    if port_name not in port_names:
        r.problems.violation(
            r.at("portName"), f"'{port_name}' does not name one of the app's ports"
        )
    interval = _seconds(r, "intervalSeconds", defaults.interval_seconds, 1)
    timeout = _seconds(r, "timeoutSeconds", defaults.timeout_seconds, 1)
    if timeout >= interval:
        r.problems.violation(r.at("timeoutSeconds"), "must be smaller than intervalSeconds")
    codes = _status_codes(r)
    return ReadinessCheck(
        name=r.string("name") or defaults.name,
        protocol=protocol,
        path=r.string("path") or defaults.path,
        port_name=port_name,
        interval_seconds=interval,
        timeout_seconds=timeout,
        http_status_codes_for_ready=codes or defaults.http_status_codes_for_ready,
        preserve_last_response=bool(r.boolean("preserveLastResponse")),
    )


def _status_codes(r: Reader) -> tuple[int, ...]:
    raw = r.array("httpStatusCodesForReady") or []
    codes = []
    for index, code in enumerate(raw):
        if isinstance(code, bool) or not isinstance(code, int):
            r.problems.wrong_type(f"{r.at('httpStatusCodesForReady')}({index})", EXPECTED_INT)
        elif not 100 <= code <= 999:
            r.problems.violation(
                f"{r.at('httpStatusCodesForReady')}({index})", "must be an HTTP status code"
            )
        else:
            codes.append(code)
    if r.has("httpStatusCodesForReady") and not raw:
        r.problems.violation(r.at("httpStatusCodesForReady"), "must not be empty")
    return tuple(codes)


def read_check(reader: Reader) -> dict[str, Any] | None:
    """A Mesos `check` (results shown, never acted on), kept as JSON with Marathon's defaults."""
    r = reader.child("check")
    if r is None:
        return None
    kinds = [kind for kind in ("http", "tcp", "exec") if r.obj(kind) is not None]
    if len(kinds) != 1:
        r.problems.violation(r.path, "A check needs exactly one of http, tcp or exec")
    check = dict(r.data)
    for key, default in (("intervalSeconds", 60), ("timeoutSeconds", 20), ("delaySeconds", 15)):
        check[key] = _seconds(r, key, default, 0)
    return check
