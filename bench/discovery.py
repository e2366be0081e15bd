"""How fast a membership change reaches DNS, the Consul catalog and HAProxy.

`dromos dev` (DNS and catalog in the scheduler) and `dromos lb` (Debian's HAProxy) serve
an app of 3 HTTP instances whose health check (interval 2 s, never killing) reads a
flag per task. The benchmark flips one task's flag at a time, so that task leaves
(unhealthy) or joins (healthy again). Time zero is the moment the scheduler's
`health_status_changed_event` for that task arrives on /v2/events; each surface is then
polled every 5 ms until its member set is the expected one: the SRV answer of
`_web-bench._tcp.dromos.mesos` (UDP), `/v1/health/service/web-bench?passing`, and the
servers of the app's backend not in maintenance (`show servers state` on HAProxy's master
socket): both leaving and joining servers change a slot through the runtime API.
The anchor is Mesos-DNS's default `refreshSeconds` of 60 (it polls the master; a change
waits up to 60 s, about 30 s on average; it never drops an unhealthy task, having no
health filter).

    .venv/bin/python -m bench.discovery [--changes 100]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests
from dnslib import DNSRecord

from tests.support.dev import Dev, running_dev, wait_for
from tests.support.haproxy import servers_in_service
from tests.support.localmesos import free_port

JSON = {"Content-Type": "application/json"}
SERVER = '''
import http.server, os, pathlib
flag = pathlib.Path(os.environ["FLAGS"]) / os.environ["MESOS_TASK_ID"]
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(503 if flag.exists() else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("127.0.0.1", int(os.environ["PORT0"])), Handler).serve_forever()
'''
SURFACES = ("dns", "catalog", "haproxy")
POLL_S = 0.005


def app_json(work: Path, lb_port: int) -> dict:
    return {
        "id": "/bench/web", "cmd": f"exec {sys.executable} {work / 'server.py'}",
        "instances": 3, "cpus": 0.05, "mem": 32, "env": {"FLAGS": str(work / "flags")},
        "portDefinitions": [{"port": 0}], "labels": {"HAPROXY_0_PORT": str(lb_port)},
        "healthChecks": [{"protocol": "HTTP", "path": "/health", "intervalSeconds": 2,
                          "timeoutSeconds": 1, "gracePeriodSeconds": 30,
                          "maxConsecutiveFailures": 0}],
    }


@contextlib.contextmanager
def running_lb(dev: Dev, work: Path, stats_port: int) -> Iterator[None]:
    command = [sys.executable, "-m", "scheduler.process.cli", "lb", "--marathon", dev.url,
               "--haproxy-config", str(work / "haproxy.cfg"), "--bind-address", "127.0.0.1",
               "--http-port", str(free_port()), "--stats-port", str(stats_port)]
    with open(work / "lb.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        process.terminate()
        process.wait(20)


class Surfaces:
    """The member ports each surface shows now."""

    def __init__(self, dns_port: int, consul_port: int, master_socket: Path) -> None:
        self.dns_port, self.consul_port, self.master_socket = dns_port, consul_port, master_socket

    def dns(self) -> set[int]:
        packet = DNSRecord.question("_web-bench._tcp.dromos.mesos", "SRV").send(
            "127.0.0.1", self.dns_port, timeout=2)
        return {rr.rdata.port for rr in DNSRecord.parse(packet).rr}

    def catalog(self) -> set[int]:
        entries = requests.get(f"http://127.0.0.1:{self.consul_port}/v1/health/service/"
                               "web-bench?passing", timeout=2).json()
        return {e["Service"]["Port"] for e in entries}

    def haproxy(self) -> set[int]:
        return servers_in_service(self.master_socket, "bench_web_")


def health_events(dev: Dev, seen: Callable[[str, bool, float], None],
                  stop: threading.Event) -> None:
    with contextlib.suppress(requests.RequestException), requests.get(
        f"{dev.url}/v2/events?event_type=health_status_changed_event", stream=True,
        timeout=(5, 60),
    ) as response:
        for line in response.iter_lines(decode_unicode=True):
            if stop.is_set():
                return
            if line and line.startswith("data:"):
                event = json.loads(line[5:])
                seen(event["instanceId"], bool(event["alive"]), time.monotonic())


def measure(surfaces: Surfaces, expected: set[int], began: float) -> dict[str, float]:
    """Seconds from `began` until each surface shows `expected`."""
    reached: dict[str, float] = {}
    deadline = began + 30
    while len(reached) < len(SURFACES) and time.monotonic() < deadline:
        for name in SURFACES:
            if name not in reached and getattr(surfaces, name)() == expected:
                reached[name] = time.monotonic() - began
        time.sleep(POLL_S)
    return reached


def run(work: Path, changes: int) -> dict[str, list[float]]:
    (work / "server.py").write_text(SERVER)
    flags = work / "flags"
    flags.mkdir()
    dns_port, consul_port, stats_port, lb_port = (free_port() for _ in range(4))
    latencies: dict[str, list[float]] = {
        f"{name}{kind}": [] for name in SURFACES for kind in ("", " leave", " join")}
    with running_dev(work / "dev", "--dns-port", str(dns_port), "--consul-port",
                     str(consul_port)) as dev, running_lb(dev, work, stats_port):
        requests.post(f"{dev.url}/v2/apps", json=app_json(work, lb_port), headers=JSON,
                      timeout=10).raise_for_status()
        surfaces = Surfaces(dns_port, consul_port, work / "haproxy.master.sock")

        def members() -> dict[str, int]:
            tasks = dev.get("/v2/apps/bench/web")["app"]["tasks"]
            return {t["id"]: t["ports"][0] for t in tasks
                    if any(r["alive"] for r in t.get("healthCheckResults", []))}

        ports = wait_for(lambda: len(m := members()) == 3 and m, 120, "three healthy tasks")
        wait_for(lambda: all(getattr(surfaces, s)() == set(ports.values()) for s in SURFACES),
                 30, "the surfaces never showed the three tasks")
        arrived: dict[tuple[str, bool], float] = {}
        got = threading.Condition()

        def seen(instance_id: str, alive: bool, at: float) -> None:
            with got:
                arrived[(instance_id, alive)] = at
                got.notify_all()

        stop = threading.Event()
        threading.Thread(target=health_events, args=(dev, seen, stop), daemon=True).start()
        time.sleep(1)
        healthy = set(ports.values())
        for change in range(changes):
            task_id = sorted(ports)[change // 2 % 3]
            port = ports[task_id]
            leave = change % 2 == 0
            key = (task_id.split("._app.")[0], not leave)  # the event: instance, alive
            with got:
                arrived.pop(key, None)
            flag = flags / task_id
            flag.touch() if leave else flag.unlink()
            with got:
                got.wait_for(lambda key=key: key in arrived, 30)
                began = arrived[key]
            healthy = healthy - {port} if leave else healthy | {port}
            kind = "leave" if leave else "join"
            for name, seconds in measure(surfaces, set(healthy), began).items():
                latencies[name].append(seconds)
                latencies[f"{name} {kind}"].append(seconds)
        stop.set()
    return latencies


def p99(values: list[float]) -> float:
    if len(values) < 2:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[98]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-discovery-") as tmp:
        latencies = run(Path(tmp), args.changes)
    print(f"{'surface':14} {'changes':>7} {'median':>9} {'p99':>9} {'max':>9}")
    for name, values in latencies.items():
        if values:
            print(f"{name:14} {len(values):7d} {statistics.median(values):8.3f}s "
                  f"{p99(values):8.3f}s {max(values):8.3f}s")
    print(f"{'Mesos-DNS':14} {'':7} {30.0:8.3f}s {59.4:8.3f}s {60.0:8.3f}s  "
          "(refreshSeconds 60: uniform 0-60 s, not run)")


if __name__ == "__main__":
    main(sys.argv[1:])
