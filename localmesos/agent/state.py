"""The JSON snapshot of an agent's `/state`, in the shapes a Mesos agent writes, and what
it tells the master of its executors and tasks when it (re-)registers."""

from __future__ import annotations

from typing import Any

from localmesos.agent.core import Agent
from localmesos.agent.executors import Executor
from localmesos.model import MESOS_VERSION, TaskState, attributes_flat
from localmesos.resources import Resources


def agent_state(agent: Agent, master: str, start_time: float) -> dict[str, Any]:
    config = agent.config
    info = config.agent_info
    frameworks: dict[str, dict[str, Any]] = {}

    def framework(executor: Executor) -> dict[str, Any]:
        info = executor.framework_info
        return frameworks.setdefault(
            executor.framework_id,
            {
                "id": executor.framework_id,
                "name": info.get("name", ""),
                "user": info.get("user", ""),
                "hostname": info.get("hostname", ""),
                "failover_timeout": info.get("failover_timeout", 0),
                "checkpoint": bool(info.get("checkpoint")),
                "role": info.get("role", "*"),
                "executors": [],
                "completed_executors": [],
            },
        )

    for executor in agent.executors.values():
        framework(executor)["executors"].append(executor_json(executor, config.agent_id))
    for executor in agent.completed_executors:
        entry = framework(executor)
        entry["completed_executors"].append(executor_json(executor, config.agent_id))
    return {
        "version": MESOS_VERSION,
        "build_user": "localmesos",
        "start_time": start_time,
        "id": config.agent_id,
        "pid": f"slave(1)@{config.endpoint}",
        "hostname": config.hostname,
        "resources": Resources.from_json(info["resources"]).flat(),
        "attributes": attributes_flat(info.get("attributes", [])),
        "master_hostname": master.rsplit(":", 1)[0],
        "flags": {
            "work_dir": str(config.work_dir),
            "master": master,
            "containerizers": ",".join(config.containerizers.names),
            "docker": config.containerizers.docker_cli,
        },
        "frameworks": list(frameworks.values()),
        "completed_frameworks": [],
    }


def executor_json(executor: Executor, agent_id: str) -> dict[str, Any]:
    def tasks(items: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            _task(executor, agent_id, task_id, task, executor.states[task_id])
            for task_id, task in items.items()
            if task_id in executor.states
        ]

    completed = [_task(executor, agent_id, *entry) for entry in executor.completed]
    return {
        "id": executor.executor_id,
        "name": executor.info.get("name", ""),
        "source": executor.info.get("source", ""),
        "container": executor.container_id,
        "directory": str(executor.directory),
        "resources": Resources.from_json(executor.info.get("resources", [])).flat(),
        "pid": executor.pid,
        "tasks": tasks(executor.launched),
        "queued_tasks": tasks(executor.queued),
        "completed_tasks": completed,
    }


def _task(
    executor: Executor, agent_id: str, task_id: str, task: dict[str, Any], state: TaskState
) -> dict[str, Any]:
    return {
        "id": task_id,
        "name": task.get("name"),
        "framework_id": executor.framework_id,
        "executor_id": executor.executor_id,
        "slave_id": agent_id,
        "state": state.value,
        "resources": Resources.from_json(task.get("resources", [])).flat(),
    }


def _reported(executor: Executor, task: dict[str, Any], state: TaskState) -> dict[str, Any]:
    return {"framework_id": executor.framework_id, "executor_id": executor.executor_id,
            "task": task, "state": state.value}


def registration_report(agent: Agent) -> dict[str, Any]:
    """What it runs, as it tells the master when it (re-)registers: with the tasks of
    executors gone whose terminal update is not acknowledged yet (a command task that ended
    while the agent was paused), as a Mesos agent reports them, so the master does not take
    them for gone before the update, sent again, arrives."""
    tasks = []
    for executor in agent.executors.values():
        for task_id, task in [*executor.launched.items(), *executor.queued.items()]:
            tasks.append(_reported(executor, task, executor.states[task_id]))
    for executor in agent.completed_executors:
        for task_id, task, state in executor.completed:
            if agent.updates.unacknowledged(executor.framework_id, task_id):
                tasks.append(_reported(executor, task, state))
    executors = [
        {
            "framework_id": e.framework_id,
            "executor_id": e.executor_id,
            "resources": e.info.get("resources", []),
        }
        for e in agent.executors.values()
    ]
    return {"tasks": tasks, "executors": executors}
