"""TaskInfo parsing: commands, health-check defaults, kill policies, bad input."""

from __future__ import annotations

import base64

import pytest

from executor.task_spec import CheckKind, CommandSpec, InvalidTask, parse_task


def test_shell_command_runs_through_sh() -> None:
    spec = parse_task({"task_id": {"value": "t"}, "command": {"value": "echo $HOME"}})

    assert spec.command.argv == ["/bin/sh", "-c", "echo $HOME"]
    assert spec.health_check is None
    assert spec.kill_grace_s is None


def test_environment_keeps_values_and_skips_secrets() -> None:
    variables = [
        {"name": "A", "value": "1"},
        {"name": "S", "type": "SECRET", "secret": {"type": "REFERENCE"}},
    ]
    command = {"value": "env", "environment": {"variables": variables}}

    assert parse_task({"task_id": {"value": "t"}, "command": command}).command.environment == (
        ("A", "1"),
    )


def test_health_check_fields_absent_take_mesos_defaults() -> None:
    check = {"type": "HTTP", "http": {"port": 31000}}
    spec = parse_task({"task_id": {"value": "t"}, "command": {"value": "x"}, "health_check": check})

    hc = spec.health_check
    assert hc is not None and hc.kind is CheckKind.HTTP
    assert (hc.delay_s, hc.interval_s, hc.timeout_s) == (15.0, 10.0, 20.0)
    assert (hc.consecutive_failures, hc.grace_period_s) == (3, 10.0)
    assert (hc.port, hc.path, hc.scheme) == (31000, "/", "http")


def test_command_health_check_parses_its_command() -> None:
    check = {"type": "COMMAND", "command": {"value": "curl -f localhost"}}
    spec = parse_task({"task_id": {"value": "t"}, "command": {"value": "x"}, "health_check": check})

    assert spec.health_check is not None
    assert spec.health_check.command == CommandSpec("curl -f localhost")


def test_kill_policy_grace_is_in_seconds() -> None:
    policy = {"grace_period": {"nanoseconds": "2500000000"}}
    spec = parse_task({"task_id": {"value": "t"}, "command": {"value": "x"}, "kill_policy": policy})

    assert spec.kill_grace_s == 2.5


def test_start_at_label_is_read_in_epoch_seconds() -> None:
    labels = {"labels": [{"key": "team", "value": "a"},
                         {"key": "dromos.start_at", "value": "1800000000250"}]}
    spec = parse_task({"task_id": {"value": "t"}, "command": {"value": "x"}, "labels": labels})
    plain = parse_task({"task_id": {"value": "t"}, "command": {"value": "x"}})

    assert spec.start_at == 1_800_000_000.25
    assert plain.start_at is None


@pytest.mark.parametrize(
    "task_info",
    [
        {"command": {"value": "x"}},
        {"task_id": {"value": "t"}},
        {"task_id": {"value": "t"}, "command": {"value": ""}},
        {"task_id": {"value": "t"}, "data": base64.b64encode(b"[1]").decode()},
        {"task_id": {"value": "t"}, "data": "not base64!"},
        {"task_id": {"value": "t"}, "command": {"value": "x"}, "health_check": {"type": "GRPC"}},
        {"task_id": {"value": "t"}, "command": {"value": "x"}, "health_check": {"type": "TCP"}},
        {
            "task_id": {"value": "t"},
            "command": {"value": "x"},
            "health_check": {"type": "TCP", "tcp": {"port": 1}, "delay_seconds": "soon"},
        },
        {
            "task_id": {"value": "t"},
            "command": {"value": "x"},
            "labels": {"labels": [{"key": "dromos.start_at", "value": "tomorrow"}]},
        },
    ],
)
def test_unrunnable_task_info_is_invalid(task_info: dict) -> None:
    with pytest.raises(InvalidTask):
        parse_task(task_info)
