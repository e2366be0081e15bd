from __future__ import annotations

from flask.testing import FlaskClient

from scheduler.process.runtime import Runtime
from tests.support.fake_driver import FakeDriver


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


def test_json_type_error_is_422_invalid_json_with_play_json_details(
    client: FlaskClient
) -> None:
    response = client.post("/v2/apps", json={"id": "/typed", "cmd": "x", "mem": "lots"})
    assert response.status_code == 422
    assert response.get_json() == {
        "message": "Invalid JSON",
        "details": [{"path": "/mem", "errors": ["error.expected.jsnumber"]}],
    }
    assert client.get("/v2/apps").get_json() == {"apps": []}


def test_a_patch_that_is_not_an_object_is_422_expected_object(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/p", "cmd": "sleep 9", "instances": 0})
    response = client.patch("/v2/apps/p", json=[1])
    assert response.status_code == 422
    assert response.get_json()["details"] == [
        {"path": "/", "errors": ["error.expected.jsobject"]}]


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


def test_legacy_ports_on_a_bridge_docker_app_are_dropped_and_the_app_accepted(
    client: FlaskClient
) -> None:
    response = client.post("/v2/apps", json={
        "id": "/bridged", "cmd": "sleep 9", "instances": 0, "ports": [0],
        "container": {"type": "DOCKER", "docker": {"image": "nginx", "network": "BRIDGE",
                      "portMappings": [{"containerPort": 80}]}},
    })
    assert response.status_code == 201
    app = client.get("/v2/apps/bridged").get_json()["app"]
    assert app["portDefinitions"] == []
    assert [m["containerPort"] for m in app["container"]["portMappings"]] == [80]


def test_legacy_ports_beyond_the_port_mappings_add_empty_mappings_on_bridge(
    client: FlaskClient
) -> None:
    response = client.post("/v2/apps", json={
        "id": "/padded", "cmd": "sleep 9", "instances": 0, "ports": [0, 0, 0],
        "container": {"type": "DOCKER", "docker": {"image": "nginx", "network": "BRIDGE",
                      "portMappings": [{"containerPort": 80}]}},
    })
    assert response.status_code == 201
    mappings = client.get("/v2/apps/padded").get_json()["app"]["container"]["portMappings"]
    assert [(m["containerPort"], m["hostPort"]) for m in mappings] == [(80, 0), (0, 0), (0, 0)]
    host = client.post("/v2/apps", json={"id": "/host", "cmd": "sleep 9", "instances": 0,
                                         "ports": [0, 0]})
    # Service ports of 0 are assigned (after /padded's three): see test_service_ports_api.
    assert [d["port"] for d in host.get_json()["portDefinitions"]] == [10003, 10004]


def test_the_version_a_put_answers_is_the_stored_app_version(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/same", "cmd": "sleep 1", "instances": 0})
    answered = client.put("/v2/apps/same", json={"cmd": "sleep 2"}).get_json()["version"]
    assert client.get("/v2/apps/same").get_json()["app"]["version"] == answered
    response = client.get(f"/v2/apps/same/versions/{answered}")
    assert response.status_code == 200 and response.get_json()["cmd"] == "sleep 2"


def _small_offer() -> dict[str, object]:
    return {"id": {"value": "offer-1"}, "framework_id": {"value": "framework-1"},
            "agent_id": {"value": "agent-a"}, "hostname": "a",
            "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}},
                          {"name": "mem", "type": "SCALAR", "scalar": {"value": 1024}}]}


def test_queue_item_has_role_launch_attempt_summary_and_last_unused_offer_time(
    client: FlaskClient, runtime: Runtime
) -> None:
    runtime.framework.attach_driver(FakeDriver())
    runtime.framework.on_registered("framework-1", "fake-master")
    client.post("/v2/apps", json={"id": "/big", "cmd": "sleep 9", "cpus": 8, "instances": 1})
    runtime.core.run_pending()
    for _ in range(2):
        runtime.framework.on_offers([_small_offer()])
        runtime.core.run_pending()
    item = client.get("/v2/queue").get_json()["queue"][0]
    assert item["role"] == "*"
    summary = item["processedOffersSummary"]
    assert summary["lastUnusedOfferAt"].endswith("Z")
    assert summary["processedOffersCount"] == 2 and summary["unusedOffersCount"] == 2
    last = {r["reason"]: r["declined"] for r in summary["rejectSummaryLastOffers"]}
    attempt = {r["reason"]: r["declined"] for r in summary["rejectSummaryLaunchAttempt"]}
    assert last["InsufficientCpus"] == 1 and attempt["InsufficientCpus"] == 2
