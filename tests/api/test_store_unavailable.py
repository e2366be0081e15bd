"""A store that cannot write, or an owner thread that cannot answer, is a 503 (issue 13, item 6)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url

APP = {"id": "/web", "cmd": "sleep 9", "instances": 0}
JOB = {"name": "j", "command": "true", "schedule": "R/2030-01-01T00:00:00Z/PT1H"}


@pytest.fixture
def impatient(tmp_path: Path) -> Iterator[Runtime]:
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path,
                    store_busy_timeout_s=0.3, request_timeout_s=1.0)
    rt = Runtime(config, ManualClock())
    rt.restore()
    yield rt
    rt.close()


def test_a_locked_database_is_503_with_a_message_and_nothing_applied(
    impatient: Runtime, tmp_path: Path
) -> None:
    client = create_app(impatient).test_client()
    other = sqlite3.connect(tmp_path / "dromos.db", isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        response = client.post("/v2/apps", json=APP)
        assert response.status_code == 503
        assert "database is locked" in response.get_json()["message"]
        chronos = client.post("/v1/scheduler/iso8601", json=JOB)
        assert chronos.status_code == 503
        assert chronos.get_json()["status"] == "Service Unavailable"
        assert time.monotonic() - started < 5
        assert client.get("/v2/apps").get_json() == {"apps": []}
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert client.post("/v2/apps", json=APP).status_code == 201


def test_a_busy_owner_thread_is_503_and_the_write_is_never_applied(
    impatient: Runtime,
) -> None:
    client: FlaskClient = create_app(impatient).test_client()
    impatient.core.start()
    release = threading.Event()
    impatient.core.post(lambda: release.wait(10))
    try:
        started = time.monotonic()
        response = client.post("/v2/apps", json=APP)
        assert response.status_code == 503
        assert "did not answer in time" in response.get_json()["message"]
        assert time.monotonic() - started < 5
    finally:
        release.set()
    assert client.get("/v2/apps").get_json() == {"apps": []}
    assert impatient.store.load_apps() == {}
