from __future__ import annotations

import uuid

import pytest

from scheduler.apps import pathid


def test_relative_id_is_resolved_against_the_parent() -> None:
    assert pathid.canonical("web", "/prod") == "/prod/web"
    assert pathid.canonical("web") == "/web"


def test_absolute_id_ignores_the_parent_and_loses_trailing_slash() -> None:
    assert pathid.canonical("/a/b/", "/prod") == "/a/b"


def test_dot_segments_are_resolved() -> None:
    assert pathid.canonical("../db/./mysql", "/prod/web") == "/prod/db/mysql"


def test_climbing_above_the_root_is_an_error() -> None:
    with pytest.raises(pathid.InvalidPathId):
        pathid.canonical("../../x", "/prod")


@pytest.mark.parametrize("good", ["/web", "/prod/web-1", "/a.b.c/d", "x9", "/app-1.v2"])
def test_valid_ids_have_no_errors(good: str) -> None:
    assert pathid.path_errors(good) == []


@pytest.mark.parametrize("bad", ["/Web", "/we_b", "/-web", "/web-", "/a..b", "/a/b c", "/web."])
def test_segments_must_be_dns_like(bad: str) -> None:
    assert pathid.path_errors(bad)


@pytest.mark.parametrize("reserved", ["restart", "tasks", "versions"])
def test_reserved_words_cannot_end_an_id(reserved: str) -> None:
    assert pathid.path_errors(f"/prod/{reserved}")
    assert pathid.path_errors(f"/{reserved}/web") == []


def test_task_id_is_derived_from_the_app_id_and_parses_back() -> None:
    fixed = uuid.UUID("6f3c1c4e-0000-4000-8000-000000000001")
    task_id = pathid.task_id_for("/prod/web", fixed)
    assert task_id == f"prod_web.instance-{fixed}._app.1"
    assert pathid.app_id_of_task(task_id) == "/prod/web"
    assert pathid.instance_id_of(task_id) == f"prod_web.instance-{fixed}"


def test_task_ids_are_unique() -> None:
    assert pathid.task_id_for("/web") != pathid.task_id_for("/web")


def test_legacy_task_ids_parse_back() -> None:
    legacy_uuid = "6f3c1c4e-0000-4000-8000-000000000001"
    assert pathid.app_id_of_task(f"prod_web.marathon-{legacy_uuid}") == "/prod/web"
    assert pathid.app_id_of_task(f"prod_web.{legacy_uuid}") == "/prod/web"


def test_a_job_task_id_is_not_an_app_task_id() -> None:
    with pytest.raises(pathid.InvalidPathId):
        pathid.app_id_of_task("ct:1700000000000:0:nightly:")


def test_parent_and_descendant_helpers() -> None:
    assert pathid.parent_of("/prod/web") == "/prod"
    assert pathid.parent_of("/web") == "/"
    assert pathid.parent_of("/") == "/"
    assert pathid.ancestors("/a/b/c") == ["/", "/a", "/a/b"]
    assert pathid.is_descendant("/a/b/c", "/a")
    assert pathid.is_descendant("/a", "/")
    assert not pathid.is_descendant("/ab", "/a")
    assert not pathid.is_descendant("/a", "/a")


def test_hostname_reverses_segments() -> None:
    assert pathid.hostname_of("/prod/web") == "web.prod"
