"""What agent loss and return mean for tasks, as Mesos 1.5+ does it.

An unreachable agent's tasks become TASK_UNREACHABLE for PARTITION_AWARE frameworks and
TASK_LOST for the others, and move to the framework's unreachable tasks. An agent that
re-registers reports the tasks it still runs: they are live again (not killed, whatever the
framework was told) and each framework hears their current state with
REASON_AGENT_REREGISTERED; tasks it no longer has are gone.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from localmesos.master.agents import AgentRecord
from localmesos.master.frameworks import Framework, Task
from localmesos.model import TaskState, make_status
from localmesos.resources import Resources
from localmesos.stream import event

Publish = Callable[..., None]


def agent_lost(frameworks: dict[str, Framework], agent: AgentRecord, publish: Publish) -> None:
    """The agent is unreachable: its offers are rescinded and its tasks reported lost."""
    for offer in list(agent.book.offers.values()):
        framework = frameworks.get(offer.framework_id)
        if framework is not None:
            framework.send(event("RESCIND", offer_id={"value": offer.id}))
    agent.book.clear_offers()
    agent.book.used = Resources()
    assert agent.unreachable_time is not None
    nanos = int(agent.unreachable_time * 1e9)
    for framework in frameworks.values():
        _forget_executors(framework, agent.id)
        for task in [t for t in framework.tasks.values() if t.agent_id == agent.id]:
            if task.state.terminal:
                framework.complete(task)
                continue
            state = TaskState.TASK_UNREACHABLE if framework.partition_aware else TaskState.TASK_LOST
            status = _status(task, state, "REASON_AGENT_REMOVED", "health check timed out")
            status["unreachable_time"] = {"nanoseconds": nanos}
            _record(task, status, publish)
            del framework.tasks[task.id]
            framework.unreachable_tasks[task.id] = task
            framework.send(event("UPDATE", status=status))


def agent_back(
    frameworks: dict[str, Framework], agent: AgentRecord, report: dict[str, Any], publish: Publish
) -> list[str]:
    """Re-admit what a (re-)registering agent reports; returns the ids of frameworks it
    still runs tasks for that this master does not know (for it to shut down)."""
    agent.book.used = Resources()
    agent.executors = set()
    unknown: list[str] = []
    for framework in frameworks.values():
        _forget_executors(framework, agent.id)
    for entry in report.get("executors", []):
        owner = frameworks.get(entry["framework_id"])
        if owner is not None:
            resources = Resources.from_json(entry.get("resources", []))
            owner.executors[(agent.id, entry["executor_id"])] = resources
            agent.executors.add((owner.id, entry["executor_id"]))
            agent.book.used = agent.book.used + resources
    reported: set[tuple[str, str]] = set()
    for entry in report.get("tasks", []):
        owner = frameworks.get(entry["framework_id"])
        if owner is None:
            unknown.append(entry["framework_id"])
            continue
        task = _readmit(owner, agent, entry, publish)
        reported.add((owner.id, task.id))
    for framework in frameworks.values():
        _gone(framework, agent.id, reported, publish)
    return sorted(set(unknown))


def _readmit(
    framework: Framework, agent: AgentRecord, entry: dict[str, Any], publish: Publish
) -> Task:
    info = entry["task"]
    task_id = info["task_id"]["value"]
    was_unreachable = task_id in framework.unreachable_tasks
    task = framework.unreachable_tasks.pop(task_id, None) or framework.tasks.get(task_id)
    if task is None:
        resources = Resources.from_json(info.get("resources", []))
        task = Task(info, framework.id, entry["executor_id"], agent.id, resources)
        was_unreachable = True
    framework.tasks[task_id] = task
    task.state = TaskState(entry["state"])
    if not task.state.terminal:
        agent.book.used = agent.book.used + task.resources
    if was_unreachable:
        status = _status(
            task, task.state, "REASON_AGENT_REREGISTERED", "Unreachable agent re-reregistered"
        )
        _record(task, status, publish)
        framework.send(event("UPDATE", status=status))
    return task


def _gone(
    framework: Framework, agent_id: str, reported: set[tuple[str, str]], publish: Publish
) -> None:
    """Tasks on the agent it did not report (it restarted without them) are gone."""
    tasks = [*framework.tasks.values(), *framework.unreachable_tasks.values()]
    for task in tasks:
        if task.agent_id != agent_id or (framework.id, task.id) in reported:
            continue
        if task.state.terminal and task.id in framework.tasks:
            framework.complete(task)  # its unacknowledged update went with the agent
            continue
        state = TaskState.TASK_GONE if framework.partition_aware else TaskState.TASK_LOST
        status = _status(task, state, "REASON_AGENT_REREGISTERED", "Task is gone from the agent")
        _record(task, status, publish)
        framework.unreachable_tasks.pop(task.id, None)
        framework.complete(task)
        framework.send(event("UPDATE", status=status))


def _forget_executors(framework: Framework, agent_id: str) -> None:
    for key in [k for k in framework.executors if k[0] == agent_id]:
        del framework.executors[key]


def _status(task: Task, state: TaskState, reason: str, message: str) -> dict[str, Any]:
    return make_status(
        task.id,
        state,
        source="SOURCE_MASTER",
        reason=reason,
        message=message,
        agent_id=task.agent_id,
        executor_id=task.executor_id,
    )


def _record(task: Task, status: dict[str, Any], publish: Publish) -> None:
    task.state = TaskState(status["state"])
    task.latest = status
    task.statuses.append({"state": status["state"], "timestamp": time.time()})
    publish(
        "TASK_UPDATED",
        framework_id={"value": task.framework_id},
        status=status,
        state=status["state"],
    )
