"""HTTP routes of the master and agent (one port): parsing, status codes, event streams."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from aiohttp import web

from localmesos import state
from localmesos.master.master import Master
from localmesos.master.validation import validate_call
from localmesos.model import CallError
from localmesos.stream import EventStream

log = logging.getLogger(__name__)

MASTER = web.AppKey("master", Master)
EXECUTOR_CALLS = {"SUBSCRIBE", "UPDATE", "MESSAGE", "HEARTBEAT"}
# A malformed value deep inside an otherwise valid call (a string where an object
# belongs) surfaces as one of these; it is the caller's fault, so it is a 400.
SHAPE_ERRORS = (KeyError, TypeError, AttributeError, ValueError)


def create_app(master: Master) -> web.Application:
    app = web.Application()
    app[MASTER] = master
    app.router.add_get("/version", _version)
    for path in ("/master/state", "/master/state.json", "/state", "/state.json"):
        app.router.add_get(path, _master_state)
    for path in ("/slave(1)/state", "/slave(1)/state.json"):
        app.router.add_get(path, _agent_state)
    app.router.add_post("/api/v1/scheduler", _scheduler_api)
    app.router.add_post("/api/v1/executor", _executor_api)
    return app


async def _version(request: web.Request) -> web.Response:
    return web.json_response(state.version())


async def _master_state(request: web.Request) -> web.Response:
    return web.json_response(state.master_state(request.app[MASTER]))


async def _agent_state(request: web.Request) -> web.Response:
    return web.json_response(state.agent_state(request.app[MASTER]))


async def _scheduler_api(request: web.Request) -> web.StreamResponse:
    master = request.app[MASTER]
    try:
        call = scheduler_call(await _parse(request))
        kind = validate_call(call)
        if kind == "SUBSCRIBE":
            if "Mesos-Stream-Id" in request.headers:
                raise CallError(400, "Subscribe calls should not include the 'Mesos-Stream-Id'")
            _check_accept(request)
            stream = master.subscribe(call)
            return await _pump(request, stream, master.stream_closed, stream.id)
        master.call(call, request.headers.get("Mesos-Stream-Id"))
    except CallError as error:
        return web.Response(status=error.status, text=error.message)
    except SHAPE_ERRORS as error:
        log.warning("malformed scheduler call: %r", error, exc_info=True)
        return web.Response(status=400, text=f"Failed to process call: {error!r}")
    return web.Response(status=200 if kind == "UPDATE_FRAMEWORK" else 202)


async def _executor_api(request: web.Request) -> web.StreamResponse:
    agent = request.app[MASTER].agent
    try:
        call = await _parse(request)
        kind = call.get("type") if isinstance(call, dict) else None
        if kind == "UNKNOWN":
            raise CallError(501, "Received an unknown call")
        if kind not in EXECUTOR_CALLS:
            raise CallError(400, f"Failed to validate executor::Call: unknown type {kind!r}")
        if kind == "HEARTBEAT":
            return web.Response(status=202)
        executor = agent.executor_for_call(call)
        if kind == "SUBSCRIBE":
            stream = agent.subscribe(executor, call.get("subscribe") or {})
            return await _pump(request, stream, lambda s: agent.stream_closed(executor, s))
        if kind == "UPDATE":
            agent.update(executor, (call.get("update") or {}).get("status"))
        else:
            agent.message(executor, call.get("message"))
    except CallError as error:
        return web.Response(status=error.status, text=error.message)
    except SHAPE_ERRORS as error:
        log.warning("malformed executor call: %r", error, exc_info=True)
        return web.Response(status=400, text=f"Failed to process call: {error!r}")
    return web.Response(status=202)


async def _parse(request: web.Request) -> Any:
    if "Content-Type" not in request.headers:
        raise CallError(400, "Expecting 'Content-Type' to be present")
    if request.content_type == "application/x-protobuf":
        raise CallError(415, "localmesos speaks JSON only; use 'application/json'")
    if request.content_type != "application/json":
        raise CallError(415, f"Unsupported 'Content-Type': {request.content_type}")
    try:
        return json.loads(await request.read())
    except ValueError as error:
        raise CallError(400, f"Failed to parse body into JSON: {error}") from error


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


async def _pump(
    request: web.Request,
    stream: EventStream,
    on_close: Callable[[EventStream], None],
    stream_id: str | None = None,
) -> web.StreamResponse:
    """Serve an event stream: 200, chunked, one RecordIO record per chunk, until closed."""
    response = web.StreamResponse(status=200)
    response.content_type = "application/json"
    if stream_id is not None:
        response.headers["Mesos-Stream-Id"] = stream_id
    response.enable_chunked_encoding()
    try:
        await response.prepare(request)
        await stream.pump(response.write)
    except ConnectionError:
        pass
    finally:
        stream.close()
        on_close(stream)
    return response
