"""What Dromos cannot run yet is refused with Marathon's 422 and nothing is stored: Marathon's
documented persistent-volume app, external volumes, secret volumes and secrets. An app an
earlier Dromos stored with such a volume still loads at a restart, and can be deleted."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from scheduler.base.clock import ManualClock
from scheduler.process.runtime import Runtime

# Marathon's documentation's stateful app ("Persistent Volumes": postgres on a local volume).
POSTGRES = {
    "id": "/postgres",
    "cpus": 1,
    "instances": 1,
    "mem": 512,
    "container": {
        "type": "DOCKER",
        "volumes": [{"containerPath": "pgdata", "mode": "RW", "persistent": {"size": 100}}],
        "docker": {"image": "postgres:latest", "network": "BRIDGE",
                   "portMappings": [{"containerPort": 5432, "hostPort": 0, "name": "postgres"}]},
    },
    "env": {"POSTGRES_PASSWORD": "password", "PGDATA": "/mnt/mesos/sandbox/pgdata"},
    "residency": {"taskLostBehavior": "WAIT_FOREVER"},
    "upgradeStrategy": {"maximumOverCapacity": 0, "minimumHealthCapacity": 0},
}
EXTERNAL = {
    "id": "/mysql",
    "cmd": "mysqld",
    "container": {"type": "MESOS", "volumes": [{
        "containerPath": "data", "mode": "RW",
        "external": {"name": "mysqldata", "provider": "dvdi", "options": {"dvdi/driver": "rexray"}},
    }]},
}
SECRET_VOLUME = {
    "id": "/web",
    "cmd": "serve",
    "container": {"type": "MESOS", "volumes": [{"containerPath": "pw", "secret": "db"}]},
}
SECRET_ENV = {
    "id": "/web",
    "cmd": "serve",
    "env": {"DB_PASSWORD": {"secret": "db"}},
    "secrets": {"db": {"source": "/db/password"}},
}


def refused(client: FlaskClient, runtime: Runtime, method: str, url: str,
            body: Any) -> dict[str, Any]:
    response = client.open(url, method=method, json=body)
    assert response.status_code == 422
    answer: dict[str, Any] = response.get_json()
    assert answer["message"] == "Object is not valid"
    assert client.get("/v2/apps").get_json() == {"apps": []}
    assert runtime.store.load_apps() == {}
    return answer


@pytest.mark.parametrize(
    ("app", "path", "reason"),
    [
        (POSTGRES, "/container/volumes(0)/persistent", "persistent volumes are not supported"),
        (EXTERNAL, "/container/volumes(0)/external", "external volumes are not supported"),
        (SECRET_VOLUME, "/container/volumes(0)/secret", "secret volumes are not supported"),
        (SECRET_ENV, "/env/DB_PASSWORD", "secrets are not supported"),
        ({"id": "/web", "cmd": "serve", "container": {"type": "MESOS", "volumes": [
            {"hostPath": "/srv", "mode": "RO"}]}}, "/container/volumes(0)/containerPath",
         "must not be empty"),
        ({"id": "/web", "cmd": "serve", "container": {"type": "MESOS", "volumes": [
            {"containerPath": "/d", "hostPath": "/srv", "mode": "rw"}]}},
         "/container/volumes(0)/mode", "must be RO or RW"),
    ],
)
def test_unsupported_app_is_422_with_the_reason_and_not_stored(
    client: FlaskClient, runtime: Runtime, app: dict[str, Any], path: str, reason: str
) -> None:
    details = refused(client, runtime, "POST", "/v2/apps", app)["details"]
    errors = {d["path"]: d["errors"] for d in details}
    assert any(reason in error for error in errors[path])


def test_a_group_or_put_with_a_persistent_volume_app_is_refused_whole(
    client: FlaskClient, runtime: Runtime
) -> None:
    group = {"id": "/db", "apps": [{"id": "web", "cmd": "serve"}, {**POSTGRES, "id": "pg"}]}
    refused(client, runtime, "POST", "/v2/groups", group)
    refused(client, runtime, "PUT", "/v2/apps/postgres", POSTGRES)


def test_an_app_stored_with_a_persistent_volume_loads_at_a_restart_and_can_be_deleted(
    runtime: Runtime,
) -> None:
    runtime.store.save_app("/postgres", "2026-01-01T00:00:00.000Z",
                           {**POSTGRES, "version": "2026-01-01T00:00:00.000Z"}, 10)
    restarted = Runtime(runtime.config, ManualClock())
    try:
        restarted.restore()
        client = create_app(restarted).test_client()
        assert client.get("/v2/apps/postgres").status_code == 200
        assert client.put("/v2/apps/postgres", json={"instances": 2}).status_code == 422
        assert client.delete("/v2/apps/postgres").status_code == 200
        assert client.get("/v2/apps").get_json() == {"apps": []}
    finally:
        restarted.close()
