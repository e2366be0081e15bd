"""How fast a process that exits is started again: Dromos beside supervisord.

One command runs 0.2 s and exits, kept alive by `dromos dev` (an app with
backoffSeconds 0) and by supervisord (autorestart). The command appends
"start <epoch>" and "exit <epoch>" to a stamp file; the gap is each start minus the
exit before it. Each peer runs until it has RESTARTS gaps or the time is up.

    .venv/bin/python -m bench.restart_gap [--seconds 75] [--restarts 50]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import requests

from tests.support.dev import running_dev

RUN_S = 0.2


def stamp_command(stamp_file: Path) -> str:
    """A shell command that logs its start and exit times around a 0.2 s run."""
    now = "$(date +%s.%N)"
    return (f"echo start {now} >> {stamp_file}; sleep {RUN_S}; "
            f"echo exit {now} >> {stamp_file}")


def gaps(stamp_text: str) -> list[float]:
    """Seconds from each exit to the start that follows it."""
    found: list[float] = []
    exited: float | None = None
    for line in stamp_text.splitlines():
        parts = line.split()
        if len(parts) != 2:
            continue  # a line still being written
        kind, when = parts[0], float(parts[1])
        if kind == "exit":
            exited = when
        elif kind == "start" and exited is not None:
            found.append(when - exited)
            exited = None
    return found


def _collect(stamp_file: Path, seconds: float, restarts: int) -> list[float]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if stamp_file.exists() and len(gaps(stamp_file.read_text())) >= restarts:
            break
        time.sleep(0.1)
    return gaps(stamp_file.read_text()) if stamp_file.exists() else []


def dromos(work: Path, seconds: float, restarts: int) -> list[float]:
    stamp_file = work / "dromos.stamps"
    app = {
        "id": "/bench/restart-gap", "cmd": stamp_command(stamp_file), "instances": 1,
        "cpus": 0.1, "mem": 32, "backoffSeconds": 0, "backoffFactor": 1,
        "maxLaunchDelaySeconds": 0,
    }
    with running_dev(work / "dromos") as dev:
        requests.post(dev.url + "/v2/apps", json=app, timeout=10).raise_for_status()
        return _collect(stamp_file, seconds, restarts)


SUPERVISOR_CONF = """\
[supervisord]
nodaemon=true
logfile={work}/supervisord.log
pidfile={work}/supervisord.pid
childlogdir={work}

[program:restart-gap]
command=/bin/sh -c '{command}'
autorestart=true
startsecs=0
stopasgroup=true
killasgroup=true
"""


@contextlib.contextmanager
def _running_supervisord(work: Path, command: str) -> Iterator[None]:
    conf = work / "supervisord.conf"
    # supervisord expands %(name)s in its config: a literal % is written %%.
    conf.write_text(SUPERVISOR_CONF.format(work=work, command=command.replace("%", "%%")))
    supervisord = Path(sys.executable).with_name("supervisord")
    with open(work / "supervisord.out", "wb") as out:
        process = subprocess.Popen([str(supervisord), "-c", str(conf)], stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    try:
        time.sleep(0.5)
        if process.poll() is not None:
            raise RuntimeError(f"supervisord exited: {(work / 'supervisord.out').read_text()}")
        yield
    finally:
        process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def supervisord(work: Path, seconds: float, restarts: int) -> list[float]:
    work = work / "supervisord"
    work.mkdir()
    stamp_file = work / "supervisord.stamps"
    with _running_supervisord(work, stamp_command(stamp_file)):
        return _collect(stamp_file, seconds, restarts)


def summary(name: str, found: list[float]) -> str:
    if not found:
        return f"{name:12} no restarts seen"
    ordered = sorted(found)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    return (f"{name:12} median {statistics.median(ordered):.3f} s   p90 {p90:.3f} s   "
            f"count {len(ordered)}")


PEERS: dict[str, Callable[[Path, float, int], list[float]]] = {
    "dromos": dromos, "supervisord": supervisord,
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=75.0, help="time limit per peer")
    parser.add_argument("--restarts", type=int, default=50, help="stop a peer after this many")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="dromos-bench-restart-"))
    try:
        print(f"restart gap: a {RUN_S} s command, time from its exit to its next start "
              f"({os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f})")
        for name, peer in PEERS.items():
            print(summary(name, peer(work, args.seconds, args.restarts)), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
