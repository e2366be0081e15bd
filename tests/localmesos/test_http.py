"""How the scheduler API reads a call before validating it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from localmesos.http import scheduler_call
from localmesos.master.validation import validate_call
from localmesos.model import CallError


def accept_call(task: Any) -> dict[str, Any]:
    launch = {"type": "LAUNCH", "launch": {"task_infos": [task]}}
    return {
        "type": "ACCEPT",
        "framework_id": {"value": "f"},
        "accept": {"offer_ids": [{"value": "o"}], "operations": [launch]},
    }


def mesoshttp_task() -> dict[str, Any]:
    return {"name": "t", "task_id": {"value": "t"}, "slave_id": {"value": "S0"}}


def test_slave_id_of_a_launched_task_is_read_as_its_agent_id() -> None:
    call = scheduler_call(accept_call(mesoshttp_task()))
    [task] = call["accept"]["operations"][0]["launch"]["task_infos"]
    assert task == {"name": "t", "task_id": {"value": "t"}, "agent_id": {"value": "S0"}}
    assert validate_call(call) == "ACCEPT"


def test_validation_changes_nothing_in_the_call() -> None:
    call = accept_call(mesoshttp_task())
    before = copy.deepcopy(call)
    with pytest.raises(CallError, match="agent_id"):
        validate_call(call)
    assert call == before


@pytest.mark.parametrize(
    "call",
    [[], {"type": "ACCEPT", "accept": "x"}, accept_call("x"), {"accept": {"operations": ["x"]}}],
)
def test_malformed_calls_are_left_for_validation(call: Any) -> None:
    assert scheduler_call(copy.deepcopy(call)) == call
