"""The JSON snapshot of `/master/state`, in the shapes a Mesos master writes."""

from __future__ import annotations

from typing import Any

from localmesos.master.agents import AgentRecord
from localmesos.master.core import Master
from localmesos.master.frameworks import Framework, Task
from localmesos.model import MESOS_VERSION, attributes_flat
from localmesos.resources import Resources


def version() -> dict[str, Any]:
    return {
        "version": MESOS_VERSION,
        "git_sha": "",
        "git_tag": MESOS_VERSION,
        "build_date": "",
        "build_time": 0,
        "build_user": "localmesos",
    }


def master_state(master: Master) -> dict[str, Any]:
    info = master.info
    reachable = master.agents.reachable()
    return {
        **version(),
        "start_time": master.start_time,
        "elected_time": master.start_time,
        "id": master.id,
        "pid": info["pid"],
        "hostname": info["hostname"],
        "capabilities": [c["type"] for c in info.get("capabilities", [])],
        "activated_slaves": len(reachable),
        "deactivated_slaves": 0,
        "unreachable_slaves": len(master.agents.unreachable()),
        "leader": info["pid"],
        "leader_info": info,
        "flags": {"port": str(info["port"])},
        "slaves": [agent_summary(a) for a in reachable],
        "recovered_slaves": [],
        "frameworks": [framework_json(master, f) for f in master.frameworks.values()],
        "completed_frameworks": [framework_json(master, f) for f in master.completed_frameworks],
        "orphan_tasks": [],
        "unregistered_frameworks": [],
    }


def agent_summary(agent: AgentRecord) -> dict[str, Any]:
    book = agent.book
    summary = {
        "id": agent.id,
        "pid": agent.pid,
        "hostname": agent.hostname,
        "port": agent.port,
        "registered_time": agent.registered_time,
        "active": agent.connected,
        "deactivated": False,
        "version": MESOS_VERSION,
        "resources": book.total.flat(),
        "used_resources": book.used.flat(),
        "offered_resources": book.offered().flat(),
        "reserved_resources": {},
        "unreserved_resources": book.total.flat(),
        "attributes": attributes_flat(agent.attributes),
        "capabilities": ["MULTI_ROLE", "HIERARCHICAL_ROLE", "RESERVATION_REFINEMENT"],
    }
    if agent.reregistered_time is not None:
        summary["reregistered_time"] = agent.reregistered_time
    return summary


def framework_json(master: Master, framework: Framework) -> dict[str, Any]:
    info = framework.info
    offered = Resources()
    offers = []
    for agent in master.agents.by_id.values():
        for offer in agent.book.offers.values():
            if offer.framework_id == framework.id:
                offered = offered + offer.resources
                offers.append(
                    {
                        "id": offer.id,
                        "framework_id": framework.id,
                        "slave_id": agent.id,
                        "resources": offer.resources.flat(),
                    }
                )
    used = framework.used_resources()
    entry = {
        "id": framework.id,
        "name": info.get("name"),
        "user": info.get("user"),
        "hostname": info.get("hostname", ""),
        "webui_url": info.get("webui_url", ""),
        "active": framework.connected,
        "connected": framework.connected,
        "recovered": False,
        "failover_timeout": framework.failover_timeout,
        "checkpoint": bool(info.get("checkpoint")),
        "capabilities": sorted(c for c in framework.capabilities if c),
        "registered_time": framework.registered_time,
        "unregistered_time": 0,
        "resources": (used + offered).flat(),
        "used_resources": used.flat(),
        "offered_resources": offered.flat(),
        "tasks": [task_json(t) for t in framework.tasks.values()],
        "unreachable_tasks": [task_json(t) for t in framework.unreachable_tasks.values()],
        "completed_tasks": [task_json(t) for t in framework.completed_tasks],
        "offers": offers,
        "executors": executors_json(framework),
    }
    if "principal" in info:
        entry["principal"] = info["principal"]
    if framework.multi_role:
        entry["roles"] = framework.roles
    else:
        entry["role"] = framework.roles[0]
    return entry


def task_json(task: Task) -> dict[str, Any]:
    info = task.info
    entry: dict[str, Any] = {
        "id": task.id,
        "name": info.get("name"),
        "framework_id": task.framework_id,
        "executor_id": "" if "command" in info else task.executor_id,
        "slave_id": task.agent_id,
        "state": task.state.value,
        "resources": task.resources.flat(),
        "role": "*",
        "statuses": list(task.statuses),
    }
    labels = info.get("labels")
    if isinstance(labels, dict) and isinstance(labels.get("labels"), list):
        entry["labels"] = labels["labels"]
    for key in ("health_check", "discovery", "container"):
        if key in info:
            entry[key] = info[key]
    return entry


def executors_json(framework: Framework) -> list[dict[str, Any]]:
    """The framework's custom executors (command executors are the agents' own)."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for task in framework.tasks.values():
        executor = task.info.get("executor")
        if isinstance(executor, dict):
            entry = {**executor, "framework_id": {"value": framework.id}}
            seen[(task.agent_id, task.executor_id)] = {**entry, "slave_id": task.agent_id}
    return list(seen.values())


def all_tasks(framework: Framework) -> list[Task]:
    return [
        *framework.tasks.values(),
        *framework.unreachable_tasks.values(),
        *framework.completed_tasks,
    ]


COUNTED_STATES = (
    "TASK_STAGING", "TASK_STARTING", "TASK_RUNNING", "TASK_KILLING", "TASK_FINISHED",
    "TASK_KILLED", "TASK_FAILED", "TASK_LOST", "TASK_ERROR", "TASK_UNREACHABLE",
)  # fmt: skip


def _counts(tasks: list[Task]) -> dict[str, int]:
    counts = dict.fromkeys(COUNTED_STATES, 0)
    for task in tasks:
        if task.state.value in counts:
            counts[task.state.value] += 1
    return counts


def state_summary(master: Master) -> dict[str, Any]:
    """`/master/state-summary`: agents and frameworks with task counts, no tasks."""
    frameworks = [*master.frameworks.values()]
    tasks = [t for f in frameworks for t in all_tasks(f)]
    slaves = []
    for agent in master.agents.reachable():
        own = [t for t in tasks if t.agent_id == agent.id]
        slaves.append(
            {
                **agent_summary(agent),
                **_counts(own),
                "framework_ids": sorted({t.framework_id for t in own}),
            }
        )
    summaries = []
    for framework in frameworks:
        own = all_tasks(framework)
        entry = framework_json(master, framework)
        for key in ("tasks", "unreachable_tasks", "completed_tasks", "offers", "executors"):
            del entry[key]
        summaries.append({**entry, **_counts(own), "slave_ids": sorted({t.agent_id for t in own})})
    return {"hostname": master.info["hostname"], "slaves": slaves, "frameworks": summaries}
