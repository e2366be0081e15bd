"""HTTP routes of the master: parsing, status codes, event streams, the agents' link."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from localmesos import wirelog
from localmesos.master import agent_upstream, endpoints, operator
from localmesos.master.core import Master
from localmesos.master.validation import validate_call
from localmesos.model import CallError
from localmesos.stream import EventStream
from localmesos.web import CALL_ERRORS, failed_call, parse_call, pump

MASTER = web.AppKey("master", Master)

# aiohttp refuses bodies over 1 MiB with 413 by default; a Mesos master has no such cap. An
# agent re-registering with 1,000 tasks sends more than that (each task's whole TaskInfo),
# and a refused registration would leave every one of them LOST.
MAX_BODY_BYTES = 256 * 1024 * 1024


def create_app(master: Master) -> web.Application:
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    app[MASTER] = master
    endpoints.add_routes(app, MASTER)
    app.router.add_post("/api/v1/scheduler", _scheduler_api)
    # libprocess hands a path to its longest registered prefix: pymesos' operator client
    # posts to /api/v1/operator, which a Mesos master serves as /api/v1.
    for path in ("/api/v1", "/api/v1/", "/api/v1/{tail:(?!scheduler$).*}"):
        app.router.add_post(path, _operator_api)
    app.router.add_post("/internal/agent/subscribe", _agent_subscribe)
    app.router.add_post("/internal/agent/upstream", _agent_upstream)
    return app


async def _scheduler_api(request: web.Request) -> web.StreamResponse:
    master = request.app[MASTER]
    try:
        call = repeated_fields(await parse_call(request))
        kind = validate_call(call)
        if kind == "SUBSCRIBE":
            if "Mesos-Stream-Id" in request.headers:
                raise CallError(400, "Subscribe calls should not include the 'Mesos-Stream-Id'")
            _check_accept(request)
            stream = master.subscribe(call)
            wirelog.record("scheduler.Call", call)
            return await pump(request, stream, master.stream_closed, stream.id)
        master.call(call, request.headers.get("Mesos-Stream-Id"))
        wirelog.record("scheduler.Call", call)
    except CALL_ERRORS as error:
        return failed_call(error, "scheduler")
    return web.Response(status=200 if kind == "UPDATE_FRAMEWORK" else 202)


async def _operator_api(request: web.Request) -> web.StreamResponse:
    master = request.app[MASTER]
    try:
        call = await parse_call(request)
        if isinstance(call, dict) and call.get("type") == "SUBSCRIBE":
            _check_accept(request)
            return await pump(request, operator.subscribe(master), lambda s: None)
        return web.json_response(operator.answer(master, call))
    except CallError as error:
        return web.Response(status=error.status, text=error.message)


async def _agent_subscribe(request: web.Request) -> web.StreamResponse:
    """An agent process (re-)registers; the response streams the master's commands."""
    master = request.app[MASTER]
    agent, link = master.register_agent(await request.json())
    assert isinstance(link, EventStream)
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


# The repeated fields of scheduler calls, by call body: stout's JSON parser takes a single
# object for a repeated field as a list of one, and so does this master.
REPEATED = {
    "accept": ("offer_ids", "operations"),
    "decline": ("offer_ids",),
    "reconcile": ("tasks",),
    "revive": ("roles",),
    "suppress": ("roles",),
}
REPEATED_IN_TASK = ("resources",)


def _as_list(holder: Any, key: str) -> None:
    if isinstance(holder, dict) and isinstance(holder.get(key), dict):
        holder[key] = [holder[key]]


def repeated_fields(call: Any) -> Any:
    """The call with each single object given for a repeated field made a list of one;
    anything malformed is left as it is for validation to refuse."""
    if not isinstance(call, dict):
        return call
    for body_key, keys in REPEATED.items():
        for key in keys:
            _as_list(call.get(body_key), key)
    accept = call.get("accept")
    operations = accept.get("operations") if isinstance(accept, dict) else None
    for operation in operations if isinstance(operations, list) else []:
        launch = operation.get("launch") if isinstance(operation, dict) else None
        _as_list(launch, "task_infos")
        tasks = launch.get("task_infos") if isinstance(launch, dict) else None
        for task in tasks if isinstance(tasks, list) else []:
            for key in REPEATED_IN_TASK:
                _as_list(task, key)
    return call


def _check_accept(request: web.Request) -> None:
    accept = request.headers.get("Accept", "*/*")
    if not any(t in accept for t in ("application/json", "*/*", "application/*")):
        raise CallError(406, "Expecting 'Accept' to allow 'application/json'")
