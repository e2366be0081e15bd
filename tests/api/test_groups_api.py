"""/v2/groups versions: listing, reading one, and rolling a subtree back to it."""

from __future__ import annotations

from flask.testing import FlaskClient

from scheduler.process.runtime import Runtime

PROD_V1 = {"id": "/prod", "apps": [{"id": "web", "cmd": "sleep 1", "instances": 0}]}
PROD_V2 = {"apps": [{"id": "web", "cmd": "sleep 2", "instances": 0},
                    {"id": "db", "cmd": "sleep 3", "instances": 0}]}


def _versions(client: FlaskClient, group: str) -> list[str]:
    response = client.get(f"/v2/groups{group}/versions")
    assert response.status_code == 200
    versions: list[str] = response.get_json()
    return versions


def test_each_group_write_adds_a_version_newest_first(client: FlaskClient) -> None:
    created = client.post("/v2/groups", json=PROD_V1).get_json()
    updated = client.put("/v2/groups/prod", json=PROD_V2).get_json()
    assert _versions(client, "/prod") == [updated["version"], created["version"]]
    assert _versions(client, "/nothing") == []


def test_a_group_version_shows_the_group_and_its_apps_as_they_were(client: FlaskClient) -> None:
    first = client.post("/v2/groups", json=PROD_V1).get_json()["version"]
    client.put("/v2/groups/prod", json=PROD_V2)
    body = client.get(f"/v2/groups/prod/versions/{first}").get_json()
    assert body["id"] == "/prod" and body["version"] == first
    assert [(a["id"], a["cmd"]) for a in body["apps"]] == [("/prod/web", "sleep 1")]
    missing = client.get("/v2/groups/prod/versions/2001-01-01T00:00:00.000Z")
    assert missing.status_code == 404
    assert missing.get_json()["message"] == (
        "Group '/prod' does not exist in version 2001-01-01T00:00:00.000Z")


def test_put_with_a_version_rolls_the_subtree_back(client: FlaskClient, runtime: Runtime) -> None:
    subscription = runtime.framework.events.subscribe()
    first = client.post("/v2/groups", json=PROD_V1).get_json()["version"]
    client.put("/v2/groups/prod", json=PROD_V2)
    response = client.put("/v2/groups/prod", json={"version": first})
    assert response.status_code == 200
    rolled = response.get_json()["version"]
    apps = client.get("/v2/apps").get_json()["apps"]
    assert [(a["id"], a["cmd"]) for a in apps] == [("/prod/web", "sleep 1")]
    assert _versions(client, "/prod")[0] == rolled
    changes = []
    while (event := subscription.get(timeout=0)) is not None:
        if event["eventType"] == "group_change_success":
            changes.append((event["groupId"], event["version"]))
    assert changes[0] == ("/prod", first) and changes[-1] == ("/prod", rolled)
    assert len(changes) == 3


def test_rolling_back_to_an_unknown_version_is_404_and_changes_nothing(
    client: FlaskClient,
) -> None:
    client.post("/v2/groups", json=PROD_V1)
    response = client.put("/v2/groups/prod", json={"version": "2001-01-01T00:00:00.000Z"})
    assert response.status_code == 404
    assert [a["cmd"] for a in client.get("/v2/apps").get_json()["apps"]] == ["sleep 1"]


def test_the_root_group_has_versions_too(client: FlaskClient) -> None:
    version = client.put("/v2/groups", json={"apps": [
        {"id": "/solo", "cmd": "sleep 1", "instances": 0}]}).get_json()["version"]
    assert _versions(client, "") == [version]
    root = client.get(f"/v2/groups/versions/{version}").get_json()
    assert [a["id"] for a in root["apps"]] == ["/solo"]


def test_deleting_a_group_forgets_its_versions(client: FlaskClient) -> None:
    client.post("/v2/groups", json=PROD_V1)
    assert client.delete("/v2/groups/prod").status_code == 200
    assert _versions(client, "/prod") == []


def test_post_with_a_version_and_other_fields_is_422_and_creates_nothing(
    client: FlaskClient
) -> None:
    body = {"id": "/mixed", "version": "2023-11-14T22:13:20.000Z",
            "apps": [{"id": "web", "cmd": "sleep 1", "instances": 0}]}
    response = client.post("/v2/groups", json=body)
    assert response.status_code == 422
    assert response.get_json()["details"] == [
        {"path": "/version", "errors": ["not allowed in conjunction with other properties."]}]
    assert client.get("/v2/groups/mixed").status_code == 404
    assert client.get("/v2/apps").get_json() == {"apps": []}


def test_put_with_scale_by_and_apps_is_422(client: FlaskClient) -> None:
    client.post("/v2/groups", json=PROD_V1)
    response = client.put("/v2/groups/prod", json={"scaleBy": 2, **PROD_V2})
    assert response.status_code == 422
    assert response.get_json()["details"][0]["path"] == "/scaleBy"


def test_post_of_the_root_group_is_409_already_created(client: FlaskClient) -> None:
    response = client.post("/v2/groups", json={"id": "/", "apps": [
        {"id": "/top", "cmd": "sleep 1", "instances": 0}]})
    assert response.status_code == 409
    assert response.get_json() == {
        "message": "Group / is already created. Use PUT to change this group."}
    assert client.get("/v2/apps").get_json() == {"apps": []}


def test_root_and_implicit_groups_carry_a_version(client: FlaskClient) -> None:
    assert client.get("/v2/groups").get_json()["version"].endswith("Z")
    app = client.post("/v2/apps", json={"id": "/implicit/web", "cmd": "sleep 1",
                                        "instances": 0}).get_json()
    root = client.get("/v2/groups").get_json()
    implicit = root["groups"][0]
    assert implicit["id"] == "/implicit" and implicit["version"] == app["version"]
    assert root["version"] >= app["version"]
