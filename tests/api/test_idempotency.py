"""Idempotency-Key: a retried write is answered as the first time and applied once."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient

from api.app import create_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url

APP = {"id": "/web", "cmd": "sleep 9", "instances": 0}
JOB = {"name": "j", "command": "true", "schedule": "R/2030-01-01T00:00:00Z/PT1H",
       "owner": "a@example.com"}


def _key(key: str) -> dict[str, str]:
    return {"Idempotency-Key": key}


def test_a_retried_post_returns_the_first_answer_and_applies_once(
    client: FlaskClient, runtime: Runtime
) -> None:
    first = client.post("/v2/apps", json=APP, headers=_key("k1"))
    assert first.status_code == 201
    again = client.post("/v2/apps", json=APP, headers=_key("k1"))
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(runtime.store.app_versions("/web")) == 1
    # Without a key the same POST is a conflict, as it always was.
    assert client.post("/v2/apps", json=APP).status_code == 409


def test_the_same_key_with_another_body_is_422_and_changes_nothing(client: FlaskClient) -> None:
    client.post("/v2/apps", json=APP, headers=_key("k1"))
    other = client.post("/v2/apps", json={**APP, "id": "/other"}, headers=_key("k1"))
    assert other.status_code == 422
    assert "another request" in other.get_json()["message"]
    assert [a["id"] for a in client.get("/v2/apps").get_json()["apps"]] == ["/web"]


def test_put_patch_delete_and_chronos_writes_are_idempotent(client: FlaskClient) -> None:
    client.post("/v2/apps", json=APP)
    for _ in range(2):
        assert client.put("/v2/apps/web", json={"cmd": "sleep 1", "instances": 0},
                          headers=_key("put")).status_code == 200
    versions = client.get("/v2/apps/web/versions").get_json()["versions"]
    assert len(versions) == 2
    for _ in range(2):
        assert client.post("/v1/scheduler/iso8601", json=JOB,
                           headers=_key("job")).status_code == 204
    first = client.delete("/v2/apps/web", headers=_key("del"))
    again = client.delete("/v2/apps/web", headers=_key("del"))
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json()
    assert client.delete("/v2/apps/web").status_code == 404


def test_keys_survive_a_restart_and_expire_after_a_day(tmp_path: Path) -> None:
    clock = ManualClock()
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path)

    def started() -> tuple[Runtime, FlaskClient]:
        rt = Runtime(config, clock)
        rt.restore()
        return rt, create_app(rt).test_client()

    rt, client = started()
    first = client.post("/v2/apps", json=APP, headers=_key("k"))
    rt.close()
    rt, client = started()
    again = client.post("/v2/apps", json=APP, headers=_key("k"))
    assert again.status_code == 201 and again.get_json() == first.get_json()
    clock.advance(24 * 3600 + 1)
    assert client.post("/v2/apps", json=APP, headers=_key("k")).status_code == 409
    rt.close()


def test_a_refused_write_keeps_its_answer_too(client: FlaskClient) -> None:
    bad = {"id": "/bad", "cmd": "x", "cpus": -1}
    assert client.post("/v2/apps", json=bad, headers=_key("b")).status_code == 422
    again = client.post("/v2/apps", json=bad, headers=_key("b"))
    assert again.status_code == 422 and again.headers["Idempotent-Replayed"] == "true"
    assert client.post("/v2/apps", json=APP, headers=_key("")).status_code == 422
