"""Health checks end to end: scheduler-run HTTP checks and Mesos-run MESOS_HTTP checks."""

from __future__ import annotations

import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.support.dev import Dev, running_dev, wait_for

pytestmark = pytest.mark.e2e

PYTHON = shlex.quote(sys.executable)
INTERVAL_S = 1
MAX_FAILURES = 2
LAUNCH_ALLOWANCE_S = 10.0

# Serves 200 for argv[2] seconds after it starts, then 500.
SOURING_SERVER = """\
import http.server, sys, time
start, healthy_for = time.monotonic(), float(sys.argv[2])
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if time.monotonic() - start < healthy_for else 500)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("", int(sys.argv[1])), Handler).serve_forever()
"""


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    with running_dev(tmp_path_factory.mktemp("dev")) as running:
        yield running


def _check(protocol: str) -> dict[str, Any]:
    return {"protocol": protocol, "path": "/", "portIndex": 0, "intervalSeconds": INTERVAL_S,
            "timeoutSeconds": 2, "gracePeriodSeconds": 30, "delaySeconds": 0,
            "maxConsecutiveFailures": MAX_FAILURES}


def _create(dev: Dev, app_id: str, cmd: str, check: dict[str, Any], instances: int = 1) -> None:
    body = {"id": app_id, "cmd": cmd, "cpus": 0.01, "mem": 32, "instances": instances,
            "portDefinitions": [{"port": 0}], "healthChecks": [check]}
    requests.post(dev.url + "/v2/apps", json=body, timeout=10).raise_for_status()


def _app(dev: Dev, app_id: str) -> dict[str, Any]:
    return dict(dev.get(f"/v2/apps{app_id}")["app"])


def _healthy(dev: Dev, app_id: str, count: int, timeout_s: float = 30) -> dict[str, Any]:
    return wait_for(
        lambda: app if (app := _app(dev, app_id))["tasksHealthy"] == count else None,
        timeout_s, lambda: f"{app_id} never had {count} healthy tasks: {_app(dev, app_id)}",
    )


def _delete(dev: Dev, app_id: str) -> None:
    requests.delete(f"{dev.url}/v2/apps{app_id}", timeout=10).raise_for_status()


def test_an_http_checked_app_becomes_healthy(dev: Dev) -> None:
    _create(dev, "/web", f"{PYTHON} -m http.server $PORT0", _check("HTTP"), instances=2)
    app = _healthy(dev, "/web", 2)
    assert app["tasksUnhealthy"] == 0
    for task in app["tasks"]:
        (result,) = task["healthCheckResults"]
        assert result["alive"] is True and result["consecutiveFailures"] == 0
        assert result["firstSuccess"] is not None
    _delete(dev, "/web")


def test_an_instance_whose_endpoint_starts_failing_is_killed_and_replaced(
    dev: Dev, tmp_path: Path
) -> None:
    script = tmp_path / "souring_server.py"
    script.write_text(SOURING_SERVER)
    healthy_for_s = 4
    _create(dev, "/souring", f"{PYTHON} {shlex.quote(str(script))} $PORT0 {healthy_for_s}",
            _check("HTTP"))
    (first,) = _healthy(dev, "/souring", 1)["tasks"]
    sours_at = time.monotonic() + healthy_for_s  # at the latest: it started before it passed

    def replaced() -> dict[str, Any] | None:
        tasks = _app(dev, "/souring")["tasks"]
        running = [t for t in tasks if t["state"] == "TASK_RUNNING"]
        return running[0] if running and running[0]["id"] != first["id"] else None

    budget = INTERVAL_S * MAX_FAILURES + LAUNCH_ALLOWANCE_S
    replacement = wait_for(replaced, healthy_for_s + budget + 5)
    assert time.monotonic() - sours_at < budget
    assert replacement["id"] != first["id"]
    _delete(dev, "/souring")


def test_a_mesos_http_check_run_by_mesos_makes_the_app_healthy(dev: Dev) -> None:
    _create(dev, "/mesos-web", f"{PYTHON} -m http.server $PORT0", _check("MESOS_HTTP"))
    (task,) = _healthy(dev, "/mesos-web", 1)["tasks"]
    assert task["healthCheckResults"][0]["alive"] is True
    _delete(dev, "/mesos-web")
