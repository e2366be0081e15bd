"""Who tasks run as: --default-user, --allowed-users, root refused, local URIs the user can read."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.support.fake_driver import FakeDriver

JOB = {"name": "j", "command": "true", "schedule": "R/2030-01-01T00:00:00Z/PT1H",
       "owner": "a@example.com"}


def _runtime(tmp_path: Path, **options: object) -> Runtime:
    config = Config(master="fake:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path,
                    **options)  # type: ignore[arg-type]
    rt = Runtime(config, ManualClock())
    rt.restore()
    return rt


@pytest.fixture
def nobody(tmp_path: Path) -> Iterator[Runtime]:
    rt = _runtime(tmp_path, default_user="nobody", allowed_users=("daemon",))
    yield rt
    rt.close()


def _registered(rt: Runtime) -> FakeDriver:
    driver = FakeDriver()
    rt.framework.attach_driver(driver)
    rt.framework.on_registered("framework-1", "fake-master")
    rt.core.run_pending()
    return driver


def _launched_users(rt: Runtime, driver: FakeDriver) -> list[str | None]:
    rt.core.run_pending()
    offer = {"id": {"value": "o1"}, "framework_id": {"value": "framework-1"},
             "agent_id": {"value": "a1"}, "hostname": "h1",
             "resources": [{"name": n, "type": "SCALAR", "scalar": {"value": v}}
                           for n, v in (("cpus", 8), ("mem", 8192), ("disk", 9999))] + [
                 {"name": "ports", "type": "RANGES",
                  "ranges": {"range": [{"begin": 31000, "end": 31999}]}}]}
    rt.framework.on_offers([offer])
    rt.core.run_pending()
    # An app task is a command task: the user is its CommandInfo's.
    return [info["command"].get("user")
            for launch in driver.launches for info in launch.task_infos]


def test_an_app_naming_no_user_runs_as_the_default_user(nobody: Runtime) -> None:
    client = create_app(nobody).test_client()
    driver = _registered(nobody)
    assert client.post("/v2/apps", json={"id": "/a", "cmd": "id", "cpus": 0.1, "mem": 8,
                                         "instances": 1}).status_code == 201
    assert client.post("/v2/apps", json={"id": "/b", "cmd": "id", "cpus": 0.1, "mem": 8,
                                         "instances": 1, "user": "daemon"}).status_code == 201
    assert sorted(_launched_users(nobody, driver)) == ["daemon", "nobody"]


@pytest.mark.parametrize("user", ["root", "bin"])
def test_users_outside_the_allow_list_are_refused(nobody: Runtime, user: str) -> None:
    client: FlaskClient = create_app(nobody).test_client()
    answer = client.post("/v2/apps", json={"id": "/r", "cmd": "id", "user": user})
    assert answer.status_code == 422
    assert answer.get_json()["details"][0]["path"] == "/user"
    group = client.post("/v2/groups", json={"id": "/g", "apps": [
        {"id": "r", "cmd": "id", "user": user}]})
    assert group.status_code == 422
    job = client.post("/v1/scheduler/iso8601", json={**JOB, "runAsUser": user})
    assert job.status_code == 400 and "not allowed" in job.get_json()["message"]
    assert client.get("/v2/apps").get_json()["apps"] == []
    assert client.get("/v1/scheduler/jobs").get_json() == []


def test_root_is_refused_without_an_allow_list_unless_it_is_the_default(tmp_path: Path) -> None:
    rt = _runtime(tmp_path, default_user="nobody")
    client = create_app(rt).test_client()
    assert client.post("/v2/apps", json={"id": "/r", "cmd": "id", "user": "root"}).status_code \
        == 422
    assert client.post("/v2/apps", json={"id": "/d", "cmd": "id", "user": "daemon",
                                         "instances": 0}).status_code == 201
    job = client.post("/v1/scheduler/iso8601", json={**JOB, "runAsUser": "root"})
    assert job.status_code == 400
    assert client.post("/v1/scheduler/iso8601", json=JOB).status_code == 204
    assert client.get("/v1/scheduler/jobs").get_json()[0]["runAsUser"] == "nobody"
    rt.close()


@pytest.mark.skipif(os.geteuid() != 0, reason="needs a file only root can read")
def test_a_local_uri_the_task_user_cannot_read_is_refused(nobody: Runtime) -> None:
    with tempfile.TemporaryDirectory(dir="/tmp") as name:  # pytest's tmp_path is 0700
        shared = Path(name)
        shared.chmod(0o755)
        secret, public = shared / "secret", shared / "public"
        secret.write_text("x")
        secret.chmod(0o600)
        public.write_text("y")
        public.chmod(0o644)
        client = create_app(nobody).test_client()
        for uri in ("file:///etc/shadow", f"file://{secret}", str(secret)):
            answer = client.post("/v2/apps", json={"id": "/f", "cmd": "id", "uris": [uri]})
            assert answer.status_code == 422, uri
            assert "user 'nobody' cannot read it" in json.dumps(answer.get_json())
            job = client.post("/v1/scheduler/iso8601", json={**JOB, "uris": [uri]})
            assert job.status_code == 400, uri
        answer = client.post("/v2/apps", json={"id": "/f", "cmd": "id", "instances": 0,
                                               "uris": [f"file://{public}"]})
        assert answer.status_code == 201
