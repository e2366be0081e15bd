"""Two schedulers serving HTTPS: a standby reaches the leader over HTTPS, trusting the
certificate authorities it was given (--tls-ca), so requests to it work as on the leader."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from tests.support.dev import wait_for
from tests.support.ha import Cluster, running_cluster
from tests.support.marathon_client import MarathonApp, MarathonClient

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with running_cluster(tmp_path_factory.mktemp("ha-tls"), schedulers=2, tls=True) as c:
        yield c


def test_a_write_and_a_read_through_a_standby_reach_the_leader_over_https(
    cluster: Cluster
) -> None:
    standby, leader = cluster.standby(), cluster.wait_leader()
    assert cluster.cert is not None
    created = requests.post(cluster.url(standby) + "/v2/apps", verify=str(cluster.cert),
                            json={"id": "/secure", "cmd": "sleep 600", "cpus": 0.01, "mem": 16,
                                  "instances": 1}, timeout=10)
    assert created.status_code == 201, created.text
    assert created.headers["X-Marathon-Leader"] == "https://" + cluster.instance(leader)
    apps = cluster.get(standby, "/v2/apps", 10)
    assert [app["id"] for app in apps.json()["apps"]] == ["/secure"]


def test_the_marathon_client_works_against_a_standby_over_https(cluster: Cluster) -> None:
    assert cluster.cert is not None
    client = MarathonClient(cluster.url(cluster.standby()), verify=str(cluster.cert))
    assert client.get_info().elected is False
    client.create_app("secure-client", MarathonApp(cmd="sleep 600", cpus=0.01, mem=16,
                                                   instances=1))
    wait_for(lambda: [t for t in client.list_tasks("secure-client")
                      if t.state == "TASK_RUNNING"], 30)
    client.delete_app("secure-client", force=True)
    wait_for(lambda: not [a for a in client.list_apps() if a.id == "/secure-client"], 30)
