"""`dromos app ...` and `dromos group ...`: Marathon apps and groups over /v2."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from cli.client import DEFAULT_URL
from cli.options import Session, connected, json_file, read_json_file
from cli.watch import watch

wait_option = click.option("--wait", is_flag=True,
                           help="follow the deployment; exit 1 if it fails or times out")
timeout_option = click.option("--timeout", default=300.0, show_default=True,
                              help="seconds --wait waits")


def _path(app_id: str) -> str:
    return "/" + app_id.strip("/")


def _deployed(session: Session, answer: Any, what: str, wait: bool, timeout: float) -> None:
    """Report a write that started a deployment; with --wait, follow it to its end."""
    deployment_id = answer.get("deploymentId") if isinstance(answer, dict) else None
    if deployment_id is None and isinstance(answer, dict) and answer.get("deployments"):
        deployment_id = answer["deployments"][0]["id"]
    session.done(answer, f"{what} (deployment {deployment_id})")
    if wait and deployment_id and not watch(session, deployment_id, timeout):
        raise SystemExit(1)
    if not wait and deployment_id and not session.as_json:
        session.console.print(f"follow it: {watch_command(session, deployment_id)}",
                              highlight=False)


def watch_command(session: Session, deployment_id: str) -> str:
    """The command that follows `deployment_id`, with the --url this one was given."""
    urls = ",".join(session.client.urls)
    where = "" if urls == DEFAULT_URL else f" --url {urls}"
    return f"dromos deployment watch {deployment_id}{where}"


@click.group()
def app() -> None:
    """Marathon apps: list, show, add, update, scale, restart, rollback, delete."""


@app.command("list")
@connected
def list_apps(session: Session) -> None:
    """Every app with its instances and health."""
    apps = session.client.get("/v2/apps")["apps"]
    rows = [(a["id"], f"{a['tasksRunning']}/{a['instances']}", a["tasksHealthy"],
             "yes" if a.get("deployments") else "", a["cpus"], a["mem"],
             a.get("cmd") or (a.get("container") or {}).get("docker", {}).get("image", ""))
            for a in apps]
    session.show(apps, ["ID", "RUNNING", "HEALTHY", "DEPLOYING", "CPUS", "MEM", "CMD"], rows)


@app.command("show")
@click.argument("app_id")
@connected
def show_app(session: Session, app_id: str) -> None:
    """One app, its tasks and the last task failure."""
    found = session.client.get(f"/v2/apps{_path(app_id)}", embed="app.lastTaskFailure")["app"]
    if session.as_json:
        session.show(found, [], [])
        return
    fields = [("id", found["id"]), ("version", found["version"]),
              ("instances", f"{found['tasksRunning']} running of {found['instances']}, "
                            f"{found['tasksHealthy']} healthy"),
              ("cmd", found.get("cmd") or ""), ("resources",
                                               f"cpus {found['cpus']}, mem {found['mem']}"),
              ("deployments", ", ".join(d["id"] for d in found.get("deployments", [])))]
    failure = found.get("lastTaskFailure")
    if failure:
        fields.append(("last failure", f"{failure['taskId']} {failure['state']}: "
                                       f"{failure['message']}"))
    session.show(found, ["FIELD", "VALUE"], fields)
    tasks = [(t["id"], t["state"], t["host"], ",".join(map(str, t.get("ports", []))))
             for t in found.get("tasks", [])]
    session.show(found, ["TASK", "STATE", "HOST", "PORTS"], tasks)


@app.command("add")
@json_file
@wait_option
@timeout_option
@connected
def add_app(session: Session, file: Path, wait: bool, timeout: float) -> None:
    """Create an app from a Marathon app JSON file."""
    answer = session.client.post("/v2/apps", read_json_file(file))
    _deployed(session, answer, f"created {answer['id']}", wait, timeout)


@app.command("update")
@click.argument("app_id")
@json_file
@wait_option
@timeout_option
@click.option("--force", is_flag=True, help="override a deployment in progress")
@connected
def update_app(session: Session, app_id: str, file: Path, wait: bool, timeout: float,
               force: bool) -> None:
    """Change an app to the definition in a Marathon app JSON file."""
    answer = session.client.put(f"/v2/apps{_path(app_id)}", read_json_file(file),
                                force=str(force).lower())
    _deployed(session, answer, f"updating {_path(app_id)}", wait, timeout)


@app.command("scale")
@click.argument("app_id")
@click.argument("instances", type=click.IntRange(min=0))
@wait_option
@timeout_option
@connected
def scale_app(session: Session, app_id: str, instances: int, wait: bool, timeout: float) -> None:
    """Set an app's number of instances."""
    answer = session.client.put(f"/v2/apps{_path(app_id)}", {"instances": instances})
    _deployed(session, answer, f"scaling {_path(app_id)} to {instances}", wait, timeout)


@app.command("restart")
@click.argument("app_id")
@wait_option
@timeout_option
@connected
def restart_app(session: Session, app_id: str, wait: bool, timeout: float) -> None:
    """Replace every instance of an app, following its upgrade strategy."""
    answer = session.client.post(f"/v2/apps{_path(app_id)}/restart")
    _deployed(session, answer, f"restarting {_path(app_id)}", wait, timeout)


@app.command("rollback")
@click.argument("app_id")
@click.argument("version", required=False)
@wait_option
@timeout_option
@connected
def rollback_app(session: Session, app_id: str, version: str | None, wait: bool,
                 timeout: float) -> None:
    """Go back to VERSION of an app (default: the version before the current one)."""
    path = f"/v2/apps{_path(app_id)}"
    if version is None:
        versions = session.client.get(path + "/versions")["versions"]
        if len(versions) < 2:
            raise click.ClickException(f"{_path(app_id)} has no earlier version")
        version = sorted(versions)[-2]
    answer = session.client.put(path, {"version": version})
    _deployed(session, answer, f"rolling {_path(app_id)} back to {version}", wait, timeout)


@app.command("delete")
@click.argument("app_id")
@wait_option
@timeout_option
@connected
def delete_app(session: Session, app_id: str, wait: bool, timeout: float) -> None:
    """Delete an app and kill its tasks."""
    answer = session.client.delete(f"/v2/apps{_path(app_id)}")
    _deployed(session, answer, f"deleting {_path(app_id)}", wait, timeout)


@click.group()
def group() -> None:
    """Marathon groups: list, show, add, delete."""


def _group_rows(node: dict[str, Any]) -> list[tuple[str, int, int]]:
    rows = [(node["id"], len(node.get("apps", [])), len(node.get("groups", [])))]
    for child in node.get("groups", []):
        rows.extend(_group_rows(child))
    return rows


@group.command("list")
@connected
def list_groups(session: Session) -> None:
    """Every group, nested ones included, with its number of apps."""
    root = session.client.get("/v2/groups")
    session.show(root, ["ID", "APPS", "GROUPS"], _group_rows(root))


@group.command("show")
@click.argument("group_id")
@connected
def show_group(session: Session, group_id: str) -> None:
    """One group's apps."""
    found = session.client.get(f"/v2/groups{_path(group_id)}")
    rows = [(a["id"], a["instances"], a.get("cmd") or "") for a in found.get("apps", [])]
    session.show(found, ["APP", "INSTANCES", "CMD"], rows)


@group.command("add")
@json_file
@wait_option
@timeout_option
@connected
def add_group(session: Session, file: Path, wait: bool, timeout: float) -> None:
    """Create a group from a Marathon group JSON file."""
    answer = session.client.post("/v2/groups", read_json_file(file))
    _deployed(session, answer, "created the group", wait, timeout)


@group.command("delete")
@click.argument("group_id")
@connected
def delete_group(session: Session, group_id: str) -> None:
    """Delete a group and everything in it."""
    answer = session.client.delete(f"/v2/groups{_path(group_id)}")
    _deployed(session, answer, f"deleting {_path(group_id)}", False, 0)
