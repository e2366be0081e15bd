"""GET /openapi.json (OpenAPI 3.1 of /v2, /v1/scheduler and the Dromos additions) and /docs.

The Chronos API is also served under /scheduler (Chronos 2.x's prefix); the document lists
it once, under /v1/scheduler, and its description says so. A test holds its paths
to the app's url_map, so a route added without documentation fails the suite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify

from api.reference.openapi_schemas import SCHEMAS, STRING, array, ref
from api.system import VERSION

Json = dict[str, Any]
blueprint = Blueprint("openapi", __name__)
DOCS_PAGE = Path(__file__).with_name("docs.html")
CHRONOS = "/v1/scheduler"


def json_body(schema: Json) -> Json:
    return {"content": {"application/json": {"schema": schema}}}


def ok(schema: Json | None = None, description: str = "OK", media: str = "application/json",
       ) -> Json:
    return {"description": description, **({"content": {media: {"schema": schema}}}
                                            if schema is not None else {})}


TEXT = ok(STRING, media="text/plain")
NO_CONTENT = {"204": {"description": "Done"}}
DEPLOYED = {"200": ok(ref("DeploymentResult"), "A deployment started")}


def param(name: str, where: str = "query", schema: Json = STRING, **extra: Any) -> Json:
    return {"name": name, "in": where, "required": where == "path", "schema": schema, **extra}


def flag(name: str) -> Json:
    return param(name, schema={"type": "boolean"})


def op(summary: str, tag: str, responses: Json, *params: Json, body: Json | None = None,
       ) -> Json:
    """One operation; its user errors in the shape of its API (Chronos: 400 only)."""
    error = "ChronosError" if tag == "jobs" else "MarathonError"
    operation: Json = {"summary": summary, "tags": [tag], "parameters": list(params),
                       "responses": {**responses, "4XX": ok(ref(error), "A user error")}}
    if body is not None:
        operation["requestBody"] = {"required": True, **json_body(body)}
    return operation


APP_ID, TASK_ID = param("app_id", "path"), param("task_id", "path")
NAME, GROUP_ID = param("name", "path"), param("group_id", "path")
EMBED = param("embed", schema=array(STRING), style="form", explode=True)


def marathon_paths() -> Json:
    app_body, group_body = ref("App"), ref("Group")
    return {
        "/v2/apps": {
            "get": op("List apps", "apps", {"200": ok(ref("AppList"))}, param("cmd"),
                      param("id"), param("label"), EMBED),
            "post": op("Create an app", "apps", {"201": ok(ref("AppInfo"))}, body=app_body),
            "put": op("Create or update apps", "apps", DEPLOYED, flag("force"),
                      body=array(app_body)),
            "patch": op("Partially update apps", "apps", DEPLOYED, flag("force"),
                        body=array(app_body)),
        },
        "/v2/apps/{app_id}": {
            "get": op("One app", "apps", {"200": ok(ref("AppAnswer"))}, APP_ID, EMBED),
            "put": op("Update, create or roll back an app (body {version})", "apps",
                      {**DEPLOYED, "201": ok(ref("DeploymentResult"))}, APP_ID,
                      flag("force"), flag("partialUpdate"), body=app_body),
            "patch": op("Partially update an app", "apps", DEPLOYED, APP_ID, flag("force"),
                        body=app_body),
            "delete": op("Delete an app", "apps", DEPLOYED, APP_ID, flag("force")),
        },
        "/v2/apps/{app_id}/restart": {
            "post": op("Restart every instance", "apps", DEPLOYED, APP_ID, flag("force")),
        },
        "/v2/apps/{app_id}/tasks": {
            "get": op("An app's tasks", "tasks", {"200": ok(ref("TaskList"))}, APP_ID),
            "delete": op("Kill an app's tasks", "tasks", {"200": ok({"type": "object"})},
                         APP_ID, param("host"), flag("scale"), flag("wipe")),
        },
        "/v2/apps/{app_id}/tasks/{task_id}": {
            "delete": op("Kill one task", "tasks", {"200": ok({"type": "object"})}, APP_ID,
                         TASK_ID, flag("scale"), flag("wipe")),
        },
        "/v2/apps/{app_id}/versions": {
            "get": op("An app's versions", "apps",
                      {"200": ok({"type": "object", "properties": {"versions": array(STRING)}})},
                      APP_ID),
        },
        "/v2/apps/{app_id}/versions/{version}": {
            "get": op("An app at a version", "apps", {"200": ok(ref("App"))}, APP_ID,
                      param("version", "path")),
        },
        "/v2/tasks": {"get": op("Every task", "tasks", {"200": ok(ref("TaskList"))},
                                param("status"))},
        "/v2/tasks/delete": {
            "post": op("Kill tasks by id", "tasks", {"200": ok({"type": "object"})},
                       flag("scale"), flag("wipe"),
                       body={"type": "object", "properties": {"ids": array(STRING)}}),
        },
        "/v2/groups": _group_ops(None, group_body),
        "/v2/groups/{group_id}": _group_ops(GROUP_ID, group_body),
        "/v2/deployments": {"get": op("Deployments in progress (embed=waiting: why)",
                                      "deployments",
                                      {"200": ok(array(ref("Deployment")))}, EMBED)},
        "/v2/deployments/{deployment_id}": {
            "get": op("One deployment and what it waits for", "deployments",
                      {"200": ok(ref("Deployment"))}, param("deployment_id", "path")),
            "delete": op("Cancel (roll back; force: just stop)", "deployments",
                         {**DEPLOYED, "202": {"description": "Stopped"}},
                         param("deployment_id", "path"), flag("force")),
        },
        "/v2/queue": {"get": op("The launch queue and why each entry waits", "queue",
                                {"200": ok(ref("Queue"))}, EMBED)},
        "/v2/queue/{app_id}/delay": {
            "delete": op("End an app's launch backoff", "queue", NO_CONTENT, APP_ID)},
        "/v2/events": {"get": op("Server-sent events", "system",
                                 {"200": ok(STRING, media="text/event-stream")},
                                 param("event_type", schema=array(STRING)))},
        "/v2/info": {"get": op("Scheduler info", "system", {"200": ok({"type": "object"})})},
        "/v2/plugins": {"get": op("Plugins (none are loaded)", "system",
                                  {"200": ok({"type": "object"})})},
        "/v2/pods": _pod_ops(),
        "/v2/pods/{rest}": _pod_ops(param("rest", "path")),
        "/v2/leader": {
            "get": op("The leader", "system", {"200": ok(ref("Leader"))}),
            "delete": op("Abdicate: this scheduler exits", "system",
                         {"200": ok({"type": "object"})}),
        },
    }


def _pod_ops(*params: Json) -> Json:
    """Pods are not supported: every method answers 404 (HEAD /v2/pods is the probe)."""
    return {method: op("Pods are not supported (404)", "system", {}, *params)
            for method in ("get", "post", "put", "delete", "patch")}


def _group_ops(group_id: Json | None, body: Json) -> Json:
    ids = (group_id,) if group_id else ()
    loose = {"type": ["object", "array"]}
    return {
        "get": op("A group (or /versions, /apps under it)", "groups", {"200": ok(loose)},
                  *ids, EMBED),
        "post": op("Create a group", "groups", {"201": ok(ref("DeploymentResult"))}, *ids,
                   flag("force"), body=body),
        "put": op("Update a group (dryRun: the plan)", "groups",
                  {"200": ok({"type": "object"})}, *ids, flag("force"), flag("dryRun"),
                  body=body),
        "delete": op("Delete a group", "groups", DEPLOYED, *ids, flag("force")),
    }


def chronos_paths() -> Json:
    job, jobs = ref("Job"), {"200": ok(array(ref("Job")))}
    put = {"post": op("Create or replace a job", "jobs", NO_CONTENT, body=job),
           "put": op("Create or replace a job", "jobs", NO_CONTENT, body=job)}
    return {
        "/jobs": {"get": op("Every job", "jobs", jobs)},
        "/jobs/search": {"get": op("Search jobs", "jobs", jobs, param("name"),
                                   param("command"), param("any"), param("limit"),
                                   param("offset"))},
        "/jobs/summary": {"get": op("Every job's status and state", "jobs",
                                    {"200": ok({"type": "object"})})},
        "/iso8601": put,
        "/dependency": put,
        "/job/{name}": {
            "get": op("One job", "jobs", {"200": ok(job)}, NAME),
            "put": op("Run a job now", "jobs", NO_CONTENT, NAME, param("arguments")),
            "delete": op("Delete a job", "jobs", NO_CONTENT, NAME),
        },
        "/job/success/{name}": {"put": op("Mark a job's last run a success", "jobs",
                                          {"200": TEXT}, NAME)},
        "/job/runs/{name}": {"get": op("A job's runs, newest first", "jobs",
                                       {"200": ok(array(ref("Run")))}, NAME)},
        "/job/stat/{name}": {"get": op("A job's run-time statistics", "jobs",
                                       {"200": ok({"type": "object"})}, NAME)},
        "/job/{name}/task/{task_id}/progress": {
            "post": op("Count processed elements", "jobs", NO_CONTENT, NAME, TASK_ID,
                       body={"type": "object"})},
        "/task/kill/{name}": {"delete": op("Kill a job's tasks", "jobs", NO_CONTENT, NAME)},
        "/task/{task_id}": {"put": op("An async job's task is done", "jobs", NO_CONTENT,
                                      TASK_ID, body={"type": "object"})},
        "/stats/{percentile}": {"get": op("Run-time percentiles of every job", "jobs",
                                          {"200": ok(array({"type": "object"}))},
                                          param("percentile", "path"))},
        "/graph/dot": {"get": op("The dependency graph (Graphviz)", "jobs", {"200": TEXT})},
        "/graph/csv": {"get": op("The dependency graph (CSV)", "jobs", {"200": TEXT})},
        "/leader": {"get": op("The leader", "jobs", {"200": ok(ref("Leader"))})},
    }


def dromos_paths() -> Json:
    return {
        "/dromos/tasks/{task_id}/log": {"get": op(
            "A task's stdout or stderr through its agent (follow=true: a text stream)",
            "tasks",
            {"200": {"description": "The bytes read",
                     "content": {"application/json": {"schema": ref("LogChunk")},
                                 "text/plain": {"schema": STRING}}},
             "502": ok(ref("MarathonError"), "The agent did not answer"),
             "504": ok(ref("MarathonError"), "The agent did not answer in time")},
            TASK_ID, param("stream", schema={"enum": ["stdout", "stderr"]}),
            param("offset", schema={"type": "integer", "minimum": -1}),
            param("length", schema={"type": "integer", "minimum": -1}), flag("follow"))},
        "/scheduler/task/all": {"delete": op(
            "Chronos 2.x: withdraw every run not started yet", "jobs", NO_CONTENT)},
        "/": {"get": op("The web UI (/ui; its pages are not API and not listed)", "system",
                        {"302": {"description": "Redirect to /ui"},
                         "200": ok(STRING, media="text/html")})},
        "/ping": {"get": op("Liveness", "system", {"200": TEXT})},
        "/leader": {"get": op("The leader (Chronos)", "system", {"200": ok(ref("Leader"))})},
        "/metrics": {"get": op("Prometheus metrics", "system", {"200": TEXT})},
        "/openapi.json": {"get": op("This document", "system", {"200": ok({"type": "object"})})},
        "/docs": {"get": op("This document as a page", "system",
                            {"200": ok(STRING, media="text/html")})},
    }


def document() -> Json:
    """The whole OpenAPI 3.1 document."""
    chronos = {CHRONOS + path: item for path, item in chronos_paths().items()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "Dromos", "version": VERSION,
                 "description": "Marathon's /v2, Chronos's /v1/scheduler (also served under "
                                "/scheduler) and Dromos's additions."},
        "tags": [{"name": t} for t in ("apps", "groups", "tasks", "deployments", "queue",
                                        "jobs", "system")],
        "paths": {**marathon_paths(), **chronos, **dromos_paths()},
        "components": {"schemas": SCHEMAS},
    }


@blueprint.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(document())


@blueprint.get("/docs")
def docs() -> Response:
    return Response(DOCS_PAGE.read_text(), mimetype="text/html")
