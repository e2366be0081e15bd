"""An agent's `/monitor/statistics` (per executor: cpu times and memory of its
container's processes, with the limits its resources set) and `/metrics/snapshot`."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from localmesos.agent import containers
from localmesos.agent.core import Agent
from localmesos.agent.executors import Executor
from localmesos.resources import Resources

TICKS = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def _usage(pids: set[int]) -> tuple[float, float, int]:
    """User and system cpu seconds and resident bytes of these processes."""
    user = system = rss = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        user += int(fields[11])
        system += int(fields[12])
        rss += pages * PAGE
    return user / TICKS, system / TICKS, rss


def _statistics(
    agent: Agent, executor: Executor, table: containers.ProcessTable
) -> dict[str, Any]:
    root = executor.pid
    pids = table.members({root}, {executor.container_id}) if root else set()
    user, system, rss = _usage(pids)
    limits = Resources()
    for task in [*executor.launched.values(), *executor.queued.values()]:
        limits = limits + Resources.from_json(task.get("resources", []))
    return {
        "framework_id": executor.framework_id,
        "executor_id": executor.executor_id,
        "executor_name": executor.info.get("name", ""),
        "source": executor.info.get("source", ""),
        "statistics": {
            "timestamp": time.time(),
            "cpus_user_time_secs": user,
            "cpus_system_time_secs": system,
            "cpus_limit": limits.scalar("cpus"),
            "mem_rss_bytes": rss,
            "mem_limit_bytes": int(limits.scalar("mem") * 2**20),
        },
    }


def statistics(agent: Agent) -> list[dict[str, Any]]:
    if not agent.executors:
        return []
    table = containers.ProcessTable.read()  # one walk of /proc for every executor
    return [_statistics(agent, e, table) for e in agent.executors.values()]


def metrics(agent: Agent) -> dict[str, float]:
    states = [s for e in agent.executors.values() for s in e.states.values()]
    return {
        "slave/registered": 1.0,
        "slave/executors_running": float(len(agent.executors)),
        "slave/tasks_running": float(sum(s.value == "TASK_RUNNING" for s in states)),
        "slave/tasks_staging": float(sum(s.value == "TASK_STAGING" for s in states)),
    }
