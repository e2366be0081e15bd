from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from scheduler.process.runtime import Runtime


def app_json(app_id: str, *ports: int, **extra: Any) -> dict[str, Any]:
    return {"id": app_id, "cmd": "sleep 9", "instances": 0,
            "portDefinitions": [{"port": p, "name": f"p{i}"} for i, p in enumerate(ports)],
            **extra}


def service_ports(client: FlaskClient, app_id: str) -> list[int]:
    app = client.get(f"/v2/apps{app_id}").get_json()["app"]
    return [pd["port"] for pd in app["portDefinitions"]]


def test_port_zero_reads_back_as_an_assigned_service_port(client: FlaskClient) -> None:
    created = client.post("/v2/apps", json=app_json("/a", 0, 0))
    assert created.status_code == 201
    assert [pd["port"] for pd in created.get_json()["portDefinitions"]] == [10000, 10001]
    assert client.post("/v2/apps", json=app_json("/b", 0)).status_code == 201
    assert service_ports(client, "/a") == [10000, 10001]
    assert service_ports(client, "/b") == [10002]


def test_updates_and_restarts_keep_the_service_ports(
    client: FlaskClient, runtime: Runtime
) -> None:
    client.post("/v2/apps", json=app_json("/a", 0))
    client.post("/v2/apps", json=app_json("/b", 0, 0))
    before = service_ports(client, "/b")
    assert client.put("/v2/apps/b", json=app_json("/b", 0, 0, cpus=0.5)).status_code == 200
    assert client.post("/v2/apps/b/restart", json={}).status_code == 200
    assert service_ports(client, "/b") == before
    assert runtime.store.load_apps()["/b"]["portDefinitions"][1]["port"] == before[1]


def test_a_clash_with_another_apps_port_is_422_and_changes_nothing(client: FlaskClient) -> None:
    client.post("/v2/apps", json=app_json("/a", 0))
    response = client.post("/v2/apps", json=app_json("/b", 10000))
    assert response.status_code == 422
    assert response.get_json()["details"][0]["path"] == "/portDefinitions(0)/port"
    assert client.get("/v2/apps/b").status_code == 404


def test_group_apps_get_distinct_ports_and_keep_them_on_a_re_put(client: FlaskClient) -> None:
    group = {"id": "/g", "apps": [app_json("/g/x", 0), app_json("/g/y", 0)]}
    assert client.post("/v2/groups", json=group).status_code == 201
    ports = service_ports(client, "/g/x") + service_ports(client, "/g/y")
    assert sorted(ports) == [10000, 10001]
    assert client.put("/v2/groups/g", json=group).status_code == 200
    assert service_ports(client, "/g/x") + service_ports(client, "/g/y") == ports


def test_an_app_read_back_and_put_again_keeps_its_ports(client: FlaskClient) -> None:
    client.post("/v2/apps", json=app_json("/a", 0, 0))
    app = client.get("/v2/apps/a").get_json()["app"]
    assert "ports" not in app  # Marathon 1.10 writes portDefinitions only
    body = {k: v for k, v in app.items() if k not in ("version", "versionInfo", "deployments",
                                                      "tasks", "tasksStaged", "tasksRunning",
                                                      "tasksHealthy", "tasksUnhealthy")}
    assert client.put("/v2/apps/a", json=body | {"cpus": 0.2}).status_code == 200
    assert service_ports(client, "/a") == [10000, 10001]


def test_info_shows_the_port_range(client: FlaskClient) -> None:
    config = client.get("/v2/info").get_json()["marathon_config"]
    assert (config["local_port_min"], config["local_port_max"]) == (10000, 20000)


def test_require_ports_asks_mesos_for_the_assigned_ports(
    client: FlaskClient, runtime: Runtime
) -> None:
    client.post("/v2/apps", json=app_json("/a", 0))
    client.post("/v2/apps", json=app_json("/r", 0, instances=1, requirePorts=True))
    [queued] = runtime.call(lambda: runtime.framework.queue.of("/r"))
    assert queued.request.required_ports == (10001,)
