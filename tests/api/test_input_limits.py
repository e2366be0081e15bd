"""Bad input from one request is refused with a 4xx and changes nothing (issue 13, items 3-5)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from scheduler.apps.groups import parse_group
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.base.errors import ValidationFailed
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url

JSON = {"Content-Type": "application/json"}
GROUP = {"id": "/g1", "dependencies": ["/other"],
         "apps": [{"id": "web", "cmd": "sleep 1", "instances": 1}],
         "groups": [{"id": "sub", "apps": [{"id": "db", "cmd": "sleep 2", "instances": 0}]}]}


@pytest.fixture
def small(tmp_path: Path) -> Iterator[FlaskClient]:
    """An API whose limits are small enough to reach in a test."""
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path,
                    max_instances_per_app=5, max_instances_total=8, max_body_bytes=64 * 1024,
                    max_string_length=1000, max_label_length=100)
    rt = Runtime(config, ManualClock())
    rt.restore()
    yield create_app(rt).test_client()
    rt.close()


def _post(client: FlaskClient, path: str, body: str | bytes, method: str = "POST") -> object:
    return client.open(path, method=method, data=body, headers=JSON)


def _app_ids(client: FlaskClient) -> list[tuple[str, int]]:
    return [(a["id"], a["instances"]) for a in client.get("/v2/apps").get_json()["apps"]]


# item 3: instances and scaleBy ------------------------------------------------------------
def test_instances_past_int32_is_422_and_nothing_is_stored(
    client: FlaskClient, runtime: Runtime
) -> None:
    response = client.post("/v2/apps", json={"id": "/big", "cmd": "x", "instances": 2**31})
    assert response.status_code == 422
    assert [d["path"] for d in response.get_json()["details"]] == ["/instances"]
    assert runtime.store.load_apps() == {}


def test_instances_past_the_per_app_flag_is_422(small: FlaskClient) -> None:
    response = small.post("/v2/apps", json={"id": "/big", "cmd": "x", "instances": 6})
    assert response.status_code == 422
    assert "--max-instances-per-app" in str(response.get_json()["details"])
    assert small.post("/v2/apps", json={"id": "/ok", "cmd": "x", "instances": 5}).status_code \
        == 201
    assert small.patch("/v2/apps/ok", json={"instances": 7}).status_code == 422
    assert _app_ids(small) == [("/ok", 5)]


def test_instances_past_the_total_flag_is_422(small: FlaskClient) -> None:
    assert small.post("/v2/apps", json={"id": "/a", "cmd": "x", "instances": 5}).status_code \
        == 201
    response = small.put("/v2/apps/b", json={"cmd": "x", "instances": 4})
    assert response.status_code == 422
    assert "--max-instances-total" in str(response.get_json()["details"])
    assert small.put("/v2/apps/b", json={"cmd": "x", "instances": 3}).status_code == 201
    assert _app_ids(small) == [("/a", 5), ("/b", 3)]


def test_a_huge_scale_by_is_refused_at_once_and_queues_nothing(
    client: FlaskClient, runtime: Runtime
) -> None:
    assert client.post("/v2/groups", json=GROUP).status_code == 201
    before = client.get("/v2/queue").get_json()
    started = time.monotonic()
    for factor in ("1e9", "1e5"):  # past MAX_SCALE_BY, and past --max-instances-per-app
        response = _post(client, "/v2/groups/g1?force=true", f'{{"scaleBy": {factor}}}', "PUT")
        assert response.status_code == 422, factor
    assert time.monotonic() - started < 2
    assert client.get("/v2/queue").get_json() == before
    assert ("/g1/web", 1) in _app_ids(client)


# item 4: a group update keeps what it does not name ----------------------------------------
def test_group_put_without_apps_keeps_apps_and_subgroups(client: FlaskClient) -> None:
    assert client.post("/v2/groups", json=GROUP).status_code == 201
    response = client.put("/v2/groups/g1?force=true", json={"dependencies": []})
    assert response.status_code == 200
    group = client.get("/v2/groups/g1").get_json()
    assert group["dependencies"] == []
    assert [a["id"] for a in group["apps"]] == ["/g1/web"]
    assert [(g["id"], [a["id"] for a in g["apps"]]) for g in group["groups"]] == [
        ("/g1/sub", ["/g1/sub/db"])]


def test_group_put_naming_apps_replaces_them_and_keeps_dependencies(client: FlaskClient) -> None:
    client.post("/v2/groups", json=GROUP)
    response = client.put("/v2/groups/g1?force=true", json={"apps": [{"id": "api", "cmd": "x",
                                                           "instances": 0}]})
    assert response.status_code == 200
    group = client.get("/v2/groups/g1").get_json()
    assert [a["id"] for a in group["apps"]] == ["/g1/api"]
    assert group["dependencies"] == ["/other"]
    assert [g["id"] for g in group["groups"]] == ["/g1/sub"]


# item 5: garbage is refused -------------------------------------------------------------
@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
@pytest.mark.parametrize("field", ["cpus", "mem", "disk", "backoffFactor"])
def test_non_finite_numbers_are_400(client: FlaskClient, runtime: Runtime, field: str,
                                    number: str) -> None:
    body = f'{{"id": "/n", "cmd": "x", "instances": 0, "{field}": {number}}}'
    response = _post(client, "/v2/apps", body)
    assert response.status_code == 400
    assert response.get_json()["message"] == "Invalid JSON"
    assert runtime.store.load_apps() == {}


@pytest.mark.parametrize("number", ["NaN", "1e999"])
def test_non_finite_scale_by_is_400(client: FlaskClient, number: str) -> None:
    client.post("/v2/groups", json=GROUP)
    response = _post(client, "/v2/groups/g1", f'{{"scaleBy": {number}}}', "PUT")
    assert response.status_code == 400


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/v2/apps/../../x"), ("PUT", "/v2/apps/a/../../x"), ("PATCH", "/v2/apps/../x"),
    ("GET", "/v2/groups/../../x"), ("DELETE", "/v2/apps/../../x"),
])
def test_ids_climbing_above_the_root_are_422(client: FlaskClient, method: str,
                                             path: str) -> None:
    response = client.open(path, method=method, json={"cmd": "x", "instances": 0})
    assert response.status_code == 422
    assert response.get_json()["message"] == "Object is not valid"


@pytest.mark.parametrize("body", [
    {"id": "/../../x", "apps": []},
    {"id": "/g", "apps": [{"id": "../../../x", "cmd": "y"}]},
    {"id": "/g", "groups": [{"id": "../../../x"}]},
])
def test_group_bodies_with_ids_above_the_root_are_422(client: FlaskClient, body: dict) -> None:
    assert client.post("/v2/groups", json=body).status_code == 422
    assert client.get("/v2/groups").get_json()["groups"] == []


def test_deep_nesting_is_400_not_a_recursion_error(client: FlaskClient) -> None:
    for depth in (100, 10_000, 100_000):
        response = _post(client, "/v2/apps", "[" * depth + "]" * depth)
        assert response.status_code == 400, depth
    response = _post(client, "/v1/scheduler/iso8601", "[" * 10_000 + "]" * 10_000)
    assert response.status_code == 400


def test_invalid_utf8_is_400_on_both_apis(client: FlaskClient, runtime: Runtime) -> None:
    body = b'{"id": "/u", "cmd": "echo \xff\xfe", "instances": 0}'
    assert _post(client, "/v2/apps", body).status_code == 400
    job = b'{"name": "j\xff", "command": "true", "schedule": "R/2030-01-01T00:00:00Z/PT1H"}'
    assert _post(client, "/v1/scheduler/iso8601", job).status_code == 400
    assert runtime.store.load_apps() == {}


def test_a_body_past_the_size_limit_is_413(small: FlaskClient) -> None:
    apps = [{"id": f"a{i}", "cmd": "x", "instances": 0} for i in range(3000)]
    response = small.post("/v2/groups", json={"id": "/big", "apps": apps})
    assert response.status_code == 413
    assert "message" in response.get_json()
    assert small.get("/v2/groups").get_json()["groups"] == []


def _parse_seconds(count: int) -> float:
    apps = [{"id": f"a{i}", "cmd": "x", "instances": 0} for i in range(count)]
    apps.append({"id": "a7", "cmd": "x", "instances": 0})
    started = time.thread_time()  # this thread's CPU: what other processes do adds nothing
    with pytest.raises(ValidationFailed, match="Object is not valid") as refused:
        parse_group({"id": "/big", "apps": apps})
    assert [v.errors for v in refused.value.violations] == [("/big/a7 is defined more than once",)]
    return time.thread_time() - started


def test_group_parsing_grows_linearly_with_its_apps() -> None:
    """The duplicate check was quadratic (a 150k-app group took 45 minutes): ten times the
    apps must cost about ten times the time, far from the hundred of a quadratic check."""
    # The fastest of a few runs: a shared machine's caches still vary.
    small = min(_parse_seconds(2_000) for _ in range(3))
    large = min(_parse_seconds(20_000) for _ in range(2))
    assert large < 25 * small, (small, large)


def test_long_strings_and_labels_are_400(small: FlaskClient) -> None:
    long_cmd = {"id": "/s", "cmd": "x" * 1001, "instances": 0}
    assert small.post("/v2/apps", json=long_cmd).status_code == 400
    long_label = {"id": "/s", "cmd": "x", "instances": 0, "labels": {"k": "v" * 101}}
    assert small.post("/v2/apps", json=long_label).status_code == 400
    ok = {"id": "/s", "cmd": "x" * 1000, "instances": 0, "labels": {"k": "v" * 100}}
    assert small.post("/v2/apps", json=ok).status_code == 201
