"""Every write route, sent generated bad input: never a 5xx, never a change (issue 13)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings

from api.app import create_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.support.bad_requests import (
    COMMANDS_WITHOUT_INPUT,
    BadRequest,
    bad_requests,
    write_routes,
)

SEED_APP = {"id": "/web", "cmd": "sleep 9", "instances": 0, "labels": {"tier": "front"}}
SEED_GROUP = {"id": "/g1", "apps": [{"id": "db", "cmd": "sleep 1", "instances": 0}]}
SEED_JOB = {"name": "seed", "command": "true", "schedule": "R/2030-01-01T00:00:00Z/PT1H",
            "owner": "a@example.com"}


def state(get: object) -> list[object]:
    """What a user can read of the scheduler's state (apps, groups, jobs, deployments)."""
    paths = ("/v2/apps", "/v2/groups", "/v1/scheduler/jobs", "/v2/deployments", "/v2/queue")
    return [json.loads(get(path)) for path in paths]  # type: ignore[operator]


def seed(post: object) -> None:
    for path, body in (("/v2/apps", SEED_APP), ("/v2/groups", SEED_GROUP),
                       ("/v1/scheduler/iso8601", SEED_JOB)):
        status = post(path, body)  # type: ignore[operator]
        assert status in (201, 204), (path, status)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Flask, list[object]]]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz")
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(data_dir), data_dir=data_dir)
    rt = Runtime(config, ManualClock())
    rt.restore()
    app = create_app(rt)
    client = app.test_client()
    seed(lambda path, body: client.post(path, json=body).status_code)
    yield app, state(lambda path: client.get(path).data)
    rt.close()


def test_every_write_route_is_fuzzed_or_takes_no_input(seeded: tuple[Flask, list[object]]) -> None:
    app, _ = seeded
    fuzzed = {(method, rule) for method, rule, _ in write_routes(app)}
    assert ("POST", "/v2/apps") in fuzzed and ("PUT", "/v1/scheduler/job/<name>") in fuzzed
    assert len(fuzzed) + len(COMMANDS_WITHOUT_INPUT) >= 35


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=__import__("hypothesis").strategies.data())
def test_bad_writes_never_get_a_5xx_and_change_nothing(
    seeded: tuple[Flask, list[object]], data: object
) -> None:
    app, before = seeded
    request: BadRequest = data.draw(bad_requests(app))  # type: ignore[attr-defined]
    client: FlaskClient = app.test_client()
    answer = client.open(request.path, method=request.method, data=request.body,
                         content_type=request.content_type)
    # Chronos answers some writes to unknown jobs with 200 ("marked job x as successful:
    # false"): what matters is no 5xx and no change.
    assert answer.status_code < 500, (request, answer.status_code, answer.data[:300])
    assert state(lambda path: client.get(path).data) == before, request
