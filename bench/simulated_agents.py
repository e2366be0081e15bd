"""Many agents on one master: `dromos localmesos --simulated-agents N` at several N.

For each N: seconds to register every agent (inside the master's loop, and wall time from
the process start until /master/slaves lists them all), the master's resident memory, the
first offer cycle (SUBSCRIBE to one OFFERS event covering every agent) and the decline
cycle (DECLINE of all offers with refuse_seconds 0 to the next OFFERS covering every
agent: the allocator pass, the event's JSON and its transfer), median of CYCLES. With
--tasks-per-agent T, then T tasks are launched on every agent (one ACCEPT per offer) and
the time until all are RUNNING and the memory after are reported.

    .venv/bin/python -m bench.simulated_agents [--agents 1000,5000,10000] [--tasks-per-agent 10]
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from tests.localmesos.clients.v1client import V1Scheduler, task
from tests.support.localmesos import LocalMesos, running_localmesos

CYCLES = 5
WAIT_S = 300.0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def wait_all_registered(mesos: LocalMesos, count: int, started: float) -> float:
    deadline = time.monotonic() + WAIT_S
    while len(mesos.get("/master/slaves")["slaves"]) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"not all {count} agents registered:\n{mesos.log()[-2000:]}")
        time.sleep(0.2)
    return time.monotonic() - started


def offers_covering(client: V1Scheduler, count: int) -> list[dict[str, Any]]:
    """Offer events until `count` distinct agents have offered (one event, usually)."""
    offers: dict[str, dict[str, Any]] = {}
    while len(offers) < count:
        event = client.wait_for("OFFERS", timeout=WAIT_S)
        client.inbox.events.remove(event)
        for offer in event["offers"]["offers"]:
            offers[offer["agent_id"]["value"]] = offer
    return list(offers.values())


def decline_cycle(client: V1Scheduler, offers: list[dict[str, Any]]) -> tuple[float, list[Any]]:
    started = time.monotonic()
    ids = [o["id"] for o in offers]
    client.call("DECLINE", {"offer_ids": ids, "filters": {"refuse_seconds": 0}})
    again = offers_covering(client, len(offers))
    return time.monotonic() - started, again


def launch_everywhere(client: V1Scheduler, offers: list[dict[str, Any]], per_agent: int) -> float:
    """One ACCEPT per offer on a kept-alive connection, then every TASK_RUNNING."""
    started = time.monotonic()
    session = requests.Session()
    headers = {"Mesos-Stream-Id": client.stream_id or ""}
    for offer in offers:
        tasks = [
            task(offer, f"{offer['hostname']}-{n}", cpus=0.1, mem=64, command={"value": "sleep"})
            for n in range(per_agent)
        ]
        launch = {"type": "LAUNCH", "launch": {"task_infos": tasks}}
        call = {
            "type": "ACCEPT",
            "framework_id": {"value": client.framework_id},
            "accept": {"offer_ids": [offer["id"]], "operations": [launch]},
        }
        session.post(client.url + "/api/v1/scheduler", json=call, headers=headers, timeout=30)
    want = len(offers) * per_agent
    running = 0
    deadline = time.monotonic() + WAIT_S
    while running < want and time.monotonic() < deadline:
        event = client.wait_for("UPDATE", timeout=WAIT_S)
        client.inbox.events.remove(event)
        running += event["update"]["status"]["state"] == "TASK_RUNNING"
    return time.monotonic() - started


def measure(count: int, per_agent: int, work: Path) -> dict[str, float]:
    started = time.monotonic()
    args = ("--agents", "0", "--simulated-agents", str(count), "--heartbeat-seconds", "5")
    with running_localmesos(work / f"n{count}", *args, oracle_checks=False) as mesos:
        wall = wait_all_registered(mesos, count, started)
        in_loop = float(re.findall(r"simulated agents in ([0-9.]+)s", mesos.log())[0])
        memory = rss_mib(mesos.process.pid)
        client = V1Scheduler(mesos.url)
        subscribed = time.monotonic()
        client.subscribe(failover_timeout=60)
        offers = offers_covering(client, count)
        first = time.monotonic() - subscribed
        cycles = []
        for _ in range(CYCLES):
            seconds, offers = decline_cycle(client, offers)
            cycles.append(seconds)
        figures = {
            "agents": count,
            "register_in_loop_s": in_loop,
            "register_wall_s": wall,
            "rss_mib": memory,
            "first_offers_s": first,
            "decline_cycle_median_s": statistics.median(cycles),
            "decline_cycle_max_s": max(cycles),
        }
        if per_agent:
            figures["launch_all_s"] = launch_everywhere(client, offers, per_agent)
            figures["tasks"] = count * per_agent
            figures["rss_with_tasks_mib"] = rss_mib(mesos.process.pid)
        client.disconnect()
        return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", default="1000,5000,10000")
    parser.add_argument("--tasks-per-agent", type=int, default=0)
    options = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-simulated-") as work:
        for count in [int(n) for n in options.agents.split(",")]:
            figures = measure(count, options.tasks_per_agent, Path(work))
            print("  ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}"
                            for k, v in figures.items()), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
