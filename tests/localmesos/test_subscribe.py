"""SUBSCRIBE over raw HTTP: the stream's framing, first events, offers, stream ids."""

from __future__ import annotations

import http.client
import json
from collections.abc import Callable

import pytest
import requests

from tests.localmesos.clients.v1client import V1Scheduler
from tests.support.localmesos import LocalMesos

Connect = Callable[..., V1Scheduler]


@pytest.fixture
def localmesos(module_localmesos: LocalMesos) -> LocalMesos:
    return module_localmesos


def test_version_is_a_numeric_dotted_string(localmesos: LocalMesos) -> None:
    version = localmesos.get("/version")["version"]
    assert all(part.isdigit() for part in version.split("."))


def test_subscribed_comes_first_then_a_heartbeat(connect: Connect) -> None:
    client = connect()
    first = client.events[0]
    assert first["subscribed"]["heartbeat_interval_seconds"] == 1.0
    assert client.next_event()["type"] == "HEARTBEAT"
    assert client.stream_id


def test_stream_is_chunked_with_one_record_per_chunk(localmesos: LocalMesos) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", localmesos.port, timeout=10)
    body = {"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": "u", "name": "n"}}}
    headers = {"Content-Type": "application/json"}
    connection.request("POST", "/api/v1/scheduler", json.dumps(body), headers)
    sock = connection.sock
    response = connection.getresponse()
    assert response.getheader("Content-Type") == "application/json"
    response.chunked = False  # read the raw chunked framing ourselves
    size_line = response.fp.readline()
    record = response.fp.read(int(size_line, 16))
    length, _, payload = record.partition(b"\n")
    assert int(length) == len(payload)
    assert json.loads(payload)["type"] == "SUBSCRIBED"
    sock.close()


def test_offer_carries_the_machine_resources_and_port_range(scheduler: V1Scheduler) -> None:
    offer = scheduler.offer()
    resources = {r["name"]: r for r in offer["resources"]}
    assert resources["cpus"]["scalar"]["value"] >= 1
    assert resources["mem"]["scalar"]["value"] > 0
    assert resources["disk"]["scalar"]["value"] > 0
    assert resources["ports"]["ranges"]["range"] == [{"begin": 31000, "end": 32000}]
    assert all(r["role"] == "*" for r in offer["resources"])
    assert offer["framework_id"]["value"] == scheduler.framework_id


def test_multi_role_framework_gets_allocation_info(connect: Connect) -> None:
    client = connect(roles=["web"], capabilities=[{"type": "MULTI_ROLE"}])
    offer = client.offer()
    assert offer["allocation_info"] == {"role": "web"}
    assert all(r["allocation_info"] == {"role": "web"} for r in offer["resources"])


def test_calls_need_the_current_stream_id(scheduler: V1Scheduler) -> None:
    scheduler.stream_id = "not-the-stream"
    assert scheduler.call("REVIVE").status_code == 400


def test_subscribe_with_a_stream_id_is_refused(localmesos: LocalMesos) -> None:
    body = {"type": "SUBSCRIBE", "subscribe": {"framework_info": {"user": "u", "name": "n"}}}
    response = requests.post(
        localmesos.url + "/api/v1/scheduler", json=body, headers={"Mesos-Stream-Id": "x"}
    )
    assert response.status_code == 400


def test_second_subscription_fails_the_first_over(connect: Connect) -> None:
    first = connect(failover_timeout=60)
    second = connect(id={"value": first.framework_id}, failover_timeout=60)
    assert second.framework_id == first.framework_id
    error = first.wait_for("ERROR")
    assert error["error"]["message"] == "Framework failed over"
    assert first.ended()
    assert second.call("REVIVE").status_code == 202
    assert first.call("REVIVE").status_code == 400  # the old stream id is dead


def test_calls_are_202_with_an_empty_body(scheduler: V1Scheduler) -> None:
    response = scheduler.call("REVIVE")
    assert response.status_code == 202
    assert response.headers["Content-Length"] == "0"
