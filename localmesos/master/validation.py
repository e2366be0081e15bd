"""What a real master refuses: malformed calls (HTTP 400) and invalid tasks (TASK_ERROR)."""

from __future__ import annotations

from typing import Any

from localmesos.master.frameworks import Framework
from localmesos.model import CallError, id_value
from localmesos.resources import ResourceError, Resources

CALL_TYPES = {
    "SUBSCRIBE", "TEARDOWN", "ACCEPT", "DECLINE", "REVIVE", "KILL", "SHUTDOWN", "ACKNOWLEDGE",
    "RECONCILE", "MESSAGE", "REQUEST", "SUPPRESS", "ACCEPT_INVERSE_OFFERS",
    "DECLINE_INVERSE_OFFERS", "ACKNOWLEDGE_OPERATION_STATUS", "RECONCILE_OPERATIONS",
    "UPDATE_FRAMEWORK",
}  # fmt: skip
# Calls whose sub-message must be present, and the id fields it requires.
REQUIRED = {
    "SUBSCRIBE": ("framework_info",),
    "ACCEPT": (),
    "DECLINE": (),
    "KILL": ("task_id",),
    "SHUTDOWN": ("executor_id", "agent_id"),
    "ACKNOWLEDGE": ("agent_id", "task_id"),
    "RECONCILE": (),
    "MESSAGE": ("agent_id", "executor_id"),
    "REQUEST": (),
    "ACCEPT_INVERSE_OFFERS": (),
    "DECLINE_INVERSE_OFFERS": (),
    "ACKNOWLEDGE_OPERATION_STATUS": (),
    "RECONCILE_OPERATIONS": (),
    "UPDATE_FRAMEWORK": ("framework_info",),
}
MAX_TASK_ID_LENGTH = 255


def validate_call(call: Any) -> str:
    """Check a scheduler Call's envelope; returns its type or raises CallError(400/501)."""
    if not isinstance(call, dict):
        raise CallError(400, "Failed to convert JSON into Call protobuf: not a JSON object")
    kind = call.get("type")
    if kind == "UNKNOWN":
        raise CallError(501, "Received an unknown call")
    if kind not in CALL_TYPES:
        raise CallError(400, f"Failed to validate scheduler::Call: unknown type {kind!r}")
    if kind != "SUBSCRIBE" and id_value(call.get("framework_id")) is None:
        raise CallError(400, "Failed to validate scheduler::Call: Expecting 'framework_id'")
    field = kind.lower()
    body = call.get(field)
    if body is None and kind in REQUIRED:
        raise CallError(400, f"Failed to validate scheduler::Call: Expecting '{field}'")
    if body is not None and not isinstance(body, dict):
        raise CallError(400, f"Failed to convert JSON into Call protobuf: '{field}' not an object")
    for name in REQUIRED.get(kind, ()):
        if not isinstance(body, dict) or not isinstance(body.get(name), dict) or not body[name]:
            raise CallError(400, f"Missing required fields: {field}.{name}")
    for key in ("offer_ids", "operations", "tasks", "roles"):
        if body is not None and not isinstance(body.get(key, []), list):
            raise CallError(400, f"Failed to convert JSON into Call protobuf: {field}.{key}")
    if kind == "ACCEPT":
        _validate_operations(call["accept"].get("operations", []))
    if kind == "RECONCILE":
        tasks = call["reconcile"].get("tasks", [])
        if any(not isinstance(t, dict) or id_value(t.get("task_id")) is None for t in tasks):
            raise CallError(400, "Missing required fields: reconcile.tasks[].task_id")
    return str(kind)


def _validate_operations(operations: list[Any]) -> None:
    for n, operation in enumerate(operations):
        if not isinstance(operation, dict) or not isinstance(operation.get("type"), str):
            raise CallError(400, f"Missing required fields: accept.operations[{n}].type")
        if operation["type"] != "LAUNCH":
            continue
        tasks = operation.get("launch", {}).get("task_infos", [])
        if not isinstance(tasks, list):
            raise CallError(400, "launch.task_infos must be an array")
        for t, task in enumerate(tasks):
            missing = [
                f
                for f in ("name", "task_id", "agent_id")
                if not isinstance(task, dict) or task.get(f) in (None, "", {})
            ]
            if missing:
                raise CallError(400, f"Missing required fields: task_infos[{t}].{missing[0]}")


def task_error(
    task: dict[str, Any], framework: Framework, agent_id: str, pool: Resources
) -> str | None:
    """Why the master would answer this TaskInfo with TASK_ERROR, or None if valid."""
    task_id = id_value(task.get("task_id"))
    if task_id is None or not _valid_id(task_id):
        return "TaskID is invalid: it needs 1-255 characters, no '/', '\\' or control characters"
    if task_id in framework.tasks:
        return f"Task has duplicate ID: {task_id}"
    if id_value(task.get("agent_id")) != agent_id:
        return f"Task uses invalid agent: {id_value(task.get('agent_id'))}"
    if ("command" in task) == ("executor" in task):
        return "Task should have at least one (but not both) of CommandInfo or ExecutorInfo present"
    executor = task.get("executor")
    if executor is not None:
        error = _executor_error(executor, framework)
        if error:
            return error
    try:
        resources = Resources.from_json(task.get("resources", []))
        if isinstance(executor, dict):
            Resources.from_json(executor.get("resources", []))
    except ResourceError as error:
        return f"Task uses invalid resources: {error}"
    if resources.is_empty():
        return "Task uses no resources"
    if _negative_duration(task.get("kill_policy", {}).get("grace_period")):
        return "Task's 'kill_policy.grace_period' must be non-negative"
    if not pool.contains(resources):
        return f"Task uses more resources {resources.flat()} than available {pool.flat()}"
    return None


def _executor_error(executor: Any, framework: Framework) -> str | None:
    if not isinstance(executor, dict) or id_value(executor.get("executor_id")) is None:
        return "ExecutorInfo needs an executor_id"
    if not _valid_id(executor["executor_id"]["value"]):
        return "ExecutorID is invalid"
    if executor.get("framework_id") not in (None, {"value": framework.id}):
        return "ExecutorInfo has an invalid FrameworkID"
    if executor.get("type", "CUSTOM") != "CUSTOM":
        return f"Executor type {executor.get('type')} needs LAUNCH_GROUP"
    if not isinstance(executor.get("command"), dict):
        return "ExecutorInfo of type CUSTOM needs a command"
    return None


def _negative_duration(raw: Any) -> bool:
    """True for a DurationInfo whose nanoseconds (a number or, as JSON int64, a string) < 0."""
    try:
        return int(raw["nanoseconds"]) < 0
    except (KeyError, TypeError, ValueError):
        return False


def _valid_id(value: str) -> bool:
    return (
        0 < len(value) <= MAX_TASK_ID_LENGTH
        and value not in (".", "..")
        and not any(c in "/\\" or ord(c) < 32 or ord(c) == 127 for c in value)
    )
