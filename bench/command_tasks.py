"""What a command task costs on a localmesos agent: N `sleep 100000` command tasks (cpus
0.001, mem 1, TaskInfo.command, no executor) launched in one ACCEPT over the v1 scheduler
API, every update acknowledged.

Printed per run: seconds until all are TASK_RUNNING and until all are TASK_KILLED after a
KILL each; the agent's CPU seconds for each phase; with all running, the agent's RSS and
the RSS and PSS (shared pages divided among their sharers) of every process in the tasks'
sandboxes (executors and tasks), and per task what the agent and those processes take
beyond the bare `sleep`s.

`--source DIR` runs the localmesos of another checkout (e.g. main, where each command task
gets a Python executor process of its own) for a peer in the same run:

    .venv/bin/python -m bench command_tasks --tasks 1000
    .venv/bin/python -m bench command_tasks --tasks 50 --source /work/main
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.scale import cpu_seconds, rss_mb
from tests.localmesos.clients.v1client import V1Scheduler, task
from tests.support.localmesos import processes_under, running_localmesos

AGENT = ("--cpus", "2000", "--mem", "4000000", "--heartbeat-seconds", "1")
COMMAND = {"value": "sleep 100000"}
TERMINAL = {"TASK_FINISHED", "TASK_FAILED", "TASK_KILLED", "TASK_LOST", "TASK_ERROR"}


def pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory(pids: list[int]) -> tuple[float, float, int, int]:
    """RSS and PSS (MB) of `pids`, how many of them are `sleep`, and how many there are."""
    rss = pss = 0.0
    sleeps = 0
    for pid in pids:
        try:
            rss += rss_mb(pid)
            pss += pss_mb(pid)
            sleeps += Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"sleep\0")
        except OSError:
            continue
    return rss, pss, sleeps, len(pids)


def wait_states(
    client: V1Scheduler, acks: ThreadPoolExecutor, wanted: set[str], count: int
) -> None:
    """Acknowledge every update until `count` tasks have reached a state in `wanted`."""
    reached: set[str] = set()
    while len(reached) < count:
        event = client.next_event(120)
        if event["type"] != "UPDATE":
            continue
        status = event["update"]["status"]
        if "uuid" in status:
            acks.submit(client.acknowledge, status)
        if status["state"] in wanted:
            reached.add(status["task_id"]["value"])
        elif status["state"] in TERMINAL:
            raise RuntimeError(f"task ended early: {status}")


def run(tasks: int, source: str | None) -> dict[str, Any]:
    if source:
        os.environ["PYTHONPATH"] = source
        # `python -m localmesos` puts its working directory first on sys.path, ahead of
        # PYTHONPATH: started from this checkout it would run this checkout's code.
        os.chdir(source)
    with (
        tempfile.TemporaryDirectory(prefix="bench-command-tasks-") as scratch,
        running_localmesos(Path(scratch), *AGENT, oracle_checks=False) as mesos,
        ThreadPoolExecutor(8) as acks,
    ):
        agent = int((mesos.data_dir / "agent.pid").read_text())
        idle_rss = rss_mb(agent)
        client = V1Scheduler(mesos.url)
        client.subscribe(failover_timeout=3600)
        offer = client.offer()
        infos = [task(offer, f"t{n}", cpus=0.001, mem=1, command=COMMAND) for n in range(tasks)]
        cpu, started = cpu_seconds(agent), time.monotonic()
        client.accept(offer, infos)
        wait_states(client, acks, {"TASK_RUNNING"}, tasks)
        result: dict[str, Any] = {
            "running_s": time.monotonic() - started,
            "launch_cpu_s": cpu_seconds(agent) - cpu,
        }
        time.sleep(2)  # settled
        rss, pss, sleeps, processes = memory(processes_under(mesos.data_dir))
        _, sleep_pss, _, _ = memory(
            [p for p in processes_under(mesos.data_dir)
             if Path(f"/proc/{p}/cmdline").read_bytes().startswith(b"sleep\0")]
        )  # fmt: skip
        agent_rss = rss_mb(agent)
        result.update(
            agent_idle_rss_mb=idle_rss,
            agent_rss_mb=agent_rss,
            sandbox_rss_mb=rss,
            sandbox_pss_mb=pss,
            sleeps=sleeps,
            processes=processes,
            per_task_mb=(agent_rss - idle_rss + pss - sleep_pss) / tasks,
        )
        cpu, started = cpu_seconds(agent), time.monotonic()
        for n in range(tasks):
            acks.submit(client.call, "KILL", {"task_id": {"value": f"t{n}"}})
        wait_states(client, acks, {"TASK_KILLED"}, tasks)
        result["killed_s"] = time.monotonic() - started
        result["kill_cpu_s"] = cpu_seconds(agent) - cpu
        client.call("TEARDOWN")
        return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="bench command_tasks", description=__doc__)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--source", help="checkout whose localmesos to run (a peer)")
    args = parser.parse_args(argv)
    print(f"load: {os.getloadavg()}")
    result = run(args.tasks, args.source)
    print(f"{args.tasks} command tasks ({args.source or 'this checkout'}):")
    for key, value in result.items():
        print(f"  {key}: {value:.2f}" if isinstance(value, float) else f"  {key}: {value}")
    print(f"load: {os.getloadavg()}")
