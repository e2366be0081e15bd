"""App TaskInfos built for a placement, each checked as Apache Mesos parses a LAUNCH."""

from __future__ import annotations

from typing import Any

from scheduler.apps.task_info import build_task_info, task_request_for
from scheduler.apps.validation import parse_app
from scheduler.launch.task_request import Placement
from tests.protocol.oracle import task_problem

TASK_ID = "prod_web.instance-1._app.1"
VERSION = "2023-11-14T22:13:20.000Z"


def build(data: dict[str, Any], ports: tuple[int, ...] = (31000,)) -> dict[str, Any]:
    """The TaskInfo of `/prod/web` (cmd `serve` unless `data` says otherwise) on node1."""
    app = parse_app({"id": "/prod/web", "cmd": "serve", **data})
    placement = Placement(
        request=task_request_for(app, TASK_ID),
        offer_id="offer-1",
        agent_id="agent-1",
        hostname="node1.example",
        ports=ports,
    )
    task = build_task_info(app, TASK_ID, placement, VERSION)
    assert task_problem(task) is None, task_problem(task)
    return task


def env_of(task: dict[str, Any]) -> dict[str, str]:
    return {v["name"]: v["value"] for v in task["command"]["environment"]["variables"]}
