"""HTTP routes of the master: parsing, status codes, event streams, the agents' link."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from localmesos.master import agent_upstream, state
from localmesos.master.core import Master
from localmesos.master.validation import validate_call
from localmesos.model import CallError
from localmesos.web import SHAPE_ERRORS, parse_call, pump

log = logging.getLogger(__name__)

MASTER = web.AppKey("master", Master)


def create_app(master: Master) -> web.Application:
    app = web.Application()
    app[MASTER] = master
    app.router.add_get("/version", _version)
    for path in ("/master/state", "/master/state.json", "/state", "/state.json"):
        app.router.add_get(path, _master_state)
    app.router.add_post("/api/v1/scheduler", _scheduler_api)
    app.router.add_post("/internal/agent/subscribe", _agent_subscribe)
    app.router.add_post("/internal/agent/upstream", _agent_upstream)
    return app


async def _version(request: web.Request) -> web.Response:
    return web.json_response(state.version())


async def _master_state(request: web.Request) -> web.Response:
    return web.json_response(state.master_state(request.app[MASTER]))


async def _scheduler_api(request: web.Request) -> web.StreamResponse:
    master = request.app[MASTER]
    try:
        call = scheduler_call(await parse_call(request))
        kind = validate_call(call)
        if kind == "SUBSCRIBE":
            if "Mesos-Stream-Id" in request.headers:
                raise CallError(400, "Subscribe calls should not include the 'Mesos-Stream-Id'")
            _check_accept(request)
            stream = master.subscribe(call)
            return await pump(request, stream, master.stream_closed, stream.id)
        master.call(call, request.headers.get("Mesos-Stream-Id"))
    except CallError as error:
        return web.Response(status=error.status, text=error.message)
    except SHAPE_ERRORS as error:
        log.warning("malformed scheduler call: %r", error, exc_info=True)
        return web.Response(status=400, text=f"Failed to process call: {error!r}")
    return web.Response(status=200 if kind == "UPDATE_FRAMEWORK" else 202)


async def _agent_subscribe(request: web.Request) -> web.StreamResponse:
    """An agent process (re-)registers; the response streams the master's commands."""
    master = request.app[MASTER]
    agent, link = master.register_agent(await request.json())
    return await pump(request, link, lambda s: master.agents.link_closed(agent, s))


async def _agent_upstream(request: web.Request) -> web.Response:
    """A batch of an agent's reports, in the order it made them."""
    master = request.app[MASTER]
    body = await request.json()
    agent = master.agents.by_id.get(body.get("agent_id"))
    if agent is None or not agent.connected:
        return web.Response(status=409, text="Agent is not registered")
    for message in body["messages"]:
        agent_upstream.apply(master, agent, message)
    return web.Response(status=202)


def scheduler_call(call: Any) -> Any:
    """The scheduler call as the master reads it: a launched task's agent id spelt
    `slave_id` (as mesoshttp sends it) becomes `agent_id`. Malformed shapes are left as
    they are for validation to refuse."""
    accept = call.get("accept") if isinstance(call, dict) else None
    operations = accept.get("operations") if isinstance(accept, dict) else None
    for operation in operations if isinstance(operations, list) else []:
        launch = operation.get("launch") if isinstance(operation, dict) else None
        tasks = launch.get("task_infos") if isinstance(launch, dict) else None
        for task in tasks if isinstance(tasks, list) else []:
            if isinstance(task, dict) and "agent_id" not in task and "slave_id" in task:
                task["agent_id"] = task.pop("slave_id")
    return call


def _check_accept(request: web.Request) -> None:
    accept = request.headers.get("Accept", "*/*")
    if not any(t in accept for t in ("application/json", "*/*", "application/*")):
        raise CallError(406, "Expecting 'Accept' to allow 'application/json'")
