"""`dromos dev`'s DNS answers for an app's tasks, read with dig, and NXDOMAIN once the
app is deleted."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import requests

from tests.support.dev import Dev, running_dev, wait_for
from tests.support.localmesos import free_port

pytestmark = [pytest.mark.e2e]

JSON = {"Content-Type": "application/json"}


def dig(port: int, *args: str) -> str:
    return subprocess.run(["dig", "@127.0.0.1", "-p", str(port), *args], capture_output=True,
                          text=True, check=True, timeout=20).stdout


def task_ports(dev: Dev) -> set[int]:
    return {t["ports"][0] for t in dev.get("/v2/apps/shop/cart")["app"]["tasks"]
            if t["state"] == "TASK_RUNNING"}


def test_dig_finds_an_apps_tasks_and_nxdomain_after_delete(tmp_path: Path) -> None:
    dns = free_port()
    with running_dev(tmp_path / "dev",
                     "--dns-port", str(dns)) as dev:
        requests.post(f"{dev.url}/v2/apps", headers=JSON, timeout=10, json={
            "id": "/shop/cart", "cmd": "sleep 600", "instances": 2, "cpus": 0.05, "mem": 16,
            "portDefinitions": [{"port": 0, "name": "http"}],
        }).raise_for_status()
        ports = wait_for(lambda: len(p := task_ports(dev)) == 2 and p, 60, "two tasks")
        srv = wait_for(lambda: dig(dns, "+short", "_cart-shop._tcp.dromos.mesos", "SRV"), 10)
        assert {int(line.split()[2]) for line in srv.splitlines()} == ports
        assert dig(dns, "+short", "+tcp", "cart-shop.dromos.mesos", "A").strip()
        assert dig(dns, "+short", "cart-shop.service.mesos", "A").strip()
        requests.delete(f"{dev.url}/v2/apps/shop/cart", timeout=10).raise_for_status()
        wait_for(lambda: "status: NXDOMAIN" in dig(dns, "cart-shop.dromos.mesos", "A"), 30,
                 "the name stayed after the app was deleted")
