"""The oracle refuses what Mesos's parser refuses, and accepts what it accepts."""

from __future__ import annotations

from tests.protocol.oracle import launch_call as accept
from tests.protocol.oracle import problem

TASK = {
    "name": "t",
    "task_id": {"value": "t"},
    "agent_id": {"value": "S0"},
    "resources": [{"name": "cpus", "type": "SCALAR", "scalar": {"value": 0.1}}],
    "command": {"value": "true"},
}


def test_a_valid_launch_passes_and_unknown_keys_are_skipped() -> None:
    assert problem("scheduler.Call", accept(TASK)) is None
    assert problem("scheduler.Call", accept({**TASK, "slave_id": {"value": "S0"}})) is None


def test_a_task_without_agent_id_is_refused() -> None:
    task = {k: v for k, v in TASK.items() if k != "agent_id"}
    assert "agent_id" in (problem("scheduler.Call", accept(task)) or "")


def test_wrong_types_and_enum_values_are_refused() -> None:
    assert problem("scheduler.Call", {"type": "NO_SUCH_CALL"}) is not None
    assert problem("scheduler.Event", {"type": "UPDATE", "update": {"status": "x"}}) is not None
    status = {"task_id": {"value": "t"}, "state": "TASK_RUNNING", "uuid": "not base64!"}
    assert problem("executor.Call", {"type": "UPDATE", "update": {"status": status}}) is not None
