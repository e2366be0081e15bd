from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.scheduler.jobs.jobs_harness import Jobs, at


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path,
                    hostname="dromos.test", port=8080)
    rt = Runtime(config, ManualClock())
    rt.restore()
    yield rt
    rt.close()


class OwnerTurnClient(FlaskClient):
    """A test client after each of whose requests the runtime does what its owner thread
    does next, having answered (the work that was due, such as a deployment's first step):
    no owner thread runs here."""

    runtime: Runtime

    def open(self, *args: Any, **kwargs: Any) -> Any:
        response = super().open(*args, **kwargs)
        self.runtime.core.run_pending()
        return response


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    app = create_app(runtime)
    app.test_client_class = OwnerTurnClient
    test_client = app.test_client()
    assert isinstance(test_client, OwnerTurnClient)
    test_client.runtime = runtime
    return test_client


# The Chronos API: a job scheduler on a manual clock, under both prefixes.
PREFIXES = ["/v1/scheduler", "/scheduler"]


@pytest.fixture
def jobs(tmp_path: Path) -> Iterator[Jobs]:
    harness = Jobs(tmp_path)
    yield harness
    harness.close()


@pytest.fixture(params=PREFIXES)
def api(request: pytest.FixtureRequest, jobs: Jobs) -> Api:
    return Api(create_app(jobs.rt).test_client(), request.param)


class Api:
    def __init__(self, client: FlaskClient, prefix: str) -> None:
        self.client = client
        self.prefix = prefix

    def call(self, method: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self.client.open(self.prefix + path, method=method, json=body, **kwargs)

    def post_job(self, name: str, **fields: Any) -> Any:
        job = {"name": name, "command": "true", "schedule": f"R/{at(60)}/PT1H", **fields}
        kind = "/dependency" if "parents" in job else "/iso8601"
        return self.call("POST", kind, job)
