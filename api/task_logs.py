"""GET /dromos/tasks/<task_id>/log: a task's stdout or stderr, read through its agent.

`?stream=stdout|stderr&offset=N&length=N` answers {data, offset} as Mesos's /files/read
does (offset -1: the size, no data); `&follow=true` streams the file as text from
`offset` (default: the start) until the task has ended and everything is sent. App tasks
and job runs' tasks (`ct:...` ids, found in the job's runs) both work.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from flask import Blueprint, Response, jsonify, request

from api.context import flag, runtime
from chronos.errors import InvalidJob
from chronos.task_id import parse_task_id
from scheduler.base.errors import MalformedRequest, NotFound
from scheduler.mesos.sandbox_logs import SandboxLogs, TaskPlace
from scheduler.process.http_server import held_stream, stream_closing
from scheduler.process.runtime import Runtime

blueprint = Blueprint("task_logs", __name__)
INT64_MAX = 2**63 - 1

FOLLOW_POLL_S = 0.5
FOLLOW_CHUNK = 64 * 1024


def _place(rt: Runtime, task_id: str) -> tuple[TaskPlace, bool] | None:
    """Where the task ran and whether it still runs; None when no one knows it."""
    record = rt.framework.tracker.get(task_id)
    if record is not None:
        return TaskPlace(task_id, record.agent_id, record.hostname), not record.is_terminal
    parsed = parse_task_id(task_id)
    if parsed is None:
        return None
    try:
        runs = rt.jobs.runs(parsed.job_name)
    except InvalidJob:
        return None
    for run in runs:
        for attempt in run.attempts:
            if attempt.task_id == task_id:
                return TaskPlace(task_id, attempt.agent_id, attempt.host), attempt.ended is None
    return None


def _locate(rt: Runtime, task_id: str) -> tuple[TaskPlace, bool]:
    found = rt.read(lambda: _place(rt, task_id))
    if found is None:
        raise NotFound(f"Task '{task_id}' does not exist")
    return found


def _number(name: str, default: int) -> int:
    raw = request.args.get(name)
    try:
        value = default if raw is None else int(raw)
    except ValueError as error:
        raise MalformedRequest(f"{name} must be an integer") from error
    if not -1 <= value <= INT64_MAX:  # Mesos reads both as int64
        raise MalformedRequest(f"{name} must be from -1 to {INT64_MAX}")
    return value


def _follow(rt: Runtime, logs: SandboxLogs, place: TaskPlace, path: str, offset: int,
            left: Callable[[], bool], closing: threading.Event) -> Iterator[str]:
    ended = False
    while not left() and not closing.is_set():
        chunk = logs.read(place, path, offset, FOLLOW_CHUNK)
        data = str(chunk["data"])
        if data:
            offset = int(chunk["offset"]) + len(data.encode())
            yield data
            continue
        if ended:
            return  # one last read after the end: what it wrote last is sent too
        found = rt.read(lambda: _place(rt, place.task_id))
        ended = found is None or not found[1]  # an ended app task is forgotten
        if not ended:
            closing.wait(FOLLOW_POLL_S)


@blueprint.get("/dromos/tasks/<task_id>/log")
def task_log(task_id: str) -> Response:
    rt = runtime()
    stream = request.args.get("stream", "stdout")
    offset = _number("offset", 0)
    length = _number("length", -1)
    place, _ = _locate(rt, task_id)
    logs = rt.sandbox_logs
    path = logs.path(place, stream)
    if flag("follow"):
        start = offset if offset >= 0 else int(logs.read(place, path, -1, -1)["offset"])
        # Under waitress a client that went away is seen between polls, not only on a write.
        left = request.environ.get("waitress.client_disconnected", lambda: False)
        body = held_stream(request.environ, _follow(rt, logs, place, path, start, left,
                                                    stream_closing(request.environ)))
        return Response(body, mimetype="text/plain", headers={"Cache-Control": "no-cache"})
    return jsonify(logs.read(place, path, offset, length))
