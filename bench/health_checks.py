"""Scheduler-run HTTP health checks: checks per second and CPU at 1,000 and 10,000 targets.

The targets are simulated endpoints: an asyncio server on a few loopback ports,
answering 200 to every GET, in a separate process so its CPU is not counted. Each
run watches N targets at an interval chosen so that N / interval checks are due per
second, lets the first probes spread out, then measures a window: achieved checks/s,
p99 probe latency and start lateness, CPU seconds (this process: the engine thread)
per 1,000 checks, and whether any probe started more than one interval late.

Peers in the same run: the engine with aiohttp instead of raw asyncio streams, and
a naive checker with one thread per target calling `requests.get` (how a simple
Python checker would do it), at 1,000 targets.

    .venv/bin/python -m bench.health_checks [--window 20] [--ports 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from scheduler.base.clock import SystemClock
from scheduler.health.engine import FIRST_PROBE_MAX_S, HealthEngine, ProbeFn, ProbeReport
from scheduler.health.probes import Outcome, Protocol, Target, Verdict, http_verdict, probe

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


# the simulated endpoints (run in a child process) ---------------------------------------
async def _answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(RESPONSE)
        await writer.drain()
    writer.close()


async def _serve(port_count: int) -> None:
    servers = [await asyncio.start_server(_answer, "127.0.0.1", 0, backlog=4096)
               for _ in range(port_count)]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.Event().wait()


@contextlib.contextmanager
def endpoints(port_count: int) -> Iterator[list[int]]:
    server = subprocess.Popen(
        [sys.executable, "-m", "bench.health_checks", "--serve", str(port_count)],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    try:
        assert server.stdout is not None
        yield [int(p) for p in server.stdout.readline().split()]
    finally:
        server.terminate()
        server.wait(timeout=10)


# measuring ------------------------------------------------------------------------------
@dataclass
class Figures:
    name: str
    targets: int
    interval_s: float
    checks_per_s: float
    failed: int
    p99_latency_ms: float
    p99_late_ms: float
    cpu_per_1000: float
    late_over_interval: int

    def row(self) -> str:
        expected = self.targets / self.interval_s
        late = f"yes ({self.late_over_interval})" if self.late_over_interval else "no"
        return (f"| {self.name} | {self.targets:,} | {self.interval_s:g} s | {expected:,.0f} | "
                f"{self.checks_per_s:,.0f} | {self.failed} | {self.p99_latency_ms:.1f} | "
                f"{self.p99_late_ms:.1f} | {self.cpu_per_1000:.3f} | {late} |")


HEADER = ("| checker | targets | interval | due checks/s | achieved checks/s | failed | "
          "p99 probe latency ms | p99 start lateness ms | CPU s per 1,000 checks | "
          "any probe > 1 interval late |\n|---|---|---|---|---|---|---|---|---|---|")


class Window:
    """Collects probe results; only those that finish inside the measured window count."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.open = False
        self.latencies: list[float] = []
        self.lateness: list[float] = []
        self.failed = 0

    def add(self, latency_s: float, late_s: float, healthy: bool) -> None:
        with self.lock:
            if self.open:
                self.latencies.append(latency_s)
                self.lateness.append(late_s)
                self.failed += not healthy

    def engine_reports(self, batch: list[ProbeReport]) -> None:
        for r in batch:
            self.add(r.duration_s, r.late_s, r.outcome.verdict is Verdict.HEALTHY)

    def measure(self, name: str, targets: int, interval_s: float, warmup_s: float,
                window_s: float) -> Figures:
        time.sleep(warmup_s)
        with self.lock:
            self.open = True
        cpu, started = time.process_time(), time.monotonic()
        time.sleep(window_s)
        with self.lock:
            self.open = False
        cpu, elapsed = time.process_time() - cpu, time.monotonic() - started
        count = len(self.latencies)
        return Figures(
            name, targets, interval_s, count / elapsed, self.failed,
            _p99(self.latencies) * 1000, _p99(self.lateness) * 1000,
            cpu / max(count, 1) * 1000, sum(late > interval_s for late in self.lateness),
        )


def _p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 100 else max(values, default=0)


def aiohttp_probe() -> ProbeFn:
    """The engine's probe done with an aiohttp ClientSession (no keep-alive, like ours)."""
    import aiohttp

    session: aiohttp.ClientSession | None = None

    async def run(target: Target, address: str) -> Outcome:
        nonlocal session
        if session is None:
            session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(ssl=False, limit=0, force_close=True))
        try:
            async with asyncio.timeout(target.timeout_s), session.get(
                f"http://{address}:{target.port}{target.path}", allow_redirects=False,
            ) as response:
                return http_verdict(response.status, target.ignore_http1xx)
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            return Outcome(Verdict.UNHEALTHY, repr(exc))

    return run


def run_engine(name: str, probe_fn: ProbeFn, ports: list[int], targets: int,
               interval_s: float, window_s: float) -> Figures:
    window = Window()
    engine = HealthEngine(SystemClock(), window.engine_reports, probe_fn=probe_fn)
    engine.start()
    try:
        engine.watch(Target((f"task-{i}", 0), "127.0.0.1", ports[i % len(ports)],
                            Protocol.HTTP, "/health", interval_s, 5.0)
                     for i in range(targets))
        # First probes come within min(interval, 5 s); the grid is reached an interval later.
        warmup = min(interval_s, FIRST_PROBE_MAX_S) + interval_s
        return window.measure(name, targets, interval_s, warmup, window_s)
    finally:
        engine.unwatch((f"task-{i}", 0) for i in range(targets))
        deadline = time.monotonic() + 10
        while engine.in_flight and time.monotonic() < deadline:
            time.sleep(0.05)
        engine.stop()


def run_threads(ports: list[int], targets: int, interval_s: float, window_s: float) -> Figures:
    """One thread per target: sleep to the due time, requests.get, repeat."""
    import requests

    window, stop = Window(), threading.Event()

    def check(url: str, first_due: float) -> None:
        with requests.Session() as session:
            due = first_due
            while not stop.wait(max(0.0, due - time.monotonic())):
                started = time.monotonic()
                try:
                    healthy = 200 <= session.get(url, timeout=5).status_code < 400
                except requests.RequestException:
                    healthy = False
                finished = time.monotonic()
                window.add(finished - started, started - due, healthy)
                due = max(due + interval_s, finished)

    now = time.monotonic()
    threads = [threading.Thread(target=check, daemon=True, args=(
        f"http://127.0.0.1:{ports[i % len(ports)]}/health", now + interval_s * i / targets))
        for i in range(targets)]
    for thread in threads:
        thread.start()
    try:
        return window.measure("thread per check + requests", targets, interval_s,
                              interval_s + 1.0, window_s)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--window", type=float, default=20.0, help="seconds measured per run")
    parser.add_argument("--ports", type=int, default=4, help="loopback ports of the endpoints")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        asyncio.run(_serve(args.serve))
        return
    # aiohttp's session is left to the engine's closed loop; its "unclosed" notice is noise.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    print(f"# health checks: {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"window {args.window:g} s", flush=True)
    print(HEADER, flush=True)
    with endpoints(args.ports) as ports:
        runs = [
            ("engine, asyncio streams", probe, 1_000, 1.0),
            ("engine, asyncio streams", probe, 10_000, 10.0),
            ("engine, asyncio streams", probe, 10_000, 2.0),
            ("engine, aiohttp", aiohttp_probe(), 1_000, 1.0),
            ("engine, aiohttp", aiohttp_probe(), 10_000, 10.0),
        ]
        for name, probe_fn, targets, interval in runs:
            print(run_engine(name, probe_fn, ports, targets, interval, args.window).row(),
                  flush=True)
        print(run_threads(ports, 1_000, 1.0, args.window).row(), flush=True)


if __name__ == "__main__":
    main()
