"""The events Marathon publishes when an app's task changes state."""

from __future__ import annotations

from scheduler.apps import pathid
from scheduler.base.events import EventBus
from scheduler.launch.tasks import TaskRecord


def publish_status(events: EventBus, now: float, record: TaskRecord) -> None:
    """`status_update_event` and `instance_changed_event` for the task's new state."""
    events.publish(
        "status_update_event", now, slaveId=record.agent_id, taskId=record.task_id,
        taskStatus=record.state, message=record.message, appId=record.run_spec_id,
        host=record.hostname, ipAddresses=[], ports=list(record.ports),
        version=record.version,
    )
    events.publish(
        "instance_changed_event", now, instanceId=pathid.instance_id_of(record.task_id),
        condition=_condition(record), runSpecId=record.run_spec_id,
        agentId=record.agent_id, host=record.hostname, runSpecVersion=record.version,
    )


def _condition(record: TaskRecord) -> str:
    """Marathon's instance condition for the task's Mesos state."""
    if record.inactive:
        return "UnreachableInactive"
    name = record.state.removeprefix("TASK_").lower()
    return "".join(part.capitalize() for part in name.split("_"))
