"""The Chronos API under test: a real runtime on a manual clock, under both prefixes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from tests.chronos.jobs_harness import Jobs, at

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
