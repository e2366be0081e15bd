"""HTTP routes of an agent: the executor API, its state, health and sandbox files."""

from __future__ import annotations

import time

from aiohttp import web

from localmesos import wirelog
from localmesos.agent import files, monitor
from localmesos.agent.core import Agent
from localmesos.agent.link import MasterLink
from localmesos.agent.state import agent_state
from localmesos.model import CallError
from localmesos.web import CALL_ERRORS, failed_call, parse_call, pump

LINK = web.AppKey("link", MasterLink)
STARTED = web.AppKey("started", float)
EXECUTOR_CALLS = {"SUBSCRIBE", "UPDATE", "MESSAGE", "HEARTBEAT"}


def create_app(link: MasterLink) -> web.Application:
    app = web.Application()
    app[LINK] = link
    app[STARTED] = time.time()
    for path in ("/state", "/state.json", "/slave(1)/state", "/slave(1)/state.json"):
        app.router.add_get(path, _state)
    app.router.add_get("/health", _health)
    app.router.add_get("/monitor/statistics", _statistics)
    app.router.add_get("/monitor/statistics.json", _statistics)
    app.router.add_get("/metrics/snapshot", _metrics)
    app.router.add_post("/api/v1/executor", _executor_api)
    files.add_routes(app, lambda request: _agent(request).config.work_dir)
    return app


def _agent(request: web.Request) -> Agent:
    agent = request.app[LINK].agent
    if agent is None:
        raise web.HTTPServiceUnavailable(text="Agent has not registered yet")
    return agent


async def _state(request: web.Request) -> web.Response:
    link = request.app[LINK]
    master = link.url.removeprefix("http://")
    return web.json_response(agent_state(_agent(request), master, request.app[STARTED]))


async def _statistics(request: web.Request) -> web.Response:
    return web.json_response(monitor.statistics(_agent(request)))


async def _metrics(request: web.Request) -> web.Response:
    return web.json_response(monitor.metrics(_agent(request)))


async def _health(request: web.Request) -> web.Response:
    return web.Response(status=200)


async def _executor_api(request: web.Request) -> web.StreamResponse:
    agent = _agent(request)
    try:
        call = await parse_call(request)
        kind = call.get("type") if isinstance(call, dict) else None
        if kind == "UNKNOWN":
            raise CallError(501, "Received an unknown call")
        if kind not in EXECUTOR_CALLS:
            raise CallError(400, f"Failed to validate executor::Call: unknown type {kind!r}")
        if kind == "HEARTBEAT":
            wirelog.record("executor.Call", call)
            return web.Response(status=202)
        executor = agent.executor_for_call(call)
        if kind == "SUBSCRIBE":
            stream = agent.subscribe(executor, call.get("subscribe") or {})
            wirelog.record("executor.Call", call)
            return await pump(request, stream, lambda s: agent.stream_closed(executor, s))
        if kind == "UPDATE":
            agent.update(executor, (call.get("update") or {}).get("status"))
        else:
            agent.message(executor, call.get("message"))
        wirelog.record("executor.Call", call)
    except CALL_ERRORS as error:
        return failed_call(error, "executor")
    return web.Response(status=202)
