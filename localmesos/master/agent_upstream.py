"""What an agent reports to the master: status updates, executor messages and exits,
answers to pings."""

from __future__ import annotations

from typing import Any

from localmesos.master.agents import AgentRecord
from localmesos.master.core import Master
from localmesos.model import TaskState
from localmesos.resources import Resources
from localmesos.stream import event


def apply(master: Master, agent: AgentRecord, message: dict[str, Any]) -> None:
    kind = message["type"]
    if kind == "PONG":
        master.agents.pong(agent)
    elif kind == "STATUS_CHANGED":
        _status_changed(master, agent, message["framework_id"], message["status"])
    elif kind == "DELIVER":
        framework = master.frameworks.get(message["framework_id"])
        if framework is not None:
            framework.send(event("UPDATE", status=message["status"]))
    elif kind == "EXECUTOR_MESSAGE":
        framework = master.frameworks.get(message["framework_id"])
        if framework is not None:
            framework.send(
                event(
                    "MESSAGE",
                    agent_id={"value": agent.id},
                    executor_id={"value": message["executor_id"]},
                    data=message["data"],
                )
            )
    elif kind == "EXECUTOR_EXITED":
        _executor_exited(master, agent, message)
    else:
        raise ValueError(f"unknown agent message {kind!r}")


def _status_changed(
    master: Master, agent: AgentRecord, framework_id: str, status: dict[str, Any]
) -> None:
    """A new update the agent accepted: the master's record of the task follows it."""
    framework = master.frameworks.get(framework_id)
    task = framework.tasks.get(status["task_id"]["value"]) if framework else None
    if task is None or task.agent_id != agent.id:
        return
    was_terminal = task.state.terminal
    task.state = TaskState(status["state"])
    task.latest = status
    task.statuses.append({k: status[k] for k in ("state", "timestamp", "healthy") if k in status})
    master.publish(
        "TASK_UPDATED", framework_id={"value": framework_id}, status=status, state=status["state"]
    )
    if task.state.terminal and not was_terminal:
        agent.book.used = agent.book.used - task.resources
        master.allocator.request()


def _executor_exited(master: Master, agent: AgentRecord, message: dict[str, Any]) -> None:
    framework_id, executor_id = message["framework_id"], message["executor_id"]
    agent.executors.discard((framework_id, executor_id))
    framework = master.frameworks.get(framework_id)
    if framework is None:
        return
    freed = framework.executors.pop((agent.id, executor_id), Resources())
    agent.book.used = agent.book.used - freed
    if message["custom"]:
        framework.send(
            event(
                "FAILURE",
                agent_id={"value": agent.id},
                executor_id={"value": executor_id},
                status=message["wait_status"],
            )
        )
    master.allocator.request()
