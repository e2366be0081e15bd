"""`dromos task ...` and `dromos queue ...`: tasks, their output, and the launch queue."""

from __future__ import annotations

from urllib.parse import quote

import click

from cli.options import Session, connected

PAGE = 64 * 1024


@click.group()
def task() -> None:
    """Tasks of apps and jobs: list, kill, logs."""


@task.command("list")
@click.option("--app", "app_id", help="only this app's tasks")
@connected
def list_tasks(session: Session, app_id: str | None) -> None:
    """Running and staged tasks, with their health."""
    path = f"/v2/apps/{app_id.strip('/')}/tasks" if app_id else "/v2/tasks"
    tasks = session.client.get(path)["tasks"]
    rows = [(t["id"], t["appId"], t["state"], t["host"], ",".join(map(str, t.get("ports", []))),
             _health(t)) for t in tasks]
    session.show(tasks, ["ID", "APP", "STATE", "HOST", "PORTS", "HEALTH"], rows)


def _health(task: dict[str, object]) -> str:
    results = task.get("healthCheckResults")
    if not isinstance(results, list) or not results:
        return ""
    return "healthy" if all(r.get("alive") for r in results) else "unhealthy"


@task.command("kill")
@click.argument("task_ids", nargs=-1, required=True)
@click.option("--scale", is_flag=True, help="also lower the apps' instances")
@click.option("--wipe", is_flag=True, help="forget the tasks' reservations too")
@connected
def kill_tasks(session: Session, task_ids: tuple[str, ...], scale: bool, wipe: bool) -> None:
    """Kill tasks by id; their apps replace them unless --scale."""
    answer = session.client.post("/v2/tasks/delete", {"ids": list(task_ids)},
                                 scale=str(scale).lower(), wipe=str(wipe).lower())
    session.done(answer, f"killing {len(task_ids)} task(s)")


@task.command("logs")
@click.argument("task_id", metavar="TASK")
@click.option("--stderr", is_flag=True, help="stderr instead of stdout")
@click.option("-f", "--follow", is_flag=True, help="keep printing until the task ends")
@click.option("--tail", type=click.IntRange(min=0), help="start this many bytes from the end")
@connected
def task_logs(session: Session, task_id: str, stderr: bool, follow: bool,
              tail: int | None) -> None:
    """A task's stdout (or stderr), read from its sandbox on the agent.

    TASK is a task id, a prefix only one task's id starts with, or an app id (its first
    running task)."""
    name = "stderr" if stderr else "stdout"
    path = f"/dromos/tasks/{quote(resolve_task(session, task_id), safe='')}/log"
    offset = 0
    if tail is not None:
        size = session.client.get(path, stream=name, offset=-1)["offset"]
        offset = max(0, size - tail)
    if follow:
        for piece in session.client.stream(path, stream=name, offset=offset, follow="true"):
            click.echo(piece, nl=False)
        return
    while True:
        page = session.client.get(path, stream=name, offset=offset, length=PAGE)
        if not page["data"]:
            return
        click.echo(page["data"], nl=False)
        offset = page["offset"] + len(page["data"].encode())


def resolve_task(session: Session, ref: str) -> str:
    """The task id `ref` names: the id itself, the one app task whose id starts with it, or
    the first running task of the app `ref` names. Other refs (a job run's task id) pass
    through: the server answers them, or says it knows no such task."""
    tasks = session.client.get("/v2/tasks")["tasks"]
    if any(t["id"] == ref for t in tasks):
        return ref
    app_id = "/" + ref.strip("/")
    of_app = sorted((t for t in tasks if t["appId"] == app_id and t["state"] == "TASK_RUNNING"),
                    key=lambda t: (t.get("startedAt") or "", t["id"]))
    if of_app:
        if len(of_app) > 1:
            click.echo(f"{app_id} has {len(of_app)} running tasks: showing {of_app[0]['id']} "
                       f"(others: {', '.join(t['id'] for t in of_app[1:])})", err=True)
        return str(of_app[0]["id"])
    starting = [t["id"] for t in tasks if t["id"].startswith(ref)]
    if len(starting) > 1:
        raise click.ClickException(f"{ref!r} is the start of {len(starting)} task ids; give "
                                   f"more of one: {', '.join(sorted(starting))}")
    return str(starting[0]) if starting else ref


@click.group()
def queue() -> None:
    """The launch queue: what waits for offers, and why."""


@queue.command("list")
@connected
def list_queue(session: Session) -> None:
    """Apps with instances waiting to launch, their backoff and why they wait."""
    entries = session.client.get("/v2/queue")["queue"]
    rows = []
    for entry in entries:
        summary = entry.get("processedOffersSummary", {})
        reasons = {w["reason"] for w in summary.get("waitingReasons", [])}
        delay = entry.get("delay", {})
        rows.append((entry["app"]["id"], entry["count"],
                     "" if delay.get("overdue") else f"{delay.get('timeLeftSeconds', 0)}s",
                     "; ".join(sorted(reasons))))
    session.show(entries, ["APP", "WAITING", "DELAY", "WHY"], rows)


@queue.command("reset")
@click.argument("app_id")
@connected
def reset_delay(session: Session, app_id: str) -> None:
    """Launch an app's waiting instances now, ending its failure backoff."""
    answer = session.client.delete(f"/v2/queue/{app_id.strip('/')}/delay")
    session.done(answer, f"reset the launch delay of /{app_id.strip('/')}")
