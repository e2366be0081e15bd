"""The JSON snapshots of `/master/state` and the agent's `/slave(1)/state`."""

from __future__ import annotations

from typing import Any

from localmesos.agent.agent import Executor
from localmesos.master.frameworks import Framework, Task
from localmesos.master.master import Master
from localmesos.model import MESOS_VERSION, TaskState
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
    return {
        **version(),
        "start_time": master.start_time,
        "elected_time": master.start_time,
        "id": master.id,
        "pid": info["pid"],
        "hostname": info["hostname"],
        "activated_slaves": 1,
        "deactivated_slaves": 0,
        "leader": info["pid"],
        "leader_info": info,
        "flags": {"port": str(info["port"])},
        "slaves": [_agent_summary(master)],
        "frameworks": [_framework(master, f) for f in master.frameworks.values()],
        "completed_frameworks": [_framework(master, f) for f in master.completed_frameworks],
        "unregistered_frameworks": [],
    }


def agent_state(master: Master) -> dict[str, Any]:
    agent = master.agent
    config = agent.config
    frameworks: dict[str, list[Executor]] = {}
    for executor in agent.executors.values():
        frameworks.setdefault(executor.framework_id, []).append(executor)
    return {
        **version(),
        "id": config.agent_id,
        "pid": f"slave(1)@{config.endpoint}",
        "hostname": config.hostname,
        "resources": master.book.total.flat(),
        "attributes": {},
        "master_hostname": master.info["hostname"],
        "flags": {"work_dir": str(config.work_dir)},
        "frameworks": [
            {"id": fw, "executors": [_executor(e) for e in executors]}
            for fw, executors in frameworks.items()
        ],
        "completed_frameworks": [],
    }


def _agent_summary(master: Master) -> dict[str, Any]:
    config = master.agent.config
    book = master.book
    return {
        "id": config.agent_id,
        "pid": f"slave(1)@{config.endpoint}",
        "hostname": config.hostname,
        "registered_time": master.start_time,
        "active": True,
        "version": MESOS_VERSION,
        "resources": book.total.flat(),
        "used_resources": book.used.flat(),
        "offered_resources": book.offered().flat(),
        "reserved_resources": {},
        "unreserved_resources": book.total.flat(),
        "attributes": {},
    }


def _framework(master: Master, framework: Framework) -> dict[str, Any]:
    info = framework.info
    offered = Resources()
    offers = []
    for offer in master.book.offers.values():
        if offer.framework_id == framework.id:
            offered = offered + offer.resources
            offers.append({"id": offer.id, "resources": offer.resources.flat()})
    used = framework.used_resources()
    return {
        "id": framework.id,
        "name": info.get("name"),
        "user": info.get("user"),
        "hostname": info.get("hostname", ""),
        "webui_url": info.get("webui_url", ""),
        "active": framework.connected,
        "connected": framework.connected,
        "failover_timeout": framework.failover_timeout,
        "checkpoint": bool(info.get("checkpoint")),
        "capabilities": sorted(c for c in framework.capabilities if c),
        "role": framework.roles[0],
        "roles": framework.roles,
        "registered_time": framework.registered_time,
        "resources": (used + offered).flat(),
        "used_resources": used.flat(),
        "offered_resources": offered.flat(),
        "tasks": [_task(master, t) for t in framework.tasks.values()],
        "completed_tasks": [_task(master, t) for t in framework.completed_tasks],
        "offers": offers,
        "executors": [],
    }


def _task(master: Master, task: Task) -> dict[str, Any]:
    info = task.info
    entry: dict[str, Any] = {
        "id": task.id,
        "name": info.get("name"),
        "framework_id": task.framework_id,
        "executor_id": "" if "command" in info else task.executor_id,
        "slave_id": master.agent.config.agent_id,
        "state": task.state.value,
        "resources": task.resources.flat(),
        "role": "*",
        "statuses": list(task.statuses),
    }
    for key in ("labels", "health_check", "discovery", "container"):
        if key in info:
            entry[key] = info[key]
    return entry


def _executor(executor: Executor) -> dict[str, Any]:
    def tasks(items: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            _executor_task(task_id, task, executor.states[task_id])
            for task_id, task in items.items()
            if task_id in executor.states
        ]

    return {
        "id": executor.executor_id,
        "name": executor.info.get("name", ""),
        "source": executor.info.get("source", ""),
        "container": executor.container_id,
        "directory": str(executor.directory),
        "pid": executor.container.process.pid if executor.container else None,
        "tasks": tasks(executor.launched),
        "queued_tasks": tasks(executor.queued),
        "completed_tasks": [_executor_task(*completed) for completed in executor.completed],
    }


def _executor_task(task_id: str, task: dict[str, Any], state: TaskState) -> dict[str, Any]:
    return {"id": task_id, "name": task.get("name"), "state": state.value}
