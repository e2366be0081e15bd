"""With auth on, nothing but /ping answers without valid credentials, and viewers only read."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from api.app import create_app
from api.guards.auth import hash_password, hash_token
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
TOKEN = "t0k3n-for-the-viewer"
APP = {"id": "/web", "cmd": "sleep 9", "instances": 0}
JOB = {"name": "j", "command": "true", "schedule": "R/2030-01-01T00:00:00Z/PT1H",
       "owner": "a@example.com"}


def _basic(user: str, password: str) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


OPERATOR = _basic("ops", "s3cret")
VIEWER = _basic("eve", "look-only")


@pytest.fixture
def secured(tmp_path: Path) -> Iterator[Flask]:
    credentials = tmp_path / "credentials"
    credentials.write_text(f"# name:role:hash\neve:viewer:{hash_password('look-only')}\n"
                           f"dash:viewer:{hash_token(TOKEN)}\n")
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path,
                    http_credentials=("ops:s3cret",), credentials_file=credentials)
    rt = Runtime(config, ManualClock())
    rt.restore()
    yield create_app(rt)
    rt.close()


def _write_routes(app: Flask) -> list[tuple[str, str]]:
    """Every (method, URL) that writes, from the URL map: a new route cannot be left out."""
    routes = []
    for rule in app.url_map.iter_rules():
        url = re.sub(r"<(?:[^:>]+:)?([^>]+)>", "x", rule.rule)
        routes.extend((method, url) for method in sorted((rule.methods or set()) & WRITES))
    return routes


def _state(client: FlaskClient) -> tuple[object, object]:
    return (client.get("/v2/apps", headers=OPERATOR).get_json(),
            client.get("/v1/scheduler/jobs", headers=OPERATOR).get_json())


def test_no_write_route_succeeds_without_valid_credentials(secured: Flask) -> None:
    client = secured.test_client()
    routes = _write_routes(secured)
    assert len(routes) > 30 and ("POST", "/v2/apps") in routes
    assert client.post("/v2/apps", json=APP, headers=OPERATOR).status_code == 201
    before = _state(client)
    # A wrong password costs an scrypt each time (on purpose): tried on a few routes only.
    for url in ("/v2/apps", "/v1/scheduler/iso8601", "/v2/groups/x"):
        assert client.post(url, json=APP, headers=_basic("ops", "wrong")).status_code == 401
    wrong = [{}, _basic("nobody", "s3cret"), {"Authorization": "Bearer nope"},
             {"Authorization": "Basic !!!"}]
    for method, url in routes:
        for headers in wrong:
            answer = client.open(url, method=method, json=APP, headers=headers)
            assert answer.status_code == 401, (method, url, headers)
            assert answer.headers["WWW-Authenticate"].startswith("Basic")
        for headers in (VIEWER, {"Authorization": f"Bearer {TOKEN}"}):
            answer = client.open(url, method=method, json=APP, headers=headers)
            assert answer.status_code == 403, (method, url)
    assert _state(client) == before


def test_reads_need_credentials_and_ping_does_not(secured: Flask) -> None:
    client = secured.test_client()
    assert client.get("/ping").status_code == 200
    answer = client.get("/v2/apps")
    assert answer.status_code == 401 and answer.get_json() == {"message": "Invalid credentials"}
    chronos = client.get("/v1/scheduler/jobs")
    assert chronos.status_code == 401 and chronos.get_json()["status"] == "Unauthorized"
    assert client.get("/metrics").status_code == 401
    assert client.get("/v2/apps", headers=VIEWER).status_code == 200
    assert client.get("/v2/apps", headers={"Authorization": f"Bearer {TOKEN}"}).status_code \
        == 200


def test_operators_write_on_both_apis(secured: Flask) -> None:
    client = secured.test_client()
    assert client.post("/v2/apps", json=APP, headers=OPERATOR).status_code == 201
    assert client.post("/v1/scheduler/iso8601", json=JOB, headers=OPERATOR).status_code == 204
    assert [j["name"] for j in client.get("/v1/scheduler/jobs", headers=VIEWER).get_json()] \
        == ["j"]


def test_secrets_are_kept_only_as_hashes(secured: Flask, tmp_path: Path) -> None:
    runtime: Runtime = secured.extensions["dromos"]
    assert "s3cret" not in repr(runtime.config)
    assert "look-only" not in (tmp_path / "credentials").read_text()


def test_auth_is_off_without_credentials(client: FlaskClient) -> None:
    assert client.post("/v2/apps", json=APP).status_code == 201
