"""Marathon's rules for an app's health, readiness and Mesos checks, one test each."""

from __future__ import annotations

from scheduler.apps.model import HealthProtocol
from scheduler.apps.validation import parse_app
from tests.scheduler.apps.validation_helpers import app, type_errors, violations

# --- health checks ----------------------------------------------------------------------


def test_health_check_port_index_must_address_an_existing_port() -> None:
    errors = violations(app(healthChecks=[{"protocol": "HTTP", "portIndex": 1}]))
    assert list(errors) == ["/healthChecks(0)/portIndex"]


def test_health_check_without_port_needs_the_app_to_have_a_port() -> None:
    errors = violations(app(portDefinitions=[], healthChecks=[{"protocol": "TCP"}]))
    assert "/healthChecks(0)/portIndex" in errors


def test_health_check_gets_port_index_zero_by_default() -> None:
    check = parse_app(app(healthChecks=[{"protocol": "MESOS_TCP"}])).health_checks[0]
    assert (check.port_index, check.port) == (0, None)


def test_health_check_with_port_and_port_index_is_rejected() -> None:
    assert "/healthChecks(0)/port" in violations(app(healthChecks=[{"port": 8080, "portIndex": 0}]))


def test_at_most_one_mesos_health_check() -> None:
    checks = [{"protocol": "MESOS_HTTP"}, {"protocol": "MESOS_TCP"}]
    assert "/healthChecks" in violations(app(healthChecks=checks))


def test_several_command_health_checks_are_tolerated() -> None:
    checks = [{"protocol": "COMMAND", "command": {"value": "true"}}] * 2 + [
        {"protocol": "MESOS_TCP"}
    ]
    assert len(parse_app(app(healthChecks=checks)).health_checks) == 3


def test_command_health_check_needs_a_command() -> None:
    assert "/healthChecks(0)/command" in violations(app(healthChecks=[{"protocol": "COMMAND"}]))


def test_unknown_health_check_protocol_is_invalid_json() -> None:
    errors = type_errors(app(healthChecks=[{"protocol": "UDP"}]))
    assert errors == {"/healthChecks(0)/protocol": ["error.unknown.enum.literal"]}


def test_ipv6_health_check_needs_docker_and_a_mesos_protocol() -> None:
    assert "/healthChecks(0)/ipProtocol" in violations(app(healthChecks=[{"ipProtocol": "IPv6"}]))


def test_health_check_interval_must_be_positive() -> None:
    assert "/healthChecks(0)/intervalSeconds" in violations(
        app(healthChecks=[{"intervalSeconds": 0}])
    )


def test_health_check_defaults() -> None:
    check = parse_app(app(healthChecks=[{}])).health_checks[0]
    assert check.protocol is HealthProtocol.HTTP
    assert (check.path, check.grace_period_seconds, check.interval_seconds) == ("/", 300, 60)
    assert (check.timeout_seconds, check.max_consecutive_failures, check.delay_seconds) == (
        20,
        3,
        15,
    )
    assert (check.ignore_http1xx, check.ip_protocol) == (False, "IPv4")


# --- readiness and Mesos checks ---------------------------------------------------------


def test_at_most_one_readiness_check() -> None:
    ports = [{"port": 0, "name": "http-api"}]
    errors = violations(app(portDefinitions=ports, readinessChecks=[{}, {}]))
    assert "/readinessChecks" in errors


def test_readiness_check_must_name_a_port() -> None:
    assert "/readinessChecks(0)/portName" in violations(app(readinessChecks=[{"portName": "web"}]))


def test_readiness_timeout_must_be_below_interval() -> None:
    data = app(readinessChecks=[{"portName": "default", "intervalSeconds": 5, "timeoutSeconds": 5}])
    assert "/readinessChecks(0)/timeoutSeconds" in violations(data)


def test_mesos_check_needs_exactly_one_kind() -> None:
    assert "/check" in violations(app(check={"http": {"portIndex": 0}, "tcp": {"portIndex": 0}}))
