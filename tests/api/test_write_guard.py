"""No cross-origin writes: bodies that are not JSON and writes from other origins are refused."""

from __future__ import annotations

import dataclasses
import json

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from scheduler.process.runtime import Runtime

APP = {"id": "/csrf", "cmd": "id > /tmp/pwned", "cpus": 0.01, "mem": 8}
JOB = {"name": "csrf", "command": "id > /tmp/pwned", "schedule": "R/2030-01-01T00:00:00Z/PT1M",
       "owner": "a@example.com"}
SIMPLE_TYPES = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]


@pytest.mark.parametrize("content_type", SIMPLE_TYPES)
def test_an_app_posted_as_a_simple_cross_origin_request_is_refused(
    client: FlaskClient, content_type: str
) -> None:
    answer = client.post("/v2/apps", data=json.dumps(APP), content_type=content_type)
    assert answer.status_code == 415
    assert "application/json" in answer.json["message"]
    assert client.get("/v2/apps").json["apps"] == []


@pytest.mark.parametrize("prefix", ["/v1/scheduler", "/scheduler"])
def test_a_job_posted_as_text_is_refused_in_chronos_s_shape(
    client: FlaskClient, prefix: str
) -> None:
    answer = client.post(f"{prefix}/iso8601", data=json.dumps(JOB), content_type="text/plain")
    assert answer.status_code == 415
    assert answer.json["status"] == "Unsupported Media Type"
    assert client.get(f"{prefix}/jobs").json == []


def test_a_json_write_from_a_page_of_another_origin_is_refused(client: FlaskClient) -> None:
    answer = client.post("/v2/apps", json=APP, headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403
    answer = client.post("/v2/apps", json=APP, headers={"Sec-Fetch-Site": "cross-site"})
    assert answer.status_code == 403
    answer = client.post("/v1/scheduler/iso8601", json=JOB, headers={"Origin": "null"})
    assert answer.status_code == 403
    assert client.get("/v2/apps").json["apps"] == []
    assert client.get("/v1/scheduler/jobs").json == []


def test_writes_from_the_api_s_own_origin_and_from_tools_are_accepted(
    client: FlaskClient,
) -> None:
    own = client.post("/v2/apps", json=APP, headers={"Origin": "http://localhost"})
    assert own.status_code == 201
    # curl -X POST with no body sends no Content-Type: nothing for a browser to forge.
    assert client.post("/v2/apps/csrf/restart?force=true").status_code == 200


def test_no_cors_headers_by_default(client: FlaskClient) -> None:
    for path in ("/v1/scheduler/jobs", "/scheduler/jobs", "/v2/apps"):
        answer = client.get(path, headers={"Origin": "http://evil.example"})
        assert "Access-Control-Allow-Origin" not in answer.headers


def test_an_allowed_origin_gets_cors_headers_and_may_write(runtime: Runtime) -> None:
    runtime.config = dataclasses.replace(runtime.config, cors_origins=("http://ui.example:3000",))
    client = create_app(runtime).test_client()
    allowed = {"Origin": "http://ui.example:3000"}
    answer = client.post("/v2/apps", json=APP, headers=allowed)
    assert answer.status_code == 201
    assert answer.headers["Access-Control-Allow-Origin"] == "http://ui.example:3000"
    other = client.get("/v1/scheduler/jobs", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
