"""`dromos lb` with the real HAProxy: routing to an app's instances, and a rolling
restart through /v2 that a client sending 50 requests/s through HAProxy never notices."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.dev import Dev, running_dev, wait_for
from tests.support.localmesos import free_port

pytestmark = pytest.mark.e2e

JSON = {"Content-Type": "application/json"}
SERVER = '''
import http.server, os
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = os.environ["MESOS_TASK_ID"].encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT0"])), Handler).serve_forever()
'''


@contextlib.contextmanager
def running_lb(dev: Dev, work: Path, http_port: int) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "scheduler.process.cli", "lb", "--marathon", dev.url,
               "--haproxy-config", str(work / "haproxy.cfg"), "--bind-address", "127.0.0.1",
               "--http-port", str(http_port), "--stats-port", str(free_port())]
    with open(work / "lb.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(20)


def web_app(script: Path, bind_port: int) -> dict:
    return {
        "id": "/shop/web", "cmd": f"exec {sys.executable} {script}", "instances": 3,
        "cpus": 0.05, "mem": 32, "portDefinitions": [{"port": 0, "name": "http"}],
        "labels": {"HAPROXY_0_PORT": str(bind_port), "HAPROXY_0_VHOST": "shop.example.com"},
        "healthChecks": [{"protocol": "HTTP", "path": "/health", "portIndex": 0,
                          "intervalSeconds": 1, "gracePeriodSeconds": 10,
                          "maxConsecutiveFailures": 3}],
        "taskKillGracePeriodSeconds": 5,
    }


def served_by(url: str, headers: dict[str, str] | None = None) -> str | None:
    with contextlib.suppress(requests.RequestException):
        response = requests.get(url, timeout=2, headers=headers)
        if response.status_code == 200:
            return response.text
    return None


class Client(threading.Thread):
    """GETs `url` at `rate` per second, counting answers by who served them and failures."""

    def __init__(self, url: str, rate: float) -> None:
        super().__init__(daemon=True)
        self.url, self.interval = url, 1.0 / rate
        self.served: Counter[str] = Counter()
        self.failures: list[str] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        next_at = time.monotonic()
        while not self.stopping.is_set():
            try:
                response = requests.get(self.url, timeout=5)
                if response.status_code == 200:
                    self.served[response.text] += 1
                else:
                    self.failures.append(f"HTTP {response.status_code}")
            except requests.RequestException as error:
                self.failures.append(repr(error))
            next_at += self.interval
            time.sleep(max(0.0, next_at - time.monotonic()))


def task_ids(dev: Dev) -> set[str]:
    return {t["id"] for t in dev.get("/v2/apps/shop/web")["app"]["tasks"]}


def test_rolling_restart_through_haproxy_drops_no_request(tmp_path: Path) -> None:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    bind_port, http_port = free_port(), free_port()
    with running_dev(tmp_path / "dev", "--",
                     "--kill-drain-seconds", "2") as dev, \
            running_lb(dev, tmp_path, http_port):
        requests.post(f"{dev.url}/v2/apps", json=web_app(script, bind_port), headers=JSON,
                      timeout=10).raise_for_status()
        app = wait_for(lambda: (a := dev.get("/v2/apps/shop/web")["app"])["tasksHealthy"] == 3
                       and a, 120, "three healthy instances")
        assert app["portDefinitions"][0]["port"] >= 10000
        url = f"http://127.0.0.1:{bind_port}/"
        first = task_ids(dev)
        seen: set[str] = set()
        wait_for(lambda: seen.add(served_by(url) or "") or first <= seen, 20,
                 lambda: f"HAProxy did not route to all of {first}: {seen}")
        vhost = served_by(f"http://127.0.0.1:{http_port}/", {"Host": "shop.example.com"})
        assert vhost in first

        client = Client(url, rate=50)
        client.start()
        time.sleep(2)
        requests.post(f"{dev.url}/v2/apps/shop/web/restart", json={}, headers=JSON,
                      timeout=10).raise_for_status()
        wait_for(lambda: not dev.get("/v2/deployments") and not task_ids(dev) & first
                 and dev.get("/v2/apps/shop/web")["app"]["tasksHealthy"] == 3, 90,
                 "the restart did not finish")
        second = task_ids(dev)
        wait_for(lambda: set(client.served) & second == second, 20, "new tasks never served")
        time.sleep(1)
        client.stopping.set()
        client.join(10)
    assert client.failures == []
    assert sum(client.served.values()) > 200
    assert set(client.served) <= first | second
