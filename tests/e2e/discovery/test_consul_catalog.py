"""`dromos dev`'s Consul catalog, read by py-consul: a blocking query on an app's health
returns once a scale-up through /v2 has its new instance running."""

from __future__ import annotations

import time
from pathlib import Path

import consul
import pytest
import requests

from tests.support.dev import running_dev, wait_for
from tests.support.localmesos import free_port

pytestmark = [pytest.mark.e2e]

JSON = {"Content-Type": "application/json"}


def test_a_blocking_query_sees_a_scale_up(tmp_path: Path) -> None:
    port = free_port()
    with running_dev(tmp_path / "dev", "--consul-port", str(port)) as dev:
        c = consul.Consul(host="127.0.0.1", port=port)
        requests.post(f"{dev.url}/v2/apps", headers=JSON, timeout=10, json={
            "id": "/shop/cart", "cmd": "sleep 600", "instances": 1, "cpus": 0.05, "mem": 16,
            "portDefinitions": [{"port": 0}], "labels": {"team": "shop"},
        }).raise_for_status()
        index, entries = wait_for(lambda: (r := c.health.service("cart-shop", passing=True))[1]
                                  and r, 60, "the first instance never passed")
        assert c.catalog.services()[1]["cart-shop"] == ["team=shop"]
        assert entries[0]["Service"]["Port"] in dev.get("/v2/apps/shop/cart")["app"]["tasks"][
            0]["ports"]
        requests.put(f"{dev.url}/v2/apps/shop/cart", headers=JSON, timeout=10,
                     json={"instances": 2}).raise_for_status()
        deadline = time.monotonic() + 60
        while len(entries) < 2 and time.monotonic() < deadline:
            index, entries = c.health.service("cart-shop", passing=True, index=index,
                                              wait="30s")
        assert len(entries) == 2
