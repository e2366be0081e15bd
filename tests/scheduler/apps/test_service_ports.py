from __future__ import annotations

from typing import Any

import pytest

from scheduler.apps.model import AppDefinition
from scheduler.apps.service_ports import PortRange, assign, service_ports
from scheduler.apps.validation import parse_app
from scheduler.base.errors import ValidationFailed

RANGE = PortRange(10000, 10004)


def app(app_id: str, *ports: int, **extra: Any) -> AppDefinition:
    return parse_app({"id": app_id, "cmd": "sleep 9",
                      "portDefinitions": [{"port": p} for p in ports], **extra})


def bridge(app_id: str, *ports: int) -> AppDefinition:
    mappings = [{"containerPort": 80, "hostPort": 0, "servicePort": p} for p in ports]
    return parse_app({"id": app_id, "cmd": "sleep 9", "networks": [{"mode": "container/bridge"}],
                      "container": {"type": "MESOS", "portMappings": mappings}})


def ports_of(target: dict[str, AppDefinition | None], app_id: str) -> tuple[int, ...]:
    assigned = target[app_id]
    assert assigned is not None
    return service_ports(assigned)


def test_zeros_get_the_lowest_free_ports_of_the_range() -> None:
    target = assign({"/a": app("/a", 0, 0)}, {}, RANGE)
    assert ports_of(target, "/a") == (10000, 10001)


def test_ports_are_unique_across_apps_and_skip_explicit_ones() -> None:
    current = {"/a": app("/a", 10000, 10002)}
    target = assign({"/b": app("/b", 0, 0, 10001)}, current, RANGE)
    assert ports_of(target, "/b") == (10003, 10004, 10001)


def test_port_mappings_get_service_ports_too() -> None:
    target = assign({"/b": bridge("/b", 0)}, {"/a": app("/a", 0)} | {}, RANGE)
    assert ports_of(target, "/b") == (10000,)


def test_an_updated_app_keeps_its_ports() -> None:
    current = {"/a": app("/a", 10003, 10001), "/b": app("/b", 10000)}
    target = assign({"/a": app("/a", 0, 0, 0, cpus=2)}, current, RANGE)
    assert ports_of(target, "/a") == (10003, 10001, 10002)


def test_an_explicit_port_held_by_another_app_is_refused() -> None:
    with pytest.raises(ValidationFailed) as refused:
        assign({"/b": app("/b", 0, 10000)}, {"/a": app("/a", 10000)}, RANGE)
    [violation] = refused.value.violations
    assert violation.path == "/portDefinitions(1)/port"
    assert "/a" in violation.errors[0]


def test_two_new_apps_with_the_same_explicit_port_are_refused() -> None:
    with pytest.raises(ValidationFailed):
        assign({"/a": app("/a", 8080), "/b": app("/b", 8080)}, {}, RANGE)


def test_a_full_range_is_refused() -> None:
    current = {"/a": app("/a", 0, 0, 0, 0, 0)}
    current = {"/a": ports_app(assign(current, {}, RANGE))}
    with pytest.raises(ValidationFailed) as refused:
        assign({"/b": app("/b", 0)}, current, RANGE)
    assert "10000-10004" in refused.value.violations[0].errors[0]


def test_a_deleted_apps_ports_are_free_again() -> None:
    target = assign({"/a": None, "/b": app("/b", 0)}, {"/a": app("/a", 10000)}, RANGE)
    assert target["/a"] is None and ports_of(target, "/b") == (10000,)


def ports_app(target: dict[str, AppDefinition | None]) -> AppDefinition:
    assigned = target["/a"]
    assert assigned is not None
    return assigned
