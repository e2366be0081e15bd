"""A task that passes its readiness check joins HAProxy (`dromos lb`) and the DNS at once,
carried by the `deployment_info` event alone: nothing else happens meanwhile (no health
checks, and the app's other task is still not ready, so the deployment goes on)."""

from __future__ import annotations

import contextlib
import json
import sys
import threading
from pathlib import Path

import pytest
import requests
from dnslib import DNSRecord

from tests.e2e.discovery.test_lb import running_lb
from tests.support.dev import Dev, running_dev, wait_for
from tests.support.haproxy import servers_in_service
from tests.support.localmesos import reserved_ports

pytestmark = [pytest.mark.e2e]

JSON = {"Content-Type": "application/json"}
# Ready (200 on /ready) once a file named after the task exists.
SERVER = '''
import http.server, os, pathlib
flag = pathlib.Path(os.environ["FLAGS"]) / os.environ["MESOS_TASK_ID"]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if flag.exists() else 503)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT0"])), Handler).serve_forever()
'''


def srv_ports(dns_port: int) -> set[int]:
    packet = DNSRecord.question("_web-ready._tcp.dromos.mesos", "SRV").send(
        "127.0.0.1", dns_port, timeout=2)
    return {rr.rdata.port for rr in DNSRecord.parse(packet).rr}


def haproxy_ports(master_socket: Path) -> set[int]:
    return servers_in_service(master_socket, "ready_web_")


def record_events(dev: Dev, seen: list[str], stop: threading.Event) -> None:
    with contextlib.suppress(requests.RequestException), requests.get(
        f"{dev.url}/v2/events", stream=True, timeout=(5, 60)
    ) as response:
        for line in response.iter_lines(decode_unicode=True):
            if stop.is_set():
                return
            if line and line.startswith("data:"):
                seen.append(json.loads(line[5:])["eventType"])


def test_a_task_joins_when_its_readiness_check_passes(tmp_path: Path) -> None:
    flags = tmp_path / "flags"
    flags.mkdir()
    (tmp_path / "server.py").write_text(SERVER)
    with reserved_ports(3) as (dns_port, bind_port, http_port), running_dev(
        tmp_path / "dev", "--dns-port", str(dns_port)
    ) as dev, running_lb(dev, tmp_path, http_port):
        requests.post(f"{dev.url}/v2/apps", headers=JSON, timeout=10, json={
            "id": "/ready/web", "cmd": f"exec {sys.executable} {tmp_path / 'server.py'}",
            "instances": 2, "cpus": 0.05, "mem": 32, "env": {"FLAGS": str(flags)},
            "portDefinitions": [{"port": 0, "name": "http"}],
            "labels": {"HAPROXY_0_PORT": str(bind_port)},
            "readinessChecks": [{"portName": "http", "path": "/ready", "intervalSeconds": 2,
                                 "timeoutSeconds": 1}],
        }).raise_for_status()

        def answered() -> dict[str, int] | None:
            app = dev.get("/v2/apps/ready/web?embed=app.readiness")["app"]
            results = app.get("readinessCheckResults", [])
            tasks = {t["id"]: t["ports"][0] for t in app["tasks"]
                     if t["state"] == "TASK_RUNNING"}
            return tasks if len(tasks) == 2 and len(results) == 2 else None

        ports = wait_for(answered, 120, "two running tasks, both checked")
        master_socket = tmp_path / "haproxy.master.sock"
        wait_for(lambda: master_socket.exists(), 30, "HAProxy never started")
        assert srv_ports(dns_port) == set() and haproxy_ports(master_socket) == set()

        seen: list[str] = []
        stop = threading.Event()
        threading.Thread(target=record_events, args=(dev, seen, stop), daemon=True).start()
        wait_for(lambda: "event_stream_attached" in seen, 10, "no event stream")
        first = min(ports)
        (flags / first).touch()
        joined = {ports[first]}
        wait_for(lambda: haproxy_ports(master_socket) == joined, 15,
                 lambda: f"HAProxy has {haproxy_ports(master_socket)}, events {seen}")
        wait_for(lambda: srv_ports(dns_port) == joined, 5,
                 lambda: f"DNS has {srv_ports(dns_port)}, events {seen}")
        stop.set()
        assert set(seen) - {"event_stream_attached"} == {"deployment_info"}
        assert dev.get("/v2/deployments"), "the other task is not ready: still deploying"
