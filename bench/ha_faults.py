"""The long Jepsen-style run: three schedulers on PostgreSQL under 30 faults of each kind.

A `dromos dev --schedulers 3` cluster on a throwaway PostgreSQL, an app of two instances,
two jobs repeating every 2 s and 3 s, and a writer adding jobs through random instances,
while the nemesis SIGKILLs the leader, SIGSTOPs it past its 3 s lease and wakes it, kills
standbys and restarts PostgreSQL (tests/support/jepsen.py). It prints the checker's counts
and the failover time of every leader SIGKILL (kill -> another instance leads and is
subscribed to Mesos). The peer, in the same run: one scheduler on SQLite, SIGKILLed and
restarted by `dromos dev` (what a single scheduler under a supervisor gets).

    .venv/bin/python -m bench.ha_faults [--each 30] [--postgres-restarts 10] [--only KIND]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.dev import Dev, running_dev, wait_for
from tests.support.failover import phase_summary
from tests.support.ha import running_cluster
from tests.support.jepsen import KINDS, failover_summary, run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--each", type=int, default=30, help="faults of each process kind")
    parser.add_argument("--postgres-restarts", type=int, default=10)
    parser.add_argument("--only", choices=KINDS, help="strike faults of this kind alone")
    parser.add_argument("--peer-kills", type=int, default=20,
                        help="SIGKILLs of the peer: a lone SQLite scheduler under dromos dev")
    args = parser.parse_args(argv)
    faults = {"kill_leader": args.each, "pause_leader": args.each,
              "kill_standby": args.each, "restart_postgres": args.postgres_restarts}
    if args.only:
        faults = {args.only: faults[args.only]}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip()
    print(f"machine: {os.cpu_count()} CPUs, {platform.processor() or platform.machine()}; "
          f"commit {commit}; load {os.getloadavg()[0]:.1f}", flush=True)
    started = time.monotonic()
    with (tempfile.TemporaryDirectory(prefix="dromos-ha-") as tmp,
          running_cluster(Path(tmp) / "ha") as cluster):
        verdict, nemesis = run(cluster, Path(tmp) / "stamps", faults)
    print(f"faults: {dict(nemesis.done)} in {time.monotonic() - started:.0f} s; "
          f"load {os.getloadavg()[0]:.1f}")
    print(f"job slots checked: {verdict.slots}; missed {len(verdict.missed)}, "
          f"duplicated {len(verdict.duplicated)}, late {len(verdict.late)}")
    print(f"app tasks restarted: {verdict.restarted_tasks}")
    print(f"acknowledged writes: {verdict.acknowledged}; lost {len(verdict.lost_writes)}")
    for what, failovers in (("SIGKILL", nemesis.failovers),
                            ("SIGSTOP (its lease waited out)", nemesis.pause_failovers)):
        if failovers:
            seconds = [failover.seconds for failover in failovers]
            print(f"failover after leader {what}: {failover_summary(seconds)}")
            print("\n".join(phase_summary(failovers)))
            for failover in sorted(failovers, key=lambda f: -f.seconds)[:3]:
                print("  slowest:", failover.story())
    for label in (verdict.missed + verdict.duplicated + verdict.late)[:20]:
        print("  slot", label, verdict.stories.get(label, ""))
    if args.peer_kills:
        print(f"peer, one scheduler restarted by its supervisor: "
              f"{failover_summary(restart_times(args.peer_kills))}")


def restart_times(kills: int) -> list[float]:
    """Seconds from SIGKILL of a lone scheduler (SQLite) to its restart subscribed again."""
    times = []
    with (tempfile.TemporaryDirectory(prefix="dromos-restart-") as tmp,
          running_dev(Path(tmp) / "dev") as dev):
        for _ in range(kills):
            times.append(_restart_time(dev))
            time.sleep(1)
    return times


def _restart_time(dev: Dev) -> float:
    old = dev.scheduler_pid()
    killed = time.monotonic()
    dev.kill_scheduler()
    wait_for(lambda: dev.scheduler_pid() != old, 30)
    dev.wait_registered(60)
    return time.monotonic() - killed


if __name__ == "__main__":
    main()
