from __future__ import annotations

import collections
import collections.abc

from flask.testing import FlaskClient

for _name in ("Iterable", "Mapping", "MutableMapping", "Sequence"):
    if not hasattr(collections, _name):
        setattr(collections, _name, getattr(collections.abc, _name))

from marathon.models.info import MarathonInfo  # noqa: E402

from api.system import ABDICATE_EXTENSION  # noqa: E402
from scheduler.health.engine import ProbeReport  # noqa: E402
from scheduler.health.probes import Outcome, Verdict  # noqa: E402
from scheduler.process.runtime import Runtime  # noqa: E402


def test_ping_answers_pong_in_text_or_json(client: FlaskClient) -> None:
    text = client.get("/ping")
    assert text.status_code == 200 and text.data == b"pong" and text.mimetype == "text/plain"
    as_json = client.get("/ping", headers={"Accept": "application/json"})
    assert as_json.get_json() == "pong"


def test_info_is_readable_by_the_marathon_client(client: FlaskClient) -> None:
    body = client.get("/v2/info").get_json()
    info = MarathonInfo.from_json(body)
    assert info.name == "marathon"
    assert body["leader"] == "dromos.test:8080"
    assert client.get("/v2/leader").get_json() == {"leader": "dromos.test:8080"}
    assert client.get("/leader").get_json() == {"leader": "dromos.test:8080"}


def test_metrics_are_prometheus_text(client: FlaskClient) -> None:
    client.post("/v2/apps", json={"id": "/m", "cmd": "sleep 1", "instances": 0})
    text = client.get("/metrics").get_data(as_text=True)
    assert "dromos_apps 1.0" in text
    assert "dromos_mesos_connected 0.0" in text
    assert "# TYPE dromos_tasks_launched_total counter" in text


def test_unknown_routes_answer_in_the_api_s_own_error_shape(client: FlaskClient) -> None:
    marathon = client.get("/v2/nothing")
    assert marathon.status_code == 404 and marathon.get_json() == {"message": "URI not found"}
    chronos = client.get("/v1/scheduler/nothing")
    assert chronos.status_code == 404 and chronos.get_json()["status"] == "Not Found"


def test_deleting_the_leader_answers_then_leaves(client: FlaskClient) -> None:
    left: list[str] = []
    client.application.extensions[ABDICATE_EXTENSION] = lambda: left.append("gone")
    response = client.delete("/v2/leader")
    assert response.status_code == 200
    assert response.get_json() == {"message": "Leadership abdicated"}
    response.close()
    assert left == ["gone"]


def test_metrics_count_deployments_health_probes_and_job_runs(
    client: FlaskClient, runtime: Runtime
) -> None:
    client.post("/v2/apps", json={"id": "/waits", "cmd": "sleep 9", "instances": 1})
    failed = ProbeReport(("waits.instance-x._app.1", 0), Outcome(Verdict.UNHEALTHY, "refused"),
                         0.0, 0.0, 0.0)
    passed = ProbeReport(("waits.instance-x._app.1", 0), Outcome(Verdict.HEALTHY), 0.0, 0.0, 0.0)
    runtime.apps.health.apply([failed, passed])
    text = client.get("/metrics").get_data(as_text=True)
    assert "dromos_deployments_running 1.0" in text
    assert "dromos_health_probes_total 2.0" in text
    assert "dromos_health_probe_failures_total 1.0" in text
    assert "dromos_health_kills_total 0.0" in text
    assert 'dromos_job_runs_total{outcome="success"} 0.0' in text


def test_info_writes_marathon_s_task_expunge_and_zk_connection_settings(
    client: FlaskClient
) -> None:
    body = client.get("/v2/info").get_json()
    assert body["marathon_config"]["task_lost_expunge_initial_delay"] == 300000
    assert body["marathon_config"]["task_lost_expunge_interval"] == 30000
    assert body["zookeeper_config"]["zk_connection_timeout"] == 10000


def test_plugins_lists_none(client: FlaskClient) -> None:
    response = client.get("/v2/plugins")
    assert response.status_code == 200 and response.get_json() == {"plugins": []}


def test_pods_answer_404_saying_pods_are_not_supported(client: FlaskClient) -> None:
    for response in (client.get("/v2/pods"), client.get("/v2/pods/web::status"),
                     client.post("/v2/pods", json={"id": "/web", "containers": []}),
                     client.delete("/v2/pods/web")):
        assert response.status_code == 404
        assert response.get_json() == {
            "message": "Pods are not supported by this server; run each container as an app."}
    assert client.head("/v2/pods").status_code == 404  # Marathon's pod-support probe

