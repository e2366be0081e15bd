"""A Jepsen-style run against a three-scheduler cluster: a workload, a nemesis, a checker.

The workload keeps an app of two instances and repeating jobs (every slot stamps its start
and its end into a file) while a writer adds jobs through random instances and notes the
ones acknowledged. The nemesis SIGKILLs the leader, SIGSTOPs it past its lease and wakes
it, restarts PostgreSQL and kills standbys, healing in between. The checker wants every
job slot due during the run to have exactly one complete run inside its window, the app
to keep its task ids, and every acknowledged write to be there.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from chronos.timefmt import format_instant
from tests.support.dev import wait_for
from tests.support.failover import Failover
from tests.support.ha import LEASE_S, Cluster

JSON = {"Content-Type": "application/json"}
JOBS = {"tick-a": 2.0, "tick-b": 3.0}  # name: interval in seconds
EPSILON_S = 30.0
RUN_S = 1.0  # a run's 0.3 s of work and its stamps written
STAMP = ('echo "start $CHRONOS_JOB_NAME $CHRONOS_JOB_RUN_TIME $(date +%s.%N)" >> {f}; '
         'sleep 0.3; echo "end $CHRONOS_JOB_NAME $CHRONOS_JOB_RUN_TIME $(date +%s.%N)" >> {f}')
Key = tuple[str, int]  # (job, due ms)
KINDS = ("kill_leader", "pause_leader", "kill_standby", "restart_postgres")


@dataclass
class Verdict:
    slots: int = 0
    missed: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    late: list[str] = field(default_factory=list)
    restarted_tasks: int = 0
    acknowledged: int = 0
    lost_writes: list[str] = field(default_factory=list)
    # what the database holds of each slot judged wrong (its run, status and attempts)
    stories: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not (self.missed or self.duplicated or self.late or self.restarted_tasks
                    or self.lost_writes)


class Workload:
    def __init__(self, cluster: Cluster, stamps: Path) -> None:
        self.cluster = cluster
        self.stamps = stamps
        self.first_due: dict[str, float] = {}
        self.app_tasks: set[str] = set()
        self.acked: list[str] = []
        self._stop = threading.Event()
        self._writer = threading.Thread(target=self._write, daemon=True)

    def start(self) -> None:
        url = self.cluster.url(self.cluster.wait_leader())
        requests.post(url + "/v2/apps", headers=JSON, timeout=10, json={
            "id": "/steady", "cmd": "sleep 3600", "cpus": 0.01, "mem": 16, "instances": 2,
        }).raise_for_status()
        self.app_tasks = wait_for(lambda: (t if len(t := self.running()) == 2 else None), 60)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=4)
        for name, every in JOBS.items():
            requests.post(url + "/v1/scheduler/iso8601", headers=JSON, timeout=10, json={
                "name": name, "command": STAMP.format(f=self.stamps), "owner": "",
                "cpus": 0.01, "mem": 16, "epsilon": f"PT{int(EPSILON_S)}S", "retries": 0,
                "schedule": f"R/{format_instant(start)}/PT{int(every)}S",
            }).raise_for_status()
            self.first_due[name] = start.timestamp()
        self._writer.start()

    def running(self) -> set[str]:
        url = self.cluster.url(self.cluster.wait_leader())
        tasks = requests.get(url + "/v2/apps/steady/tasks", timeout=10).json()["tasks"]
        return {t["id"] for t in tasks if t["state"] == "TASK_RUNNING"}

    def _write(self) -> None:
        """Add jobs through random instances; remember the ones acknowledged."""
        n = 0
        while not self._stop.wait(0.3):
            n += 1
            name = f"ack-{n}"
            i = random.randrange(len(self.cluster.ports))
            with contextlib.suppress(requests.RequestException):
                answer = requests.post(
                    self.cluster.url(i) + "/v1/scheduler/iso8601", headers=JSON, timeout=5,
                    json={"name": name, "command": "true", "owner": "", "disabled": True,
                          "schedule": "R/2030-01-01T00:00:00Z/P1D"})
                if answer.ok:
                    self.acked.append(name)

    def story(self, label: str) -> str:
        """The stored run of slot `label` (job@epoch), or that there is none."""
        name, due = label.split("@")
        rows = self.cluster.sql(
            "SELECT id, status, due, updated, record FROM job_runs "
            f"WHERE job_name = '{name}' AND slot_key = 'slot:{int(due) * 1000}'")
        return "; ".join(map(str, rows)) or "no run claimed"

    def stop(self) -> None:
        self._stop.set()
        self._writer.join()

    def _stamped(self) -> tuple[Counter[Key], Counter[Key], dict[Key, float]]:
        """Starts and ends stamped per (job, due ms), and when each slot first started."""
        starts: Counter[Key] = Counter()
        ends: Counter[Key] = Counter()
        started_at: dict[Key, float] = {}
        for line in self.stamps.read_text().splitlines() if self.stamps.exists() else []:
            parts = line.split()
            if len(parts) != 4:
                continue
            kind, name, due_ms, at = parts
            key = (name, int(due_ms))
            (starts if kind == "start" else ends)[key] += 1
            started_at.setdefault(key, float(at))
        return starts, ends, started_at

    def _slots(self, until: float) -> Iterator[tuple[Key, float, str]]:
        """(key, due, label) of every slot due before `until`."""
        for name, every in JOBS.items():
            due = self.first_due[name]
            while due < until:
                yield (name, round(due * 1000)), due, f"{name}@{due:.0f}"
                due += every

    def wait_settled(self, until: float) -> None:
        """Until every slot due before `until` has run, or its window (epsilon after the
        slot) has closed: a slot delayed by the last fault may still run within it."""
        closes = until + EPSILON_S + RUN_S
        while time.time() < closes:
            _, ends, _ = self._stamped()
            if all(ends[key] for key, _, _ in self._slots(until)):
                return
            time.sleep(0.5)

    def check(self, until: float) -> Verdict:
        """Judge every slot due before `until` (after `wait_settled`)."""
        verdict = Verdict(acknowledged=len(self.acked))
        starts, ends, started_at = self._stamped()
        for key, due, label in self._slots(until):
            verdict.slots += 1
            if ends[key] == 0:
                verdict.missed.append(label)
            elif starts[key] > 1 or ends[key] > 1:
                verdict.duplicated.append(label)
            elif not due - 0.5 <= started_at[key] <= due + EPSILON_S:
                verdict.late.append(label)
        for label in verdict.missed + verdict.duplicated + verdict.late:
            verdict.stories[label] = self.story(label)
        verdict.restarted_tasks = len(self.app_tasks - self.running())
        url = self.cluster.url(self.cluster.wait_leader())
        names = {j["name"] for j in requests.get(url + "/v1/scheduler/jobs", timeout=30).json()}
        verdict.lost_writes = [n for n in self.acked if n not in names]
        return verdict


class Nemesis:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster
        # after a leader's SIGKILL, and after its SIGSTOP (which waits out its lease)
        self.failovers: list[Failover] = []
        self.pause_failovers: list[Failover] = []
        self.done: Counter[str] = Counter()
        self._last: tuple[str, float] | None = None  # the fault before, and when

    def strike(self, kind: str) -> None:
        started = time.monotonic()
        getattr(self, kind)()
        self.done[kind] += 1
        self._last = (kind, started)
        self.heal()
        # the new leader's milestones, its first offers included, are in the log by now
        for failover in self.failovers[-1:] + self.pause_failovers[-1:]:
            if not failover.reached:
                failover.read(self.cluster.dev.log())

    def heal(self) -> None:
        self.cluster.wait_leader(60)
        self.cluster.wait_serving()

    def kill_leader(self) -> None:
        leader = self.cluster.wait_leader()
        killed = time.monotonic()
        os.kill(self.cluster.pid(leader), signal.SIGKILL)
        self.failovers.append(self._next_leader(killed, leader))

    def pause_leader(self) -> None:
        leader = self.cluster.wait_leader()
        pid = self.cluster.pid(leader)
        os.kill(pid, signal.SIGSTOP)
        paused = time.monotonic()
        try:
            self.pause_failovers.append(self._next_leader(paused, leader))
            time.sleep(max(0.0, paused + LEASE_S + 1.5 - time.monotonic()))
        finally:
            os.kill(pid, signal.SIGCONT)
        wait_for(lambda: self.cluster.pid(leader) != pid, 30, "a woken leader did not exit")

    def _next_leader(self, struck: float, old: int) -> Failover:
        new = self.cluster.wait_leader(60, other_than=old)
        before = "" if self._last is None else (
            f"{self._last[0]} {struck - self._last[1]:.1f} s before")
        return Failover(struck, time.monotonic(), self.cluster.pid(new), before=before)

    def kill_standby(self) -> None:
        leader = self.cluster.wait_leader()
        standby = (leader + random.randrange(1, len(self.cluster.ports))) % len(
            self.cluster.ports)
        os.kill(self.cluster.pid(standby), signal.SIGKILL)

    def restart_postgres(self) -> None:
        self.cluster.postgres.stop("fast")
        self.cluster.postgres.start()


def failover_summary(seconds: list[float]) -> str:
    if not seconds:
        return "no failovers"
    every = ", ".join(f"{s:.1f}" for s in sorted(seconds))
    return (f"{len(seconds)} failovers: p50 {statistics.median(seconds):.2f} s, "
            f"max {max(seconds):.2f} s (each, sorted: {every})")


def run(cluster: Cluster, stamps: Path, faults: dict[str, int], settle_s: float = 2.0
        ) -> tuple[Verdict, Nemesis]:
    """Strike `faults` (kind: count) in a shuffled order, then check."""
    workload, nemesis = Workload(cluster, stamps), Nemesis(cluster)
    workload.start()
    order = [kind for kind, count in faults.items() for _ in range(count)]
    random.shuffle(order)
    for kind in order:
        time.sleep(settle_s)
        nemesis.strike(kind)
    until = time.time()
    workload.wait_settled(until)
    workload.stop()
    return workload.check(until), nemesis
