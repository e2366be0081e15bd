"""The v1 operator API, `POST /api/v1`: the synchronous GET_* calls and SUBSCRIBE."""

from __future__ import annotations

from typing import Any

from localmesos.master import v1json
from localmesos.master.core import Master
from localmesos.model import MESOS_VERSION, CallError
from localmesos.stream import EventStream, event


def answer(master: Master, call: Any) -> dict[str, Any]:
    """The response to a synchronous call, `{"type": T, "t": {...}}`."""
    kind = call.get("type") if isinstance(call, dict) else None
    views = {
        "GET_HEALTH": lambda: {"healthy": True},
        "GET_VERSION": lambda: {"version_info": version_info()},
        "GET_MASTER": lambda: get_master(master),
        "GET_STATE": lambda: get_state(master),
        "GET_AGENTS": lambda: get_agents(master),
        "GET_FRAMEWORKS": lambda: get_frameworks(master),
        "GET_EXECUTORS": lambda: get_executors(master),
        "GET_TASKS": lambda: get_tasks(master),
    }
    if kind == "UNKNOWN":
        raise CallError(501, "Received an unknown call")
    if kind not in views:
        raise CallError(400, f"Failed to validate master::Call: unsupported type {kind!r}")
    return {"type": kind, kind.lower(): views[kind]()}


def subscribe(master: Master) -> EventStream:
    """SUBSCRIBE: SUBSCRIBED with the whole state, then TASK_ADDED, TASK_UPDATED,
    AGENT_ADDED, AGENT_REMOVED and FRAMEWORK_ADDED as they happen."""
    stream = EventStream(master.heartbeat_seconds)
    stream.send(
        event(
            "SUBSCRIBED",
            get_state=get_state(master),
            heartbeat_interval_seconds=master.heartbeat_seconds,
        )
    )
    master.observers.append(stream)
    return stream


def version_info() -> dict[str, Any]:
    return {"version": MESOS_VERSION, "build_date": "", "build_time": 0, "build_user": "localmesos"}


def get_master(master: Master) -> dict[str, Any]:
    return {
        "master_info": master.info,
        "start_time": master.start_time,
        "elected_time": master.start_time,
    }


def get_state(master: Master) -> dict[str, Any]:
    return {
        "get_tasks": get_tasks(master),
        "get_executors": get_executors(master),
        "get_frameworks": get_frameworks(master),
        "get_agents": get_agents(master),
    }


def get_agents(master: Master) -> dict[str, Any]:
    return {
        "agents": [v1json.agent(a) for a in master.agents.reachable()],
        "recovered_agents": [],
    }


def get_frameworks(master: Master) -> dict[str, Any]:
    agents = master.agents.reachable()
    return {
        "frameworks": [v1json.framework(f, agents) for f in master.frameworks.values()],
        "completed_frameworks": [v1json.framework(f, agents) for f in master.completed_frameworks],
    }


def get_executors(master: Master) -> dict[str, Any]:
    executors = {}
    for framework in master.frameworks.values():
        for task in framework.tasks.values():
            info = task.info.get("executor")
            if isinstance(info, dict):
                executors[(task.agent_id, framework.id, task.executor_id)] = {
                    "executor_info": {**info, "framework_id": {"value": framework.id}},
                    "agent_id": {"value": task.agent_id},
                }
    return {"executors": list(executors.values())}


def get_tasks(master: Master) -> dict[str, Any]:
    frameworks = [*master.frameworks.values(), *master.completed_frameworks]
    return {
        "tasks": [v1json.task(t) for f in frameworks for t in f.tasks.values()],
        "unreachable_tasks": [
            v1json.task(t) for f in frameworks for t in f.unreachable_tasks.values()
        ],
        "completed_tasks": [v1json.task(t) for f in frameworks for t in f.completed_tasks],
    }
