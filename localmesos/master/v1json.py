"""Master records in the v1 operator API's shapes (master.proto): ids as `{"value"}`,
resources as Resource lists, times as `{"nanoseconds"}`."""

from __future__ import annotations

from typing import Any

from localmesos.master.agents import AgentRecord
from localmesos.master.frameworks import Framework, Task
from localmesos.model import MESOS_VERSION
from localmesos.resources import Resources

TASK_FIELDS = ("labels", "discovery", "container", "health_check", "kill_policy")


def nanos(seconds: float) -> dict[str, int]:
    return {"nanoseconds": int(seconds * 1e9)}


def task(record: Task) -> dict[str, Any]:
    statuses = [
        {
            "task_id": {"value": record.id},
            "state": s["state"],
            "timestamp": s["timestamp"],
            "agent_id": {"value": record.agent_id},
            **({"healthy": s["healthy"]} if "healthy" in s else {}),
        }
        for s in record.statuses
    ]
    entry: dict[str, Any] = {
        "name": record.info.get("name", ""),
        "task_id": {"value": record.id},
        "framework_id": {"value": record.framework_id},
        "agent_id": {"value": record.agent_id},
        "state": record.state.value,
        "resources": record.resources.to_json(),
        "statuses": statuses,
    }
    if "executor" in record.info:
        entry["executor_id"] = {"value": record.executor_id}
    entry.update({k: record.info[k] for k in TASK_FIELDS if k in record.info})
    return entry


def agent(record: AgentRecord) -> dict[str, Any]:
    book = record.book
    entry: dict[str, Any] = {
        "agent_info": record.info(),
        "active": record.connected,
        "deactivated": False,
        "version": MESOS_VERSION,
        "pid": record.pid,
        "registered_time": nanos(record.registered_time),
        "total_resources": book.total.to_json(),
        "allocated_resources": book.used.to_json(),
        "offered_resources": book.offered().to_json(),
        "capabilities": [{"type": "MULTI_ROLE"}, {"type": "HIERARCHICAL_ROLE"}],
    }
    if record.reregistered_time is not None:
        entry["reregistered_time"] = nanos(record.reregistered_time)
    return entry


def framework(record: Framework, agents: list[AgentRecord]) -> dict[str, Any]:
    offers, offered = [], Resources()
    for owner in agents:
        for offer in owner.book.offers.values():
            if offer.framework_id == record.id:
                offered = offered + offer.resources
                offers.append(
                    {
                        "id": {"value": offer.id},
                        "framework_id": {"value": record.id},
                        "agent_id": {"value": owner.id},
                        "hostname": owner.hostname,
                        "resources": offer.resources.to_json(),
                    }
                )
    return {
        "framework_info": record.info,
        "active": record.connected,
        "connected": record.connected,
        "recovered": False,
        "registered_time": nanos(record.registered_time),
        "offers": offers,
        "inverse_offers": [],
        "allocated_resources": record.used_resources().to_json(),
        "offered_resources": offered.to_json(),
    }
