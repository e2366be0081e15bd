from __future__ import annotations

from flask.testing import FlaskClient

from scheduler.process.runtime import Runtime


def test_create_answers_201_with_location_and_deployment_header(client: FlaskClient) -> None:
    response = client.post("/v2/apps", json={"id": "web", "cmd": "sleep 9", "instances": 0})
    assert response.status_code == 201
    assert response.headers["Location"] == "/web"
    body = response.get_json()
    assert body["id"] == "/web" and body["tasksRunning"] == 0
    assert response.headers["Marathon-Deployment-Id"] == body["deployments"][0]["id"]


def test_invalid_app_is_422_with_details_and_changes_nothing(
    client: FlaskClient, runtime: Runtime
) -> None:
    response = client.post("/v2/apps", json={"id": "/bad", "cmd": "x", "cpus": 0, "mem": -1})
    assert response.status_code == 422
    body = response.get_json()
    assert body["message"] == "Object is not valid"
    assert {d["path"] for d in body["details"]} >= {"/cpus", "/mem"}
    assert client.get("/v2/apps").get_json() == {"apps": []}
    assert runtime.store.load_apps() == {}


def test_malformed_json_is_400_invalid_json(client: FlaskClient) -> None:
    response = client.post("/v2/apps", data="{", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["message"] == "Invalid JSON"


def test_put_merges_into_the_existing_app_and_answers_200(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/web", "cmd": "sleep 9", "instances": 0, "mem": 32})
    response = client.put("/v2/apps/web", json={"instances": 0, "cpus": 0.5})
    assert response.status_code == 200
    assert set(response.get_json()) == {"deploymentId", "version"}
    app = client.get("/v2/apps/web").get_json()["app"]
    assert app["cpus"] == 0.5 and app["mem"] == 32 and app["cmd"] == "sleep 9"


def test_put_creates_a_missing_app_with_201(client: FlaskClient) -> None:
    response = client.put("/v2/apps/fresh", json={"cmd": "sleep 9", "instances": 0})
    assert response.status_code == 201
    assert client.get("/v2/apps/fresh").status_code == 200


def test_versions_are_listed_and_each_can_be_read(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/v", "cmd": "sleep 1", "instances": 0})
    client.put("/v2/apps/v", json={"cmd": "sleep 2"})
    versions = client.get("/v2/apps/v/versions").get_json()["versions"]
    assert len(versions) == 2
    assert client.get(f"/v2/apps/v/versions/{versions[-1]}").get_json()["cmd"] == "sleep 1"
    assert client.get("/v2/apps/v/versions/1999-01-01T00:00:00.000Z").status_code == 404


def test_rollback_to_a_version_restores_its_definition(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/r", "cmd": "sleep 1", "instances": 0})
    client.put("/v2/apps/r", json={"cmd": "sleep 2"})
    first = client.get("/v2/apps/r/versions").get_json()["versions"][-1]
    assert client.put("/v2/apps/r", json={"version": first}).status_code == 200
    assert client.get("/v2/apps/r").get_json()["app"]["cmd"] == "sleep 1"


def test_list_filters_by_cmd_id_and_label_selector(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/a", "cmd": "sleep 1", "instances": 0,
                                  "labels": {"tier": "web", "env": "prod"}})
    client.post("/v2/apps", json={"id": "/b", "cmd": "echo 1", "instances": 0,
                                  "labels": {"tier": "db"}})

    def ids(query: str) -> list[str]:
        return [a["id"] for a in client.get(f"/v2/apps?{query}").get_json()["apps"]]

    assert ids("cmd=sleep") == ["/a"]
    assert ids("id=b") == ["/b"]
    assert ids("label=tier==web") == ["/a"]
    assert ids("label=tier in (web, db)") == ["/a", "/b"]
    assert ids("label=env") == ["/a"]
    assert ids("label=tier!=web") == ["/b"]
    assert ids("label=tier notin (web),env") == []
    assert client.get("/v2/apps?label=((").status_code == 400


def test_delete_unknown_app_is_404(client: FlaskClient) -> None:
    response = client.delete("/v2/apps/ghost")
    assert response.status_code == 404
    assert response.get_json() == {"message": "App '/ghost' does not exist"}


def test_scale_and_wipe_together_is_400(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/k", "cmd": "sleep 1", "instances": 0})
    response = client.delete("/v2/apps/k/tasks?scale=true&wipe=true")
    assert response.status_code == 400


def test_queue_delay_reset_of_an_app_with_nothing_queued_is_404(client: FlaskClient) -> None:
    assert client.delete("/v2/queue/nope/delay").status_code == 404


def test_batch_put_creates_and_updates_in_one_deployment(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/one", "cmd": "sleep 1", "instances": 0})
    response = client.put("/v2/apps", json=[
        {"id": "/one", "cmd": "sleep 2"},
        {"id": "/two", "cmd": "sleep 3", "instances": 0},
    ])
    assert response.status_code == 200
    assert client.get("/v2/apps/one").get_json()["app"]["cmd"] == "sleep 2"
    assert client.get("/v2/apps/two").get_json()["app"]["cmd"] == "sleep 3"


def test_batch_patch_merges_and_refuses_unknown_apps_whole(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/p", "cmd": "sleep 1", "instances": 0, "mem": 32})
    assert client.patch("/v2/apps", json=[{"id": "/p", "cpus": 0.5}]).status_code == 200
    app = client.get("/v2/apps/p").get_json()["app"]
    assert app["cpus"] == 0.5 and app["mem"] == 32
    refused = client.patch("/v2/apps", json=[{"id": "/p", "cpus": 0.2}, {"id": "/nope"}])
    assert refused.status_code == 404
    assert client.get("/v2/apps/p").get_json()["app"]["cpus"] == 0.5
    assert client.get("/v2/apps/nope").status_code == 404
