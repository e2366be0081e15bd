"""Task reconciliation answers: the master's latest knowledge, never a uuid."""

from __future__ import annotations

from typing import Any

from localmesos.master.agents import AgentRegistry
from localmesos.master.frameworks import Framework, Task
from localmesos.model import TaskState, id_value, make_status


def reconcile(
    framework: Framework, queries: list[Any], agents: AgentRegistry
) -> list[dict[str, Any]]:
    """Implicit (no queries): every live task the master knows (unreachable ones are
    left out, as Mesos does). Explicit: one answer per query."""
    if not queries:
        return [_latest(task) for task in framework.tasks.values()]
    answers = []
    for query in queries:
        task_id = query["task_id"]["value"]
        task = framework.tasks.get(task_id)
        if task is not None:
            answers.append(_latest(task))
        else:
            answers.append(_unknown(framework, task_id, id_value(query.get("agent_id")), agents))
    return answers


def _latest(task: Task) -> dict[str, Any]:
    status = make_status(
        task.id,
        task.state,
        source="SOURCE_MASTER",
        reason="REASON_RECONCILIATION",
        message="Reconciliation: Latest task state",
        agent_id=task.agent_id,
        executor_id=task.executor_id,
    )
    if task.latest is not None and "healthy" in task.latest:
        status["healthy"] = task.latest["healthy"]
    return status


def _unknown(
    framework: Framework, task_id: str, queried_agent: str | None, agents: AgentRegistry
) -> dict[str, Any]:
    """A task the master has no live record of: unreachable, gone from a registered
    agent, or unknown altogether (no agent given, or one never seen)."""
    agent = agents.by_id.get(queried_agent) if queried_agent else None
    aware = framework.partition_aware
    unreachable_time = None
    if agent is not None and not agent.reachable:
        state = TaskState.TASK_UNREACHABLE if aware else TaskState.TASK_LOST
        message = "Reconciliation: Task is unreachable"
        unreachable_time = agent.unreachable_time
    elif agent is not None:
        state = TaskState.TASK_GONE if aware else TaskState.TASK_LOST
        message = "Reconciliation: Task is unknown to the agent"
    else:
        state = TaskState.TASK_UNKNOWN if aware else TaskState.TASK_LOST
        message = "Reconciliation: Task is unknown"
    status = make_status(
        task_id,
        state,
        source="SOURCE_MASTER",
        reason="REASON_RECONCILIATION",
        message=message,
        agent_id=queried_agent,
    )
    if unreachable_time is not None:
        status["unreachable_time"] = {"nanoseconds": int(unreachable_time * 1e9)}
    return status
