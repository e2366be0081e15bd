"""Task reconciliation answers: the master's latest knowledge, never a uuid."""

from __future__ import annotations

from typing import Any

from localmesos.master.frameworks import Framework, Task
from localmesos.model import TaskState, id_value, make_status


def reconcile(framework: Framework, queries: list[Any], agent_id: str) -> list[dict[str, Any]]:
    """Implicit (no queries): every task the master knows. Explicit: one answer per query."""
    if not queries:
        return [_latest(task, agent_id) for task in framework.tasks.values()]
    answers = []
    for query in queries:
        task_id = query["task_id"]["value"]
        task = framework.tasks.get(task_id)
        if task is not None:
            answers.append(_latest(task, agent_id))
        else:
            answers.append(_unknown(framework, task_id, id_value(query.get("agent_id")), agent_id))
    return answers


def _latest(task: Task, agent_id: str) -> dict[str, Any]:
    status = make_status(
        task.id,
        task.state,
        source="SOURCE_MASTER",
        reason="REASON_RECONCILIATION",
        message="Reconciliation: Latest task state",
        agent_id=agent_id,
        executor_id=task.executor_id,
    )
    if task.latest is not None and "healthy" in task.latest:
        status["healthy"] = task.latest["healthy"]
    return status


def _unknown(
    framework: Framework, task_id: str, queried_agent: str | None, agent_id: str
) -> dict[str, Any]:
    """A task the master does not know: gone from our agent, or unknown altogether."""
    if queried_agent == agent_id:
        state = TaskState.TASK_GONE if framework.partition_aware else TaskState.TASK_LOST
        message = "Reconciliation: Task is unknown to the agent"
    else:
        state = TaskState.TASK_UNKNOWN if framework.partition_aware else TaskState.TASK_LOST
        message = "Reconciliation: Task is unknown"
    return make_status(
        task_id,
        state,
        source="SOURCE_MASTER",
        reason="REASON_RECONCILIATION",
        message=message,
        agent_id=queried_agent,
    )
