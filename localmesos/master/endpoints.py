"""The master's read-only JSON endpoints, under `/master/` and unprefixed, as tools read
them: state, state-summary, slaves, frameworks, tasks, health, version.

libprocess hands a path to its longest registered prefix, so `/master/state/`,
`/master/state/x` (and `/master/state.json`) reach the same handler; and
every one answers `?jsonp=callback` with a JavaScript call.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from localmesos.master import state
from localmesos.master.core import Master

View = Callable[[Master, web.Request], Any]
DEFAULT_TASKS_LIMIT = 100


def add_routes(app: web.Application, master_key: web.AppKey[Master]) -> None:
    views: dict[str, View] = {
        "state": lambda m, r: state.master_state(m),
        "state-summary": lambda m, r: state.state_summary(m),
        "slaves": _slaves,
        "frameworks": _frameworks,
        "tasks": _tasks,
    }
    metrics = _json_handler(master_key, _metrics)
    for path in ("/metrics/snapshot", "/metrics/snapshot/"):
        app.router.add_get(path, metrics)
    for name, view in views.items():
        handler = _json_handler(master_key, view)
        for prefix in ("/master/", "/"):
            for suffix in ("", ".json", "/", "/{tail:.*}"):
                app.router.add_get(f"{prefix}{name}{suffix}", handler)
    version = _json_handler(master_key, lambda m, r: state.version())
    for path in ("/version", "/version/", "/master/version"):
        app.router.add_get(path, version)
    for path in ("/health", "/master/health", "/master/health/"):
        app.router.add_get(path, _health)


def _json_handler(
    master_key: web.AppKey[Master], view: View
) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handler(request: web.Request) -> web.Response:
        body = view(request.app[master_key], request)
        callback = request.query.get("jsonp")
        if callback:
            text = f"{callback}({json.dumps(body)});"
            return web.Response(text=text, content_type="text/javascript")
        return web.json_response(body)

    return handler


async def _health(request: web.Request) -> web.Response:
    return web.Response(status=200)


def _metrics(master: Master, request: web.Request) -> dict[str, float]:
    """A few of a Mesos master's metrics, under their names."""
    live = [t for f in master.frameworks.values() for t in f.tasks.values()]
    unreachable = sum(len(f.unreachable_tasks) for f in master.frameworks.values())
    return {
        "master/elected": 1.0,
        "master/slaves_active": float(len(master.agents.reachable())),
        "master/slaves_unreachable": float(len(master.agents.unreachable())),
        "master/frameworks_active": float(sum(f.connected for f in master.frameworks.values())),
        "master/tasks_running": float(sum(t.state.value == "TASK_RUNNING" for t in live)),
        "master/tasks_staging": float(sum(t.state.value == "TASK_STAGING" for t in live)),
        "master/tasks_unreachable": float(unreachable),
    }


def _slaves(master: Master, request: web.Request) -> dict[str, Any]:
    wanted = request.query.get("slave_id")
    slaves = [state.agent_summary(a) for a in master.agents.reachable()]
    return {
        "slaves": [s for s in slaves if wanted in (None, s["id"])],
        "recovered_slaves": [],
    }


def _frameworks(master: Master, request: web.Request) -> dict[str, Any]:
    wanted = request.query.get("framework_id")
    return {
        "frameworks": [
            state.framework_json(master, f)
            for f in master.frameworks.values()
            if wanted in (None, f.id)
        ],
        "completed_frameworks": [
            state.framework_json(master, f)
            for f in master.completed_frameworks
            if wanted in (None, f.id)
        ],
        "unregistered_frameworks": [],
    }


def _tasks(master: Master, request: web.Request) -> dict[str, Any]:
    """`/tasks?limit=&offset=&order=asc|des&framework_id=&task_id=`."""
    try:
        limit = int(request.query.get("limit", DEFAULT_TASKS_LIMIT))
        offset = int(request.query.get("offset", 0))
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"Invalid limit or offset: {error}") from error
    framework_id, task_id = request.query.get("framework_id"), request.query.get("task_id")
    tasks = [
        state.task_json(task)
        for framework in [*master.frameworks.values(), *master.completed_frameworks]
        if framework_id in (None, framework.id)
        for task in state.all_tasks(framework)
        if task_id in (None, task.id)
    ]
    if request.query.get("order", "des") == "des":
        tasks.reverse()
    return {"tasks": tasks[offset : offset + max(limit, 0)]}
