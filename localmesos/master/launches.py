"""ACCEPT and its LAUNCH operations: offers taken, tasks validated, handed to the agent."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Protocol

from localmesos.master import v1json, validation
from localmesos.master.agents import AgentRecord, AgentRegistry
from localmesos.master.allocator import Allocator
from localmesos.master.frameworks import Framework, Task
from localmesos.master.offers import Offer, refuse_seconds
from localmesos.model import TaskState, id_value, make_status
from localmesos.resources import Resources
from localmesos.stream import EventStream, event


class Master(Protocol):
    """What of the master a launch uses."""

    agents: AgentRegistry
    allocator: Allocator
    observers: list[EventStream]

    def publish(self, kind: str, **body: Any) -> None: ...

log = logging.getLogger(__name__)


def accept(master: Master, framework: Framework, body: dict[str, Any]) -> None:
    """ACCEPT: the offers (all on one agent) are used; LAUNCH operations start tasks."""
    offer_ids = [id_value(o) for o in body.get("offer_ids", [])]
    operations = body.get("operations", [])
    agent = _agent_of_offer(master, offer_ids[0] if offer_ids else None)
    offers: list[Offer] = []
    error = f"Offer {offer_ids[0]} is no longer valid" if offer_ids else "No offers specified"
    if agent is not None:
        offers, error = agent.book.take(framework.id, offer_ids)
    if agent is None or error:
        _reject_launches(framework, operations, error)
        master.allocator.request()
        return
    pool = Resources()
    for offer in offers:
        pool = pool + offer.resources
    for operation in operations:
        if operation["type"] == "LAUNCH":
            for task in operation.get("launch", {}).get("task_infos", []):
                pool = _launch(master, framework, agent, task, pool)
        elif operation["type"] == "LAUNCH_GROUP":
            for task in operation.get("launch_group", {}).get("task_group", {}).get("tasks", []):
                _task_error(
                    framework,
                    agent.id,
                    task,
                    "LAUNCH_GROUP is not supported here",
                    "REASON_TASK_GROUP_INVALID",
                )
        else:
            log.warning(
                "framework %s: operation %s is not supported; ignored",
                framework.id,
                operation["type"],
            )
    now = asyncio.get_running_loop().time()
    agent.book.refuse(framework.id, pool, refuse_seconds(body.get("filters")), now)
    master.allocator.request()


def _agent_of_offer(master: Master, offer_id: str | None) -> AgentRecord | None:
    return master.agents.of_offer(offer_id)


def _reject_launches(framework: Framework, operations: list[Any], error: str) -> None:
    state = TaskState.TASK_DROPPED if framework.partition_aware else TaskState.TASK_LOST
    for operation in operations:
        for task in operation.get("launch", {}).get("task_infos", []):
            framework.send(
                event(
                    "UPDATE",
                    status=make_status(
                        task["task_id"]["value"],
                        state,
                        source="SOURCE_MASTER",
                        reason="REASON_INVALID_OFFERS",
                        message=error,
                    ),
                )
            )


def _launch(
    master: Master, framework: Framework, agent: AgentRecord, task: dict[str, Any], pool: Resources
) -> Resources:
    """Validate and start one task; returns what is left of the offered pool."""
    error = validation.task_error(task, framework, agent.id, pool)
    if error is not None:
        _task_error(framework, agent.id, task, error, "REASON_TASK_INVALID")
        return pool
    task_resources = Resources.from_json(task.get("resources", []))
    resources = task_resources
    executor = task.get("executor")
    executor_id = executor["executor_id"]["value"] if executor else task["task_id"]["value"]
    new_executor = (framework.id, executor_id) not in agent.executors
    if new_executor and executor:
        resources = resources + Resources.from_json(executor.get("resources", []))
    if not pool.contains(resources):
        _task_error(
            framework,
            agent.id,
            task,
            "Task and its executor need more resources than offered",
            "REASON_TASK_INVALID",
        )
        return pool
    if new_executor:
        agent.executors.add((framework.id, executor_id))
        framework.executors[(agent.id, executor_id)] = resources - task_resources
    record = Task(task, framework.id, executor_id, agent.id, task_resources)
    record.statuses.append({"state": record.state.value, "timestamp": time.time()})
    framework.tasks[record.id] = record
    if master.observers:
        master.publish("TASK_ADDED", task=v1json.task(record))
    agent.book.used = agent.book.used + resources
    agent.send("LAUNCH", framework_info=framework.info, task=task)
    return pool - resources


def _task_error(framework: Framework, agent_id: str, task: Any, message: str, reason: str) -> None:
    task_id = id_value(task.get("task_id")) if isinstance(task, dict) else None
    framework.send(
        event(
            "UPDATE",
            status=make_status(
                task_id or "",
                TaskState.TASK_ERROR,
                source="SOURCE_MASTER",
                reason=reason,
                message=message,
                agent_id=agent_id,
            ),
        )
    )
