"""The Consul catalog read by the py-consul client, and by the requests and headers
Prometheus' consul_sd and Consul's Go client send."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import consul
import pytest
import requests

from discovery.consul_catalog import CatalogBook, Service
from discovery.consul_server import CatalogState, ConsulServer, parse_wait
from tests.discovery.conftest import app, task


def build(*tasks: dict) -> dict[str, Service | None]:
    """The services of /prod/web with `tasks`, as the catalog's listener passes them on."""
    web = app("/prod/web", 10000, *tasks, labels={"public": "tag", "team": "shop"})
    return CatalogBook("dc7", lambda host: host).apply({"/prod/web": web})


@pytest.fixture
def state() -> CatalogState:
    running = CatalogState("dc7", "node-1")
    running.apply(build(task("t1", 31000), task("t2", 31001, alive=False)))
    return running


@pytest.fixture
def server(state: CatalogState) -> Iterator[ConsulServer]:
    running = ConsulServer(state, "127.0.0.1", 0)
    running.start()
    yield running
    running.stop()


def client(server: ConsulServer) -> consul.Consul:
    return consul.Consul(host="127.0.0.1", port=server.port)


def test_py_consul_reads_services_instances_and_health(server: ConsulServer) -> None:
    c = client(server)
    index, services = c.catalog.services()
    assert int(index) >= 2 and services == {"web-prod": ["public", "team=shop"]}
    _, nodes = c.catalog.service("web-prod")
    assert {(n["ServiceID"], n["ServicePort"], n["ServiceAddress"]) for n in nodes} == {
        ("t1", 31000, "127.0.0.1"), ("t2", 31001, "127.0.0.1")}
    assert nodes[0]["ServiceName"] == "web-prod" and nodes[0]["Datacenter"] == "dc7"
    _, healthy = c.health.service("web-prod", passing=True)
    assert [e["Service"]["ID"] for e in healthy] == ["t1"]
    _, every = c.health.service("web-prod")
    statuses = {e["Service"]["ID"]: [ch["Status"] for ch in e["Checks"]] for e in every}
    assert statuses == {"t1": ["passing", "passing"], "t2": ["passing", "critical"]}
    assert c.agent.self()["Config"]["Datacenter"] == "dc7"
    assert c.catalog.service("unknown")[1] == []


def test_every_read_has_consul_headers(server: ConsulServer) -> None:
    base = f"http://127.0.0.1:{server.port}"
    for path in ("/v1/catalog/services?stale", "/v1/health/service/web-prod?stale&tag=public",
                 "/v1/agent/self"):
        response = requests.get(base + path, timeout=5)
        assert response.status_code == 200
        assert int(response.headers["X-Consul-Index"]) >= 1
        assert response.headers["X-Consul-KnownLeader"] == "true"
        assert int(response.headers["X-Consul-LastContact"]) == 0
    assert requests.put(base + "/v1/catalog/register", timeout=5).status_code != 200


def test_a_blocking_query_returns_when_the_catalog_changes(
    server: ConsulServer, state: CatalogState
) -> None:
    base = f"http://127.0.0.1:{server.port}"
    index = requests.get(base + "/v1/health/service/web-prod", timeout=5).headers[
        "X-Consul-Index"]
    threading.Timer(0.3, lambda: state.apply(build(task("t1", 31000), task("t3", 31002)))).start()
    started = time.monotonic()
    response = requests.get(f"{base}/v1/health/service/web-prod?index={index}&wait=120000ms"
                            "&stale", timeout=10)
    assert time.monotonic() - started < 5
    assert int(response.headers["X-Consul-Index"]) > int(index)
    assert {e["Service"]["ID"] for e in response.json()} == {"t1", "t3"}


def test_a_blocking_query_times_out_with_the_same_index(server: ConsulServer) -> None:
    c = client(server)
    index, _ = c.catalog.services()
    again, _ = c.catalog.services(index=index, wait="200ms")
    assert again == index


def test_wait_durations() -> None:
    assert parse_wait("120000ms") == 120.0
    assert parse_wait("5s") == 5.0 and parse_wait("20m") == 600.0
