"""Groups from /v2/groups JSON, tree helpers, and GroupInfo output."""

from __future__ import annotations

from typing import Any

import pytest

from scheduler.apps.groups import (
    Group,
    find_group,
    group_to_json,
    iter_apps,
    iter_groups,
    parse_group,
    parse_group_update,
    scaled,
    tree_of,
)
from scheduler.apps.validation import parse_app
from scheduler.base.errors import MalformedRequest, ValidationFailed

NESTED: dict[str, Any] = {
    "id": "/prod",
    "apps": [{"id": "web", "cmd": "sleep 1", "instances": 2}],
    "groups": [
        {"id": "db", "apps": [{"id": "/prod/db/pg", "cmd": "sleep 1", "dependencies": ["cache"]}]},
        {"id": "cache", "dependencies": ["db"]},
    ],
}


def violations(data: Any) -> dict[str, tuple[str, ...]]:
    with pytest.raises(ValidationFailed) as caught:
        parse_group(data)
    return {v.path: v.errors for v in caught.value.violations}


def test_nested_ids_are_resolved_against_their_group() -> None:
    group = parse_group(NESTED)
    assert [app.id for app in iter_apps(group)] == ["/prod/web", "/prod/db/pg"]
    assert [g.id for g in iter_groups(group)] == ["/prod", "/prod/db", "/prod/cache"]


def test_dependencies_are_resolved_relative_to_the_parent() -> None:
    group = parse_group(NESTED)
    cache = find_group(group, "/prod/cache")
    assert cache is not None and cache.dependencies == ("/prod/db",)
    assert next(a for a in iter_apps(group) if a.id == "/prod/db/pg").dependencies == (
        "/prod/db/cache",
    )


def test_absolute_app_id_outside_the_group_is_rejected() -> None:
    errors = violations({"id": "/group", "apps": [{"id": "/app", "cmd": "x"}]})
    assert errors == {
        "/apps(0)/id": ("identifier /app is not child of /group. Hint: use relative paths.",)
    }


def test_app_violations_carry_their_position_in_the_tree() -> None:
    data = {"id": "/g", "groups": [{"id": "sub", "apps": [{"id": "a", "cmd": "x", "cpus": 0}]}]}
    assert "/groups(0)/apps(0)/cpus" in violations(data)


def test_type_errors_in_nested_apps_are_invalid_json() -> None:
    with pytest.raises(MalformedRequest) as caught:
        parse_group({"id": "/g", "apps": [{"id": "a", "cmd": "x", "mem": "lots"}]})
    assert caught.value.details == [{"path": "/apps(0)/mem", "errors": ["error.expected.jsnumber"]}]


def test_duplicate_ids_in_a_group_are_rejected() -> None:
    data = {"id": "/g", "apps": [{"id": "a", "cmd": "x"}], "groups": [{"id": "a"}]}
    assert "/" in violations(data)


def test_group_id_is_taken_from_the_path_when_the_body_has_none() -> None:
    assert parse_group({"apps": []}, group_id="/prod").id == "/prod"


def test_group_id_is_required_somewhere() -> None:
    with pytest.raises(MalformedRequest):
        parse_group({"apps": []})


def test_version_only_update_is_a_rollback() -> None:
    update = parse_group_update({"version": "2023-11-14T22:13:20.000Z"}, group_id="/g")
    assert (update.id, update.version, update.group) == ("/g", "2023-11-14T22:13:20.000Z", None)


def test_scale_by_update_and_scaling_rounds_up() -> None:
    update = parse_group_update({"scaleBy": 1.5}, group_id="/prod")
    assert update.scale_by == 1.5 and update.group is None
    group = scaled(parse_group(NESTED), 1.5)
    assert [app.instances for app in iter_apps(group)] == [3, 2]


def test_negative_scale_by_is_rejected() -> None:
    with pytest.raises(ValidationFailed):
        parse_group_update({"scaleBy": -1}, group_id="/g")


def test_tree_of_flat_apps_builds_intermediate_groups() -> None:
    apps = [parse_app({"id": i, "cmd": "x"}) for i in ("/a/b/c", "/a/d", "/e")]
    root = tree_of(apps, [Group("/empty", version="v1")])
    assert [g.id for g in iter_groups(root)] == ["/", "/a", "/a/b", "/empty"]
    assert [a.id for a in root.apps] == ["/e"]
    empty = find_group(root, "/empty")
    assert empty is not None and empty.version == "v1"


def test_group_info_json() -> None:
    out = group_to_json(parse_group({"id": "/g", "apps": [{"id": "a", "cmd": "x"}]}))
    assert set(out) == {"id", "apps", "groups", "pods", "dependencies"}
    assert (out["id"], out["pods"], out["groups"], out["apps"][0]["id"]) == ("/g", [], [], "/g/a")


def test_group_info_renders_apps_with_the_given_renderer() -> None:
    out = group_to_json(parse_group(NESTED), lambda app: {"id": app.id, "tasksRunning": 0})
    assert out["groups"][0]["apps"] == [{"id": "/prod/db/pg", "tasksRunning": 0}]
