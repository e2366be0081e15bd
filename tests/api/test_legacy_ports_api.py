"""The deprecated app field `ports` next to `portDefinitions`, as Marathon 1.10 takes them.

Marathon 1.10 writes `portDefinitions` only; it accepts both fields on POST and on a
complete PUT when `ports` lists the definitions' numbers, refuses them at "/" otherwise,
and on a partial PUT reads `portDefinitions` and ignores `ports`.
"""

from __future__ import annotations

import json
from typing import Any

from flask.testing import FlaskClient

from tests.support.marathon_client import MarathonApp

CONFLICT = {"path": "/", "errors": ["cannot specify both ports and port definitions"]}
RUNTIME_FIELDS = ("version", "versionInfo", "deployments", "tasks", "tasksStaged",
                  "tasksRunning", "tasksHealthy", "tasksUnhealthy", "lastTaskFailure")


def app_json(**extra: Any) -> dict[str, Any]:
    return {"id": "/web", "cmd": "sleep 9", "instances": 0,
            "portDefinitions": [{"port": 0, "name": "http", "labels": {"vip": "web"}}], **extra}


def read(client: FlaskClient) -> dict[str, Any]:
    return client.get("/v2/apps/web").get_json()["app"]


def definition(app: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in app.items() if k not in RUNTIME_FIELDS}


def test_get_writes_port_definitions_and_no_ports(client: FlaskClient) -> None:
    client.post("/v2/apps", json=app_json())
    app = read(client)
    assert "ports" not in app
    assert app["portDefinitions"] == [{"port": 10000, "protocol": "tcp", "name": "http",
                                       "labels": {"vip": "web"}}]


def test_ports_agreeing_with_port_definitions_are_accepted_and_definitions_win(
    client: FlaskClient
) -> None:
    response = client.post("/v2/apps", json=app_json(ports=[0]))
    assert response.status_code == 201
    assert read(client)["portDefinitions"][0]["name"] == "http"


def test_ports_disagreeing_with_port_definitions_are_422_at_the_root(
    client: FlaskClient
) -> None:
    response = client.post("/v2/apps", json=app_json(ports=[8081]))
    assert response.status_code == 422
    assert response.get_json() == {"message": "Object is not valid", "details": [CONFLICT]}
    assert client.get("/v2/apps/web").status_code == 404
    client.post("/v2/apps", json=app_json())
    before = read(client)
    replaced = client.put("/v2/apps/web?partialUpdate=false",
                          json=definition(before) | {"ports": [10001], "cpus": 0.5})
    assert replaced.status_code == 422 and replaced.get_json()["details"] == [CONFLICT]
    assert read(client) == before


def test_a_partial_put_with_both_reads_port_definitions(client: FlaskClient) -> None:
    client.post("/v2/apps", json=app_json())
    patch = {"ports": [0, 0], "portDefinitions": [{"port": 0, "name": "admin"}]}
    assert client.put("/v2/apps/web", json=patch).status_code == 200
    assert [d.get("name") for d in read(client)["portDefinitions"]] == ["admin"]


def test_a_raw_round_trip_with_ports_added_changes_no_config(client: FlaskClient) -> None:
    """What an older client sends back (both fields, agreeing) leaves the app as it was."""
    client.post("/v2/apps", json=app_json())
    before = read(client)
    body = definition(before) | {"ports": [d["port"] for d in before["portDefinitions"]]}
    for query in ("", "?partialUpdate=false"):
        assert client.put(f"/v2/apps/web{query}", json=body).status_code == 200
        after = read(client)
        assert definition(after) == definition(before)
        # No config change: a running task would not be replaced.
        assert after["versionInfo"]["lastConfigChangeAt"] == (
            before["versionInfo"]["lastConfigChangeAt"])
    assert client.get("/v2/deployments").get_json() == []


def test_the_marathon_client_round_trip_changes_no_config(client: FlaskClient) -> None:
    client.post("/v2/apps", json=app_json())
    before = read(client)
    app = MarathonApp.from_json(before)
    app.version = None  # as MarathonClient.update_app does before it sends
    body = app.to_json(minimal=True)
    assert "portDefinitions" in json.loads(body)
    response = client.put("/v2/apps/web", data=body, content_type="application/json")
    assert response.status_code == 200
    after = read(client)
    assert after["portDefinitions"] == before["portDefinitions"]
    assert after["versionInfo"]["lastConfigChangeAt"] == (
        before["versionInfo"]["lastConfigChangeAt"])
