"""How late a scheduled job starts: Dromos beside APScheduler 3, in one run.

40 jobs, each due every second for 8 runs (`R8/<start>/PT1S`); each run is a shell
command that appends its job, its slot and its start time (`date +%s.%N`) to a file.
Lateness is the start minus the slot; a slot with no start is missed. Dromos runs them
under `dromos dev`; APScheduler 3 under a BackgroundScheduler with an IntervalTrigger per
job and its default thread pool (10 workers), the command run by `subprocess`. Beside them
the floor: no scheduler, at each slot 40 shells already running are released by one pipe
write each, the least any scheduler could do on this machine. Beside it the timed floor: no
scheduler either, each run the very command Dromos launches for it (`starting_at`: a shell
that waits for its slot), spawned the launch lead ahead in a session and sandbox of its own
as the agent spawns it: the least a scheduler that gives each run a process of its own
(a container per task) can do. Then Dromos and APScheduler again with 10,000 more schedules
loaded that are not due during the run. The machine's floor varies from round to round, so
the summary gives each peer's p99 above the floor of its own round, the median over rounds.

    .venv/bin/python -m bench job_lateness [--jobs 40] [--loaded 10000] [--rounds 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests

from chronos.timefmt import format_instant
from scheduler.base.config import JOB_LAUNCH_LEAD_S
from scheduler.jobs.task_info import starting_at
from tests.support.dev import running_dev

RUNS = 8
LEAD_S = 3.0  # from the last job accepted to the first slot
STAMP = 'echo "{name} {slot} $(date +%s.%N)" >> {file}'


@dataclass(frozen=True)
class Result:
    lateness_s: list[float]
    missed: int
    duplicates: int

    def quantile(self, q: float) -> float:
        ordered = sorted(self.lateness_s)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def line(self, peer: str) -> str:
        ordered = sorted(self.lateness_s)
        if not ordered:
            return f"{peer:24} no runs"
        p50, p99 = self.quantile(0.5), self.quantile(0.99)
        return (f"{peer:24} p50 {p50 * 1000:6.1f} ms   p99 {p99 * 1000:6.1f} ms   "
                f"max {ordered[-1] * 1000:6.1f} ms   runs {len(ordered)}   "
                f"missed {self.missed}   duplicates {self.duplicates}")


def measure(stamps: Path, names: list[str], slots: list[float]) -> Result:
    """Lateness per started run; missed and duplicate slots, from the stamp file."""
    seen: dict[tuple[str, float], float] = {}
    duplicates = 0
    text = stamps.read_text() if stamps.exists() else ""
    for line in text.splitlines():
        name, slot, started = line.split()
        key = (name, round(float(slot), 3))
        duplicates += key in seen
        seen[key] = float(started) - float(slot)
    missed = sum((name, round(slot, 3)) not in seen for name in names for slot in slots)
    return Result(list(seen.values()), missed, duplicates)


def wait_for_stamps(stamps: Path, expected: int, until: float) -> None:
    while time.time() < until:
        if stamps.exists() and len(stamps.read_text().splitlines()) >= expected:
            return
        time.sleep(0.2)


def dromos(work: Path, jobs: int, loaded: int) -> Result:
    stamps = work / "dromos.stamps"
    names = [f"lateness-{n:02d}" for n in range(jobs)]
    with running_dev(work / "dromos") as dev, requests.Session() as http:
        far = format_instant(datetime.now(UTC) + timedelta(days=1))
        post = _poster(http, dev.url)
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda n: post(f"idle-{n:05d}", f"R/{far}/P1D", "true"),
                          range(loaded)))
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD_S + 1)
        # Slots are whole seconds; the run's slot comes in milliseconds.
        command = STAMP.format(name="$CHRONOS_JOB_NAME", slot="$((CHRONOS_JOB_RUN_TIME / 1000))",
                               file=stamps)
        for name in names:
            post(name, f"R{RUNS}/{format_instant(start)}/PT1S", command)
        slots = [start.timestamp() + k for k in range(RUNS)]
        wait_for_stamps(stamps, jobs * RUNS, slots[-1] + 10)
    return measure(stamps, names, slots)


def _poster(http: requests.Session, url: str) -> Callable[[str, str, str], None]:
    def post(name: str, schedule: str, command: str) -> None:
        job = {"name": name, "command": command, "schedule": schedule, "epsilon": "PT5S",
               "cpus": 0.01, "mem": 8, "disk": 1}
        http.post(f"{url}/v1/scheduler/iso8601", json=job, timeout=30).raise_for_status()

    return post


def apscheduler(work: Path, jobs: int, loaded: int) -> Result:
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    stamps = work / "apscheduler.stamps"
    names = [f"lateness-{n:02d}" for n in range(jobs)]
    scheduler = BackgroundScheduler(timezone=UTC)
    far = datetime.now(UTC) + timedelta(days=1)
    for n in range(loaded):
        scheduler.add_job(_noop, IntervalTrigger(days=1, start_date=far), id=f"idle-{n:05d}")
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD_S + 1)
    end = start + timedelta(seconds=RUNS - 1)
    for name in names:
        trigger = IntervalTrigger(seconds=1, start_date=start, end_date=end)
        scheduler.add_job(_run_stamp, trigger, args=[name, start.timestamp(), stamps], id=name)
    scheduler.start()
    slots = [start.timestamp() + k for k in range(RUNS)]
    try:
        wait_for_stamps(stamps, jobs * RUNS, slots[-1] + 10)
    finally:
        scheduler.shutdown()
    return measure(stamps, names, slots)


def floor(work: Path, jobs: int, loaded: int) -> Result:
    """No scheduler: shells spawned half a second before each slot wait on a pipe and are
    released together at the slot (`loaded` does not apply)."""
    stamps = work / "floor.stamps"
    names = [f"lateness-{n:02d}" for n in range(jobs)]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD_S + 1)
    slots = [start.timestamp() + k for k in range(RUNS)]
    for slot in slots:
        time.sleep(max(0.0, slot - 0.5 - time.time()))
        waiting = [_waiting_shell(STAMP.format(name=name, slot=slot, file=stamps))
                   for name in names]
        time.sleep(max(0.0, slot - time.time()))
        for _, release in waiting:
            os.write(release, b"\n")
        for shell, release in waiting:
            os.close(release)
            shell.wait()
    return measure(stamps, names, slots)


def timed_floor(work: Path, jobs: int, loaded: int) -> Result:
    """No scheduler: each run Dromos's own timed command, spawned the launch lead ahead of
    its slot in its own session and sandbox, waits for the slot itself (`loaded` does not
    apply)."""
    stamps = work / "timed-floor.stamps"
    names = [f"lateness-{n:02d}" for n in range(jobs)]
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=LEAD_S + 1)
    slots = [start.timestamp() + k for k in range(RUNS)]
    shells = []
    for slot in slots:
        time.sleep(max(0.0, slot - JOB_LAUNCH_LEAD_S - time.time()))
        for name in names:
            command = STAMP.format(name=name, slot=slot, file=stamps)
            timed = starting_at({"value": command, "shell": True}, round(slot * 1000))
            sandbox = work / f"{name}-{slot:.0f}"
            sandbox.mkdir()
            with open(sandbox / "stdout", "ab") as out:
                shells.append(subprocess.Popen(
                    ["/bin/sh", "-c", timed["value"]], cwd=sandbox, stdin=subprocess.DEVNULL,
                    stdout=out, stderr=out, start_new_session=True))
    for shell in shells:
        shell.wait()
    return measure(stamps, names, slots)


def _waiting_shell(command: str) -> tuple[subprocess.Popen[bytes], int]:
    """A shell that runs `command` once a line comes on its stdin; and that pipe's end."""
    read_end, release = os.pipe()
    shell = subprocess.Popen(["/bin/sh", "-c", 'read -r _ && eval "$1"', "sh", command],
                             stdin=read_end)
    os.close(read_end)
    return shell, release


def _noop() -> None:
    pass


def _run_stamp(name: str, start: float, stamps: Path) -> None:
    # The slot this run is for: the last whole second of the grid (lateness < 1 s).
    slot = start + int(time.time() - start)
    command = STAMP.format(name=name, slot=slot, file=stamps)
    subprocess.run(["/bin/sh", "-c", command], check=False)


PEERS: dict[str, Callable[[Path, int, int], Result]] = {
    "dromos": dromos, "apscheduler": apscheduler, "floor": floor, "timed_floor": timed_floor,
}
UNLOADED = ("floor", "timed_floor")  # no schedules to load: run once a round


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=40)
    parser.add_argument("--loaded", type=int, default=10_000,
                        help="schedules loaded beside the jobs in the second round")
    parser.add_argument("--peers", default=",".join(PEERS))
    parser.add_argument("--rounds", type=int, default=1, help="run everything this many times")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="dromos-bench-lateness-"))
    above_floor: dict[str, list[float]] = {}
    try:
        for n in range(args.rounds):
            print(f"job lateness, round {n + 1}: {args.jobs} jobs x R{RUNS}/PT1S "
                  f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f})", flush=True)
            p99s: dict[str, float] = {}
            for loaded in dict.fromkeys((0, args.loaded)):
                for peer in args.peers.split(","):
                    if loaded and peer in UNLOADED:
                        continue
                    round_dir = work / f"{n}-{peer}-{loaded}"
                    round_dir.mkdir()
                    result = PEERS[peer](round_dir, args.jobs, loaded)
                    row = peer if peer in UNLOADED else f"{peer} +{loaded} loaded"
                    print(result.line(row), flush=True)
                    if result.lateness_s:
                        p99s[row] = result.quantile(0.99)
            for row, p99 in p99s.items():
                if "floor" in p99s and row != "floor":
                    above_floor.setdefault(row, []).append(p99 - p99s["floor"])
        if above_floor:
            print("p99 above the floor of its round (ms), median over rounds [each round]:")
        for row, gaps in above_floor.items():
            print(f"  {row:24} {statistics.median(gaps) * 1000:+6.1f}   "
                  f"[{' '.join(f'{gap * 1000:+.1f}' for gap in gaps)}]")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
