"""Chronos's /v1/scheduler API, also served under /scheduler for old clients.

Status codes as Chronos: writes answer 204, an unknown job or bad input 400 (api/errors.py).
Dromos additions: PUT on /iso8601 and /dependency (what 2.x clients send to update),
and GET /job/runs/{name}, the job's stored runs (missed ones included), newest first.
The progress endpoint keeps its counts in the stored runs (Chronos needed Cassandra).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from api.context import json_body, runtime, snapshot
from chronos.errors import InvalidJob
from chronos.graph import JobGraph
from chronos.job import Job, JobKind
from chronos.stats import histogram, job_stat_json, stats_by_percentile
from scheduler.reads.views import Snapshot

blueprint = Blueprint("chronos", __name__, url_prefix="/v1/scheduler")
legacy_blueprint = Blueprint("chronos_legacy", __name__, url_prefix="/scheduler")

SEARCH_LIMIT = 10
View = Callable[..., Response]


def route(rule: str, methods: list[str]) -> Callable[[View], View]:
    """Serve a view under both prefixes."""

    def register(view: View) -> View:
        for bp in (blueprint, legacy_blueprint):
            bp.add_url_rule(rule, view.__name__, view, methods=methods)
        return view

    return register


def no_content() -> Response:
    return Response(status=204)


def text(body: str) -> Response:
    return Response(body, mimetype="text/plain")


# jobs -----------------------------------------------------------------------------------
@route("/jobs", ["GET"])
def list_jobs() -> Response:
    return jsonify([view.body for view in snapshot().jobs.values()])


@route("/jobs/search", ["GET"])
def search_jobs() -> Response:
    name = request.args.get("name", "").lower()
    command = request.args.get("command", "").lower()
    anything = request.args.get("any", "").lower()
    limit = _count("limit", SEARCH_LIMIT)
    offset = _count("offset", 0)

    def matches(job: Job) -> bool:
        job_name, job_command = job.name.lower(), job.command.lower()
        by_fields = name in job_name and command in job_command
        if not anything:
            return by_fields
        # `any` matches name or command, and admits jobs the other filters refused.
        by_any = anything in job_name or anything in job_command
        return by_any or (by_fields and bool(name or command))

    found = [view.body for view in snapshot().jobs.values() if matches(view.job)]
    return jsonify(found[offset:offset + limit])


def _count(key: str, default: int) -> int:
    raw = request.args.get(key)
    if raw is None or raw == "":
        return default
    if not (raw.isascii() and raw.isdigit()):  # "²" is a digit to str.isdigit, not to int
        raise InvalidJob(f"'{key}' must be a non-negative integer, not '{raw}'")
    return int(raw)


@route("/jobs/summary", ["GET"])
def summary() -> Response:
    jobs: list[dict[str, Any]] = [
        {
            "name": job.name,
            "status": job.counters.last_outcome,
            "state": view.state,
            "schedule": str(job.schedule) if job.schedule is not None else "",
            "parents": list(job.parents),
            "disabled": job.disabled,
        }
        for job, view in ((v.job, v) for v in snapshot().jobs.values())
    ]
    return jsonify({"jobs": jobs})


@route("/iso8601", ["POST", "PUT"])
def put_scheduled_job() -> Response:
    return _put_job("iso8601")


@route("/dependency", ["POST", "PUT"])
def put_dependent_job() -> Response:
    return _put_job("dependency")


def _put_job(kind: JobKind) -> Response:
    body = json_body()
    rt = runtime()
    rt.call(lambda: rt.jobs.put(body, kind))
    return no_content()


@route("/job/<name>", ["GET"])
def get_job(name: str) -> Response:
    view = snapshot().jobs.get(name)
    if view is None:
        raise InvalidJob(f"Job '{name}' not found")
    return jsonify(view.body)


@route("/job/<name>", ["PUT"])
def start_job(name: str) -> Response:
    arguments = request.args.get("arguments", "")
    rt = runtime()
    rt.call(lambda: rt.jobs.start_manual(name, arguments))
    return no_content()


@route("/job/<name>", ["DELETE"])
def delete_job(name: str) -> Response:
    rt = runtime()
    rt.call(lambda: rt.jobs.delete(name))
    return no_content()


@route("/job/success/<name>", ["PUT"])
def mark_success(name: str) -> Response:
    rt = runtime()
    marked = rt.call(lambda: rt.jobs.mark_success(name))
    return text(f"marked job {name} as successful: {str(marked).lower()}")


@route("/task/kill/<name>", ["DELETE"])
def kill_tasks(name: str) -> Response:
    rt = runtime()
    rt.call(lambda: rt.jobs.kill_tasks(name))
    return no_content()


@legacy_blueprint.route("/task/all", methods=["DELETE"])
def purge_tasks() -> Response:
    """Chronos 2.x only: clear the task queue."""
    rt = runtime()
    rt.call(rt.jobs.purge_queued)
    return no_content()


@route("/job/<name>/task/<path:task_id>/progress", ["POST"])
def task_progress(name: str, task_id: str) -> Response:
    body = json_body()
    elements = body.get("numAdditionalElementsProcessed") if isinstance(body, dict) else None
    if not isinstance(elements, int) or isinstance(elements, bool) or elements < 0:
        raise InvalidJob("numAdditionalElementsProcessed must be a whole number, 0 or more")
    rt = runtime()
    rt.call(lambda: rt.jobs.add_progress(name, task_id, elements))
    return no_content()


@route("/job/runs/<name>", ["GET"])
def job_runs(name: str) -> Response:
    rt = runtime()
    return jsonify([run.to_json() for run in rt.read(lambda: rt.jobs.runs(name))])


# stats and graph ------------------------------------------------------------------------
@route("/job/stat/<name>", ["GET"])
def job_stat(name: str) -> Response:
    rt = runtime()
    return jsonify(job_stat_json(rt.read(lambda: rt.jobs.history(name))))


@route("/stats/<percentile>", ["GET"])
def stats(percentile: str) -> Response:
    rt = runtime()

    def read() -> list[dict[str, object]]:
        histograms = {name: histogram(runs) for name, runs in rt.jobs.histories().items()}
        return stats_by_percentile(histograms, percentile)

    return jsonify(rt.read(read))


def _graph(snap: Snapshot) -> JobGraph:
    """The dependency graph of the snapshot's jobs (names and parents are all it needs)."""
    return JobGraph.from_jobs(view.job for view in snap.jobs.values())


@route("/graph/dot", ["GET"])
def graph_dot() -> Response:
    return text(_graph(snapshot()).to_dot())


@route("/graph/csv", ["GET"])
def graph_csv() -> Response:
    snap = snapshot()
    states = {name: (view.job.counters.last_outcome, view.state)
              for name, view in snap.jobs.items()}
    return text(_graph(snap).to_csv(states))


# 2.x async jobs ---------------------------------------------------------------------------
@route("/task/<path:task_id>", ["PUT"])
def async_task_done(task_id: str) -> Response:
    """Chronos 2.x's completion callback for `async` jobs. Dromos ends a run when its task
    ends, async or not, so a well-formed callback is accepted and changes nothing."""
    body = json_body()
    code = body.get("statusCode") if isinstance(body, dict) else None
    if not isinstance(code, int) or isinstance(code, bool):
        raise InvalidJob("statusCode must be an integer (0 means success)")
    return no_content()
