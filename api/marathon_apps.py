"""Marathon's /v2/apps: define, scale, restart, roll back and delete apps; their tasks."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify, request

from api.context import app_view, flag, json_body, runtime, snapshot, url_path_id
from api.json_out import Splice, tasks_response
from api.labels import parse_selector
from api.marathon_json import app_info, task_json
from scheduler.apps import pathid
from scheduler.apps.model import AppDefinition
from scheduler.apps.serialize import app_to_json, merge_update
from scheduler.apps.validation import parse_app, rollback_version
from scheduler.base.errors import MalformedRequest, NotFound
from scheduler.deployments.plan import Deployment
from scheduler.process.runtime import Runtime

blueprint = Blueprint("marathon_apps", __name__)

Json = dict[str, Any]


def deployment_result(deployment: Deployment, status: int = 200) -> Response:
    response = jsonify({"deploymentId": deployment.id, "version": deployment.version})
    response.status_code = status
    response.headers["Marathon-Deployment-Id"] = deployment.id
    return response


def _app_id(raw: str) -> str:
    return url_path_id(raw)


def _embed() -> set[str]:
    return set(request.args.getlist("embed"))


def _post_event(app_json: Json) -> None:
    rt = runtime()
    rt.framework.events.publish(
        "api_post_event", rt.clock.now(), clientIp=request.remote_addr or "",
        uri=request.path, appDefinition=app_json,
    )


@blueprint.get("/v2/apps")
def list_apps() -> Response:
    rt = runtime()
    cmd, id_part = request.args.get("cmd"), request.args.get("id")
    selector = request.args.get("label")
    matches = parse_selector(selector) if selector else None
    embed = _embed()
    out, splice = [], Splice()
    for view in sorted(rt.snapshot.apps.values(), key=lambda v: v.app.id):
        app = view.app
        if cmd and (app.cmd is None or cmd not in app.cmd):
            continue
        if id_part and id_part not in app.id:
            continue
        if matches and not matches(app.labels):
            continue
        out.append(app_info(view, embed, splice=splice))
    return splice.response({"apps": out})


@blueprint.post("/v2/apps")
def create_app() -> Response:
    rt = runtime()
    app = parse_app(json_body())
    force = flag("force")
    created, deployment = rt.call(lambda: rt.apps.create(app, force))
    view = rt.snapshot.apps.get(created.id)  # published before the call returned
    body = app_info(view, set()) if view is not None else app_to_json(created)
    # Marathon names the deployment it started, even one that finished at once.
    body["deployments"] = [{"id": deployment.id}]
    _post_event(app_to_json(created))
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = created.id
    response.headers["Marathon-Deployment-Id"] = deployment.id
    return response


@blueprint.put("/v2/apps")
def put_apps() -> Response:
    """Batch create-or-update: one deployment for all the apps in the body."""
    return _batch(existing_only=False)


@blueprint.patch("/v2/apps")
def patch_apps() -> Response:
    """Batch merge into existing apps; one unknown id fails the whole request."""
    return _batch(existing_only=True)


def _batch(existing_only: bool) -> Response:
    rt = runtime()
    body = json_body()
    if not isinstance(body, list):
        raise MalformedRequest("Invalid JSON", details=[{"path": "/", "errors": [
            "error.expected.jsarray"]}])
    partial = True if existing_only else flag("partialUpdate", True)
    force = flag("force")

    def apply() -> Deployment:
        target = {}
        for item in body:
            if existing_only and isinstance(item, dict):
                rt.apps.get(pathid.canonical(str(item.get("id", ""))))
            app = _updated_app(rt, item, partial)
            target[app.id] = rt.apps.stamp(app, rt.apps.apps.get(app.id), restart=False)
        return rt.apps.deploy(dict(target), force)

    return deployment_result(rt.call(apply))


def _updated_app(
    rt: Runtime, data: Any, partial: bool, app_id: str | None = None
) -> AppDefinition:
    """The app a PUT asks for: merged into the existing one unless partialUpdate=false."""
    if not isinstance(data, dict):
        raise MalformedRequest("Invalid JSON", details=[{"path": "/", "errors": [
            "error.expected.jsobject"]}])
    target_id = app_id or pathid.canonical(str(data.get("id", "")))
    existing = rt.apps.apps.get(target_id)
    if existing is not None and partial:
        return parse_app(merge_update(existing, data), app_id=target_id)
    return parse_app(data, app_id=target_id)


@blueprint.get("/v2/apps/<path:app_id>")
def get_app(app_id: str) -> Response:
    snap = snapshot()
    embed, splice = _embed(), Splice()
    if app_id.endswith("*"):
        group = _app_id(app_id.rstrip("*").rstrip("/") or "/")
        return splice.response({"*": [
            app_info(v, embed, splice=splice)
            for v in sorted(snap.apps.values(), key=lambda v: v.app.id)
            if pathid.is_descendant(v.app.id, group)
        ]})
    view = app_view(snap, _app_id(app_id))
    return splice.response({"app": app_info(view, embed, single=True, splice=splice)})


@blueprint.put("/v2/apps/<path:app_id>")
def put_app(app_id: str) -> Response:
    rt = runtime()
    canonical = _app_id(app_id)
    data = json_body()
    version = rollback_version(data) if isinstance(data, dict) else None
    force = flag("force")
    if version is not None:
        return deployment_result(rt.call(lambda: rt.apps.rollback(canonical, version, force)))
    partial = flag("partialUpdate", True)

    def apply() -> tuple[bool, Deployment, Json]:
        app = _updated_app(rt, data, partial, canonical)
        created, deployment = rt.apps.replace_app(app, force)
        return created, deployment, app_to_json(rt.apps.get(canonical))

    # One round trip: a second one would wait behind every status update queued meanwhile.
    created, deployment, stored = rt.call(apply)
    _post_event(stored)
    return deployment_result(deployment, 201 if created else 200)


@blueprint.patch("/v2/apps/<path:app_id>")
def patch_app(app_id: str) -> Response:
    rt = runtime()
    canonical = _app_id(app_id)
    data = json_body()
    force = flag("force")

    def apply() -> Deployment:
        existing = rt.apps.get(canonical)
        if not isinstance(data, dict):
            raise MalformedRequest("Invalid JSON", details=[{"path": "/", "errors": [
                "error.expected.jsobject"]}])
        app = parse_app(merge_update(existing, data), app_id=canonical)
        return rt.apps.replace_app(app, force)[1]

    return deployment_result(rt.call(apply))


@blueprint.delete("/v2/apps/<path:app_id>")
def delete_app(app_id: str) -> Response:
    rt = runtime()
    canonical = _app_id(app_id)
    force = flag("force", True)
    return deployment_result(rt.call(lambda: rt.apps.delete(canonical, force)))


@blueprint.post("/v2/apps/<path:app_id>/restart")
def restart_app(app_id: str) -> Response:
    rt = runtime()
    canonical = _app_id(app_id)
    force = flag("force")
    return deployment_result(rt.call(lambda: rt.apps.restart(canonical, force)))


@blueprint.get("/v2/apps/<path:app_id>/tasks")
def app_tasks(app_id: str) -> Response:
    snap = snapshot()
    if app_id.endswith("*"):
        group = _app_id(app_id.rstrip("*").rstrip("/") or "/")
        return tasks_response([
            t for app, view in sorted(snap.apps.items())
            if pathid.is_descendant(app, group) for t in view.tasks.values()
        ])
    return tasks_response(app_view(snap, _app_id(app_id)).tasks.values())


def _kill_options() -> tuple[bool, bool]:
    scale, wipe = flag("scale"), flag("wipe")
    if scale and wipe:
        raise MalformedRequest("You cannot use scale and wipe at the same time.")
    return scale, wipe


def kill_response(rt: Runtime, app_id: str, task_ids: list[str], single: bool) -> Response:
    scale, _ = _kill_options()
    force = flag("force")

    def apply() -> tuple[list[Json], Deployment | None]:
        app = rt.apps.apps.get(app_id)
        killed, deployment = rt.apps.kill_tasks(app_id, task_ids, scale, force)
        return [task_json(r, app, rt.apps) for r in killed], deployment

    tasks, deployment = rt.call(apply)
    if deployment is not None:
        return deployment_result(deployment)
    if single:
        if not tasks:
            raise NotFound(f"Task '{task_ids[0]}' does not exist")
        return jsonify({"task": tasks[0]})
    return jsonify({"tasks": tasks})


@blueprint.delete("/v2/apps/<path:app_id>/tasks")
def kill_app_tasks(app_id: str) -> Response:
    rt = runtime()
    canonical = _app_id(app_id)
    host = request.args.get("host")
    view = app_view(rt.snapshot, canonical)
    chosen = [t for t, v in view.tasks.items() if host in (None, v.hostname)]
    return kill_response(rt, canonical, chosen, single=False)


@blueprint.delete("/v2/apps/<path:app_id>/tasks/<task_id>")
def kill_app_task(app_id: str, task_id: str) -> Response:
    rt = runtime()
    canonical = _app_id(app_id)
    app_view(rt.snapshot, canonical)
    return kill_response(rt, canonical, [task_id], single=True)


@blueprint.get("/v2/apps/<path:app_id>/versions")
def app_versions(app_id: str) -> Response:
    rt = runtime()
    canonical = _app_id(app_id)
    app_view(rt.snapshot, canonical)
    return jsonify({"versions": rt.store.app_versions(canonical)})


@blueprint.get("/v2/apps/<path:app_id>/versions/<version>")
def app_version(app_id: str, version: str) -> Response:
    rt = runtime()
    canonical = _app_id(app_id)
    data = rt.store.app_version(canonical, version)
    if data is None:
        raise NotFound(f"App '{canonical}' does not exist in version {version}")
    return jsonify(data)
