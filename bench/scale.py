"""How Dromos holds up with thousands of tasks: the rows of the [scale] table.

A localmesos with large resource overrides and a Dromos scheduler, each its own process, so
CPU seconds and RSS are read per process from /proc. Tasks are `sleep 100000` with cpus 0.01
and mem 1 (real processes, command tasks of the agent). While the launch, scale_down, posts and
batch rows run, and for 10 s after the restart row's first GET, a reader thread GETs
/v2/apps?embed=apps.tasks, /v2/tasks, /v2/queue and /v1/scheduler/jobs in turn, without a
pause, and records their latency (the rows' notes). Rows:

- launch: POST one app with `instances` N, until all N are TASK_RUNNING;
- scale_down: PUT instances 0 to that app: how long the PUT takes, and until all are gone;
- reads: GET /v2/apps?embed=apps.tasks at N running tasks, no other reader;
- batch: PUT /v2/apps with N apps of one instance each, until all are running;
- posts: the same N apps by one POST /v2/apps each, one after another (the batch's peer);
- restart: with J jobs and N instances stored, the scheduler restarts; the first GET
  /v2/apps after /ping answers, then the reads with those jobs and instances;
- sim_launch / sim_scale_down: the scheduler against `dromos localmesos --agents 0
  --simulated-agents A` (A = n / 10 unless --sim-agents: bookkeeping tasks that go
  TASK_RUNNING without a process; 4 cpus, so 400 of these tasks, and 1,001 ports per
  agent): POST n / --sim-app-size apps of that many instances (one POST at a time), until
  the master and then the scheduler count all n TASK_RUNNING; then PUT instances 0 to each,
  until the master has no live task and the scheduler counts none. No reader runs; the
  bench polls the master's /metrics/snapshot every 0.5 s, the scheduler's /v2/apps only
  once the master's count is reached. The notes add the master's CPU and RSS;
- offer_cycle: in this process, one matching round of 10,000 offers against 10,000
  rack-UNIQUE requests that cannot be placed (one app; and one app per request,
  where the evaluation budget ends the round). Its CPU column is this process's.

Each row prints wall seconds, scheduler CPU seconds and RSS, and across sizes the growth
exponent of CPU (log(cpu2/cpu1) / log(n2/n1): 1 is linear).

    .venv/bin/python -m bench scale [--sizes 100,1000,3000] [--rows launch,scale_down,...]
    .venv/bin/python -m bench scale --rows sim_launch,sim_scale_down \
        --sim-sizes 1000,10000,100000 [--sim-app-size 1000] [--sim-agents A]
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bench.offer_cycle import cycle
from tests.support.localmesos import LocalMesos, free_port, running_localmesos, stop_tree

TICKS = os.sysconf("SC_CLK_TCK")
AGENT = ("--cpus", "2000", "--mem", "4000000", "--ports", "20000-60000")
TASK = {"cmd": "sleep 100000", "cpus": 0.01, "mem": 1, "backoffSeconds": 1}
SIM_WAIT_S = 3600.0
SIM_POLL_S = 0.5
RESTART_READS_S = 10.0
READ_PATHS = ("/v2/apps?embed=apps.tasks", "/v2/tasks", "/v2/queue", "/v1/scheduler/jobs")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@dataclass
class Scheduler:
    """A `dromos scheduler` process against `mesos`, restartable on the same data dir."""

    mesos: LocalMesos
    data_dir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "scheduler.process.cli", "scheduler", "--master",
                   self.mesos.address, "--port", str(self.port), "--data-dir",
                   str(self.data_dir), "--log-level", "warning"]
        with open(self.data_dir / "scheduler.log", "ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        wait(lambda: self._answers("/ping"), 60, "the scheduler never answered /ping")

    def stop(self) -> None:
        if self.process is not None:
            stop_tree(self.process, self.data_dir, 30)
            self.process = None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu(self) -> float:
        return cpu_seconds(self.pid)

    def _answers(self, path: str) -> bool:
        with contextlib.suppress(requests.RequestException):
            return requests.get(self.url + path, timeout=2).ok
        return False


def wait(condition: Callable[[], bool], timeout_s: float, message: str,
         poll_s: float = 0.1) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(message)
        time.sleep(poll_s)


@contextlib.contextmanager
def cluster(work: Path, *agents: str) -> Iterator[Scheduler]:
    with running_localmesos(work / "mesos", *(agents or AGENT), oracle_checks=False) as mesos:
        scheduler = Scheduler(mesos, work / "scheduler")
        scheduler.start()
        try:
            yield scheduler
        finally:
            scheduler.stop()


@dataclass
class Row:
    name: str
    n: int
    wall_s: float
    cpu_s: float
    rss_mb: float
    note: str = ""

    def line(self) -> str:
        return (f"| {self.name} | {self.n:,} | {self.wall_s:.2f} | {self.cpu_s:.2f} | "
                f"{self.rss_mb:.0f} | {self.note} |")


def running(scheduler: Scheduler, app_id: str) -> int:
    answer = requests.get(f"{scheduler.url}/v2/apps{app_id}", timeout=60)
    answer.raise_for_status()
    return int(answer.json()["app"]["tasksRunning"])


def total_running(scheduler: Scheduler) -> int:
    apps = requests.get(f"{scheduler.url}/v2/apps", timeout=60).json()["apps"]
    return sum(int(app["tasksRunning"]) for app in apps)


def launch(scheduler: Scheduler, n: int) -> Row:
    reader = Reader(scheduler.url)
    reader.start()
    cpu, started = scheduler.cpu(), time.monotonic()
    answer = requests.post(f"{scheduler.url}/v2/apps?force=true",
                           json={"id": "/scale", "instances": n, **TASK}, timeout=60)
    answer.raise_for_status()
    wait(lambda: running(scheduler, "/scale") >= n, 600, f"{n} instances never all ran")
    return Row("launch", n, time.monotonic() - started, scheduler.cpu() - cpu,
               rss_mb(scheduler.pid), reader.summary())


class Reader(threading.Thread):
    """GETs the read paths in turn until stopped; keeps each answer's latency."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.stopped = threading.Event()

    def run(self) -> None:
        with requests.Session() as http:
            while not self.stopped.is_set():
                for path in READ_PATHS:
                    began = time.monotonic()
                    try:
                        http.get(self.url + path, timeout=120).raise_for_status()
                    except requests.RequestException as error:
                        self.failures.append(f"{path}: {error}")
                    self.latencies.append(time.monotonic() - began)

    def summary(self) -> str:
        self.stopped.set()
        self.join()
        if not self.latencies:
            return "no reads"
        return (f"reads p50 {percentile(self.latencies, 50) * 1000:.0f} ms, "
                f"p99 {percentile(self.latencies, 99) * 1000:.0f} ms, "
                f"max {max(self.latencies) * 1000:.0f} ms ({len(self.latencies)} GETs, "
                f"{len(self.failures)} failed{': ' + self.failures[0] if self.failures else ''})")


def owner_cpu(scheduler: Scheduler) -> float | None:
    """The owner thread's CPU seconds from /metrics (None where it is not exported)."""
    body = requests.get(f"{scheduler.url}/metrics", timeout=60).text
    for line in body.splitlines():
        if line.startswith("dromos_owner_thread_cpu_seconds_total "):
            return float(line.split()[1])
    return None


def scale_down(scheduler: Scheduler, n: int) -> Row:
    reader = Reader(scheduler.url)
    owner = owner_cpu(scheduler)
    reader.start()
    cpu, started = scheduler.cpu(), time.monotonic()
    requests.put(f"{scheduler.url}/v2/apps/scale?force=true", json={"instances": 0},
                 timeout=120).raise_for_status()
    answered = time.monotonic() - started
    wait(lambda: running(scheduler, "/scale") == 0 and not tasks_left(scheduler), 600,
         "the scale-down never finished")
    wall, used = time.monotonic() - started, scheduler.cpu() - cpu
    after = owner_cpu(scheduler)
    on_owner = "" if owner is None or after is None else (
        f"; owner thread {after - owner:.2f} s CPU")
    return Row("scale_down", n, wall, used, rss_mb(scheduler.pid),
               f"PUT answered in {answered * 1000:.0f} ms; " + reader.summary() + on_owner)


def tasks_left(scheduler: Scheduler) -> bool:
    return bool(requests.get(f"{scheduler.url}/v2/apps/scale/tasks", timeout=60)
                .json()["tasks"])


def reads(scheduler: Scheduler, n: int, count: int = 50) -> Row:
    cpu, latencies = scheduler.cpu(), []
    with requests.Session() as http:
        for _ in range(count):
            began = time.monotonic()
            http.get(f"{scheduler.url}/v2/apps?embed=apps.tasks", timeout=120).raise_for_status()
            latencies.append(time.monotonic() - began)
    return Row("reads", n, sum(latencies), scheduler.cpu() - cpu, rss_mb(scheduler.pid),
               f"GET /v2/apps?embed=apps.tasks p50 {percentile(latencies, 50) * 1000:.0f} "
               f"ms, p99 {percentile(latencies, 99) * 1000:.0f} ms")


def batch(scheduler: Scheduler, n: int) -> Row:
    def put(apps: list[dict[str, object]]) -> None:
        requests.put(f"{scheduler.url}/v2/apps", json=apps, timeout=600).raise_for_status()

    return _many_apps(scheduler, n, "batch", "PUT", put)


def posts(scheduler: Scheduler, n: int) -> Row:
    """The batch's peer: the same apps, one POST each, one after another."""
    def post(apps: list[dict[str, object]]) -> None:
        with requests.Session() as http:
            for app in apps:
                http.post(f"{scheduler.url}/v2/apps", json=app, timeout=60).raise_for_status()

    return _many_apps(scheduler, n, "posts", "POSTs", post)


def _many_apps(scheduler: Scheduler, n: int, name: str, how: str,
               submit: Callable[[list[dict[str, object]]], None]) -> Row:
    apps = [{"id": f"/{name}/app-{k:05d}", "instances": 1, **TASK} for k in range(n)]
    reader = Reader(scheduler.url)
    reader.start()
    cpu, started = scheduler.cpu(), time.monotonic()
    submit(apps)
    answered = time.monotonic() - started
    wait(lambda: total_running(scheduler) >= n, 900, f"{n} apps never all ran")
    return Row(name, n, time.monotonic() - started, scheduler.cpu() - cpu,
               rss_mb(scheduler.pid), f"{how} answered in {answered:.2f} s; " + reader.summary())


def restart(scheduler: Scheduler, n: int, jobs: int = 10_000) -> Row:
    far = "R/2099-01-01T00:00:00Z/P1D"

    def post(k: int) -> None:
        job = {"name": f"idle-{k:05d}", "command": "true", "schedule": far, "cpus": 0.01,
               "mem": 8}
        requests.post(f"{scheduler.url}/v1/scheduler/iso8601", json=job,
                      timeout=120).raise_for_status()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(post, range(jobs)))
    launch(scheduler, n)
    scheduler.stop()
    started = time.monotonic()
    scheduler.start()
    up = time.monotonic() - started
    began = time.monotonic()
    requests.get(f"{scheduler.url}/v2/apps", timeout=120).raise_for_status()
    first = time.monotonic() - began
    reader = Reader(scheduler.url)  # the read paths with the jobs and instances loaded
    reader.start()
    time.sleep(RESTART_READS_S)
    return Row("restart", n, up + first, scheduler.cpu(), rss_mb(scheduler.pid),
               f"{jobs:,} jobs; /ping after {up:.2f} s, then first GET /v2/apps "
               f"{first * 1000:.0f} ms; then " + reader.summary())


def offer_cycle(n: int = 10_000) -> list[Row]:
    rows = []
    for apps, label in ((1, "one app"), (n, f"{n:,} apps")):
        seconds, reasons, left = cycle(n, apps)
        rows.append(Row("offer_cycle", n, seconds, seconds, rss_mb(os.getpid()),
                        f"{label}: {reasons:,} given a reason, {left:,} left to the next "
                        "cycle by the budget"))
    return rows


def sim_apps(n: int, app_size: int) -> list[tuple[str, int]]:
    sizes = [app_size] * (n // app_size) + ([n % app_size] if n % app_size else [])
    return [(f"/sim/app-{k:04d}", size) for k, size in enumerate(sizes)]


def sim_counts(scheduler: Scheduler) -> tuple[int, int]:
    """(tasks running, tasks of any kind) of the apps under /sim, as the scheduler counts."""
    apps = requests.get(f"{scheduler.url}/v2/apps", timeout=120).json()["apps"]
    mine = [app for app in apps if app["id"].startswith("/sim/")]
    return (sum(int(app["tasksRunning"]) for app in mine),
            sum(int(app["tasksRunning"]) + int(app["tasksStaged"]) for app in mine))


def master_counts(mesos: LocalMesos) -> tuple[int, int]:
    """(tasks running, tasks live) as the master counts them."""
    # A master busy with ACCEPTs of a thousand tasks each may take seconds to answer.
    metrics = requests.get(mesos.url + "/metrics/snapshot", timeout=120).json()
    running = int(metrics["master/tasks_running"])
    return running, running + int(metrics["master/tasks_staging"])


def sim_wait(condition: Callable[[], bool], message: str) -> None:
    wait(condition, SIM_WAIT_S, message, SIM_POLL_S)


def sim_launch(scheduler: Scheduler, n: int, agents: int, app_size: int) -> Row:
    apps = sim_apps(n, app_size)
    master = scheduler.mesos.process.pid
    cpu, master_cpu, started = scheduler.cpu(), cpu_seconds(master), time.monotonic()
    with requests.Session() as http:
        for app_id, size in apps:
            http.post(f"{scheduler.url}/v2/apps?force=true",
                      json={"id": app_id, "instances": size, **TASK},
                      timeout=120).raise_for_status()
    posted = time.monotonic() - started
    # The master's count first (reading the scheduler's would add to the CPU measured),
    # then until the scheduler has heard of them all.
    sim_wait(lambda: master_counts(scheduler.mesos)[0] >= n, f"{n} tasks never all ran")
    sim_wait(lambda: sim_counts(scheduler)[0] >= n, f"{n} tasks never all ran in Dromos")
    wall, used = time.monotonic() - started, scheduler.cpu() - cpu
    return Row("sim_launch", n, wall, used, rss_mb(scheduler.pid),
               f"{agents:,} agents, {len(apps)} apps of {app_size:,}; POSTs {posted:.1f} s; "
               f"{used / n * 1000:.2f} ms CPU/task; {n / wall:,.0f} tasks/s; "
               + master_note(master, master_cpu))


def sim_scale_down(scheduler: Scheduler, n: int, agents: int, app_size: int) -> Row:
    apps = sim_apps(n, app_size)
    master = scheduler.mesos.process.pid
    cpu, master_cpu, started = scheduler.cpu(), cpu_seconds(master), time.monotonic()
    with requests.Session() as http:
        for app_id, _ in apps:
            http.put(f"{scheduler.url}/v2/apps{app_id}?force=true", json={"instances": 0},
                     timeout=120).raise_for_status()
    answered = time.monotonic() - started
    sim_wait(lambda: master_counts(scheduler.mesos)[1] == 0, "the scale-down never finished")
    sim_wait(lambda: sim_counts(scheduler)[1] == 0, "Dromos still counts tasks")
    wall, used = time.monotonic() - started, scheduler.cpu() - cpu
    return Row("sim_scale_down", n, wall, used, rss_mb(scheduler.pid),
               f"{agents:,} agents; PUTs answered in {answered:.1f} s; "
               f"{used / n * 1000:.2f} ms CPU/task; {n / wall:,.0f} tasks/s; "
               + master_note(master, master_cpu))


def master_note(pid: int, cpu_before: float) -> str:
    return (f"master {cpu_seconds(pid) - cpu_before:.1f} s CPU, RSS {rss_mb(pid):,.0f} MB; "
            f"load {os.getloadavg()[0]:.1f}")


def run_simulated(work: Path, n: int, rows: list[str], agents: int, app_size: int
                  ) -> Iterator[Row]:
    agents = agents or max(100, n // 10)
    with cluster(work / f"sim-{n}", "--agents", "0", "--simulated-agents",
                 str(agents)) as scheduler:
        yield sim_launch(scheduler, n, agents, app_size)
        if "sim_scale_down" in rows:
            yield sim_scale_down(scheduler, n, agents, app_size)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(p / 100 * len(ordered)) - 1)]


def growth(rows: list[Row]) -> str:
    """The exponent k of CPU ~ n^k between the smallest and the largest size of a row."""
    ordered = sorted((row for row in rows if row.cpu_s > 0), key=lambda row: row.n)
    if len(ordered) < 2 or ordered[0].n == ordered[-1].n:
        return "n/a"
    low, high = ordered[0], ordered[-1]
    return f"{math.log(high.cpu_s / low.cpu_s) / math.log(high.n / low.n):.2f}"


def run_size(work: Path, n: int, rows: list[str]) -> list[Row]:
    """Each size gets its own cluster; launch, reads and scale_down share one."""
    results: list[Row] = []
    if {"launch", "reads", "scale_down"} & set(rows):
        with cluster(work / f"tasks-{n}") as scheduler:
            results.append(launch(scheduler, n))
            if "reads" in rows:
                results.append(reads(scheduler, n))
            if "scale_down" in rows:
                results.append(scale_down(scheduler, n))
    for name, row in (("batch", batch), ("posts", posts)):
        if name in rows:
            with cluster(work / f"{name}-{n}") as scheduler:
                results.append(row(scheduler, n))
    if "restart" in rows:
        with cluster(work / f"restart-{n}") as scheduler:
            results.append(restart(scheduler, n))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--rows", default="launch,reads,scale_down,batch,restart")
    parser.add_argument("--sim-sizes", default="1000,10000",
                        help="task counts of the sim_* rows (100000 takes many minutes)")
    parser.add_argument("--sim-agents", type=int, default=0,
                        help="simulated agents of the sim_* rows (default n / 10)")
    parser.add_argument("--sim-app-size", type=int, default=1000,
                        help="instances per app of the sim_* rows")
    args = parser.parse_args(argv)
    rows = args.rows.split(",")
    # SIGTERM stops the clusters as an interrupt would (their `finally` runs).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    work = Path(tempfile.mkdtemp(prefix="dromos-bench-scale-"))
    print(f"scale: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}", flush=True)
    print("| row | n | wall s | scheduler CPU s | scheduler RSS MB | notes |", flush=True)
    print("|---|--:|--:|--:|--:|---|", flush=True)
    results: list[Row] = []
    try:
        if "offer_cycle" in rows:
            for row in offer_cycle():
                print(row.line(), flush=True)
        for n in (int(size) for size in args.sizes.split(",")):
            for row in run_size(work, n, rows):
                print(row.line(), flush=True)
                results.append(row)
        if {"sim_launch", "sim_scale_down"} & set(rows):
            for n in (int(size) for size in args.sim_sizes.split(",")):
                for row in run_simulated(work, n, rows, args.sim_agents, args.sim_app_size):
                    print(row.line(), flush=True)
                    results.append(row)
    except BaseException:
        print(f"failed; the clusters' logs are kept in {work}", flush=True)
        raise
    shutil.rmtree(work, ignore_errors=True)
    for name in ("launch", "scale_down", "batch", "posts", "sim_launch", "sim_scale_down"):
        mine = [row for row in results if row.name == name]
        if mine:
            cpu = statistics.fmean(row.cpu_s / row.n for row in mine)
            print(f"{name}: CPU growth exponent {growth(mine)}, "
                  f"mean {cpu * 1000:.2f} ms of scheduler CPU per task")


if __name__ == "__main__":
    main()
