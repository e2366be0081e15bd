"""Marathon's /v2/tasks, /v2/groups, /v2/deployments and /v2/queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from api.context import flag, json_body, runtime, snapshot, url_path_id
from api.json_out import Splice, tasks_response
from api.marathon_apps import deployment_result, kill_response
from api.marathon_json import app_info, queue_json
from scheduler.appmanager import group_service
from scheduler.apps import pathid
from scheduler.apps.groups import (
    Group,
    find_group,
    group_to_json,
    keep_omitted,
    parse_group,
    parse_group_update,
)
from scheduler.apps.model import AppDefinition
from scheduler.base.errors import MalformedRequest, NotFound
from scheduler.deployments.plan import Deployment
from scheduler.reads.views import Snapshot

blueprint = Blueprint("marathon_misc", __name__)

Json = dict[str, Any]


# tasks ------------------------------------------------------------------------------------
@blueprint.get("/v2/tasks")
def list_tasks() -> Response:
    wanted = {s.lower() for s in request.args.getlist("status") + request.args.getlist(
        "status[]")} & {"running", "staging"}
    return tasks_response([
        task for _, view in sorted(snapshot().apps.items()) for task in view.tasks.values()
        if not wanted or task.state.removeprefix("TASK_").lower() in wanted
    ])


@blueprint.post("/v2/tasks/delete")
def delete_tasks() -> Response:
    rt = runtime()
    body = json_body()
    ids = body.get("ids") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise MalformedRequest("Invalid JSON", details=[{"path": "/ids", "errors": [
            "error.expected.jsarray"]}])
    by_app: dict[str, list[str]] = {}
    for task_id in ids:
        try:
            by_app.setdefault(pathid.app_id_of_task(task_id), []).append(task_id)
        except pathid.InvalidPathId as error:
            raise MalformedRequest(f"Invalid task id '{task_id}'") from error
    if len(by_app) == 1:
        (app_id, task_ids), = by_app.items()
        return kill_response(rt, app_id, task_ids, single=False)
    tasks: list[Json] = []
    for app_id, task_ids in by_app.items():
        response = kill_response(rt, app_id, task_ids, single=False)
        tasks.extend((response.get_json() or {}).get("tasks", []))
    return jsonify({"tasks": tasks})


# groups -----------------------------------------------------------------------------------
def _group_id(raw: str | None) -> str:
    return url_path_id(raw or "/")


def _group_of(snap: Snapshot, group_id: str) -> Group:
    top = group_service.root_of((v.app for v in snap.apps.values()), snap.groups,
                                snap.latest_version)
    return group_service.found(top, group_id)


def _render_group(snap: Snapshot, group: Group, embed: set[str], splice: Splice) -> Json:
    app_embeds = {e.removeprefix("group.apps.") for e in embed if e.startswith("group.apps.")}

    def render_app(app: AppDefinition) -> Json:
        return app_info(snap.apps[app.id], app_embeds, splice=splice)

    body = group_to_json(group, render_app)
    if embed and "group.apps" not in embed and not app_embeds:
        body["apps"] = []
    if embed and "group.groups" not in embed:
        body["groups"] = []
    return body


def _version_path(group_id: str) -> tuple[str, str | None] | None:
    """(group id, version or None) for `<group>/versions[/<version>]`, else None.

    "versions" cannot end a group id, and a version (`2015-09-25T15:13:48.343Z`) is no
    id segment (upper case, colons), so the paths cannot be mistaken for groups.
    """
    parts = [p for p in group_id.split("/") if p]
    if parts and parts[-1] == "versions":
        return _group_id("/".join(parts[:-1])), None
    if len(parts) >= 2 and parts[-2] == "versions" and pathid.path_errors(parts[-1]):
        return _group_id("/".join(parts[:-2])), parts[-1]
    return None


@blueprint.get("/v2/groups")
@blueprint.get("/v2/groups/<path:group_id>")
def get_group(group_id: str | None = None) -> Response:
    rt = runtime()
    snap = rt.snapshot
    if group_id and group_id.endswith("/apps"):
        gid = _group_id(group_id.removesuffix("/apps"))
        return jsonify({"apps": [app_info(snap.apps[a.id], set())
                                 for a in _group_of(snap, gid).apps]})
    versioned = _version_path(group_id or "")
    if versioned is not None:
        # Stored versions: read from the store, as app versions are.
        vid, version = versioned
        if version is None:
            return jsonify(group_service.versions(rt.apps, vid))
        return jsonify(group_service.at_version(rt.apps, vid, version))
    gid = _group_id(group_id)
    embed = set(request.args.getlist("embed"))
    splice = Splice()
    return splice.response(_render_group(snap, _group_of(snap, gid), embed, splice))


@blueprint.post("/v2/groups")
@blueprint.post("/v2/groups/<path:group_id>")
def create_group(group_id: str | None = None) -> Response:
    rt = runtime()
    body = json_body()
    parent = _group_id(group_id)
    group = parse_group(body, parent=parent)
    force = flag("force")
    deployment = rt.call(lambda: group_service.create(rt.apps, group, force))
    response = deployment_result(deployment, 201)
    response.headers["Location"] = group.id
    return response


@blueprint.put("/v2/groups")
@blueprint.put("/v2/groups/<path:group_id>")
def update_group(group_id: str | None = None) -> Response:
    rt = runtime()
    gid = _group_id(group_id)
    change = parse_group_update(json_body(), parent=pathid.parent_of(gid) if gid != "/" else "/",
                                group_id=gid)
    force = flag("force")
    if change.version is not None:
        version = change.version
        return deployment_result(rt.call(
            lambda: group_service.rollback(rt.apps, change.id, version, force)))
    if change.scale_by is not None:
        factor = change.scale_by
        return deployment_result(rt.call(
            lambda: group_service.scale_by(rt.apps, change.id, factor, force)))
    wanted = change.group or Group(change.id)
    dry_run = flag("dryRun")

    def apply() -> Json | Deployment:
        current = find_group(group_service.root(rt.apps), wanted.id)
        group = keep_omitted(wanted, current, change.omitted)
        if dry_run:
            return group_service.dry_run(rt.apps, group)
        return group_service.update(rt.apps, group, force)

    result = rt.call(apply)
    return jsonify(result) if isinstance(result, dict) else deployment_result(result)


@blueprint.delete("/v2/groups")
@blueprint.delete("/v2/groups/<path:group_id>")
def delete_group(group_id: str | None = None) -> Response:
    rt = runtime()
    gid = _group_id(group_id)
    force = flag("force")
    return deployment_result(rt.call(lambda: group_service.delete(rt.apps, gid, force)))


# deployments ------------------------------------------------------------------------------
@blueprint.get("/v2/deployments")
def list_deployments() -> Response:
    waiting = "waiting" in request.args.getlist("embed")
    return jsonify([views[1 if waiting else 0] for views in snapshot().deployments.values()])


@blueprint.get("/v2/deployments/<deployment_id>")
def get_deployment(deployment_id: str) -> Response:
    """A Dromos addition: one deployment, with why it waits."""
    views = snapshot().deployments.get(deployment_id)
    if views is None:
        raise NotFound(f"DeploymentPlan {deployment_id} does not exist")
    return jsonify(views[1])


@blueprint.delete("/v2/deployments/<deployment_id>")
def cancel_deployment(deployment_id: str) -> Response:
    rt = runtime()
    manager = rt.apps.deployments
    if flag("force"):
        rt.call(lambda: manager.cancel(manager.get(deployment_id)))
        return Response(status=202)
    return deployment_result(rt.call(lambda: manager.rollback(deployment_id)))


# queue ------------------------------------------------------------------------------------
@blueprint.get("/v2/queue")
def get_queue() -> Response:
    rt = runtime()
    return jsonify(queue_json(rt.snapshot, rt.clock.now()))


@blueprint.delete("/v2/queue/<path:app_id>/delay")
def reset_delay(app_id: str) -> Response:
    rt = runtime()
    canonical = pathid.canonical(app_id)
    rt.call(lambda: rt.apps.reset_delay(canonical))
    return Response(status=204)
