"""How the scheduler API reads a call before validating it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from localmesos.master.http import repeated_fields
from localmesos.master.validation import validate_call
from localmesos.model import CallError


def accept_call(task: Any) -> dict[str, Any]:
    launch = {"type": "LAUNCH", "launch": {"task_infos": [task]}}
    return {
        "type": "ACCEPT",
        "framework_id": {"value": "f"},
        "accept": {"offer_ids": [{"value": "o"}], "operations": [launch]},
    }


def test_a_task_with_slave_id_but_no_agent_id_is_refused_as_by_mesos() -> None:
    call = accept_call({"name": "t", "task_id": {"value": "t"}, "slave_id": {"value": "S0"}})
    before = copy.deepcopy(call)
    with pytest.raises(CallError, match="agent_id") as refused:
        validate_call(repeated_fields(call))
    assert refused.value.status == 400
    assert call == before


def test_a_single_object_for_a_repeated_field_is_a_list_of_one() -> None:
    resource = {"name": "cpus", "type": "SCALAR", "scalar": {"value": 1}}
    task = {"name": "t", "task_id": {"value": "t"}, "agent_id": {"value": "S0"}}
    call = {
        "type": "ACCEPT",
        "framework_id": {"value": "f"},
        "accept": {
            "offer_ids": {"value": "o"},
            "operations": {
                "type": "LAUNCH",
                "launch": {"task_infos": {**task, "resources": resource}},
            },
        },
    }
    read = repeated_fields(call)
    assert validate_call(read) == "ACCEPT"
    assert read["accept"]["offer_ids"] == [{"value": "o"}]
    [operation] = read["accept"]["operations"]
    assert operation["launch"]["task_infos"] == [{**task, "resources": [resource]}]


@pytest.mark.parametrize(
    "call",
    [[], {"type": "ACCEPT", "accept": "x"}, accept_call("x"), {"accept": {"operations": ["x"]}}],
)
def test_malformed_calls_are_left_for_validation(call: Any) -> None:
    assert repeated_fields(copy.deepcopy(call)) == call
