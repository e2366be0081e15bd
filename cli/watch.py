"""Follow a deployment to its end: healthy/target instances per app, the step, why it waits.

It ends well when the deployment is gone and every app it touched has its instances (or
is gone, for a deployment that stopped it); badly when it is gone with apps short of their
target (cancelled or superseded), or when `timeout_s` passes first. A leader that dies
does not end it: the deployment goes on under the next leader, so the watch polls on
(through the other instances given) until one answers again.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

from cli.client import Client, Unavailable
from cli.options import Session

POLL_S = 0.5


@dataclass(frozen=True)
class AppProgress:
    app_id: str
    ready: int
    target: int
    exists: bool


def app_progress(client: Client, app_id: str) -> AppProgress:
    """Instances of the app's current configuration that are up (and healthy, when it has
    checks), and its target. An old instance a restart or an update replaces does not
    count, as in Marathon's deployment progress: `restart` would show 2/2 from its start."""
    apps = client.get("/v2/apps", id=app_id, embed="apps.tasks")["apps"]
    app = next((a for a in apps if a["id"] == app_id), None)
    if app is None:
        return AppProgress(app_id, 0, 0, False)
    return AppProgress(app_id, len(current_ready_tasks(app)), app["instances"], True)


def current_ready_tasks(app: dict[str, Any]) -> list[dict[str, Any]]:
    """The app's running tasks of its current configuration (healthy, if it has checks).
    A scale keeps the configuration: its tasks of an older version count too."""
    config = app.get("versionInfo", {}).get("lastConfigChangeAt") or app["version"]
    checked = bool(app.get("healthChecks"))
    return [t for t in app.get("tasks", [])
            if t.get("state") == "TASK_RUNNING" and t.get("version", "") >= config
            and (not checked or any(r.get("alive") for r in t.get("healthCheckResults", [])))]


def describe(deployment: dict[str, Any]) -> str:
    """`step 2/2: ScaleApplication /web` and what it waits for."""
    text = _step(deployment, deployment["currentStep"], deployment.get("currentActions", []))
    waiting = [w["reason"] for w in deployment.get("waiting", [])]
    return text + (f" (waiting: {'; '.join(waiting)})" if waiting else "")


def _step(deployment: dict[str, Any], number: int, actions: list[dict[str, Any]]) -> str:
    names = ", ".join(f"{a['action']} {a['app']}" for a in actions)
    return f"step {number}/{deployment['totalSteps']}: {names}"


def _steps_between(deployment: dict[str, Any], shown: int, before: int) -> list[str]:
    """The steps after `shown` and before `before`: they ran between two polls."""
    steps = deployment.get("steps", [])
    return [_step(deployment, n, steps[n - 1].get("actions", []))
            for n in range(shown + 1, min(before, len(steps) + 1))]


def _find(client: Client, deployment_id: str) -> dict[str, Any] | None:
    deployments = client.get("/v2/deployments", embed="waiting")
    return next((d for d in deployments if d["id"] == deployment_id), None)


def _stops(deployment: dict[str, Any], app_id: str) -> bool:
    return any(a["action"] == "StopApplication" and a["app"] == app_id
               for step in deployment.get("steps", []) for a in step.get("actions", []))


def watch(session: Session, deployment_id: str, timeout_s: float) -> bool:
    """Show the deployment's progress until it ends; True when it ended well."""
    client, console = session.client, session.console
    deployment = _find(client, deployment_id)
    if deployment is None:
        console.print(f"deployment {deployment_id} is not running (already finished)")
        return True
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("healthy"), console=console, transient=False) as progress:
        shown = _follow(client, progress, deployment, time.monotonic() + timeout_s)
    if shown is not None:
        return _ended(session, deployment, shown)
    console.print(f"deployment {deployment_id} timed out after {timeout_s:g}s; "
                  f"{describe(deployment)}")
    return False


def _follow(client: Client, progress: Progress, deployment: dict[str, Any],
            deadline: float) -> int | None:
    """Update the bars and print each new step or reason, until the deployment is gone:
    then the last step printed; None once `deadline` passed first."""
    bars: dict[str, TaskID] = {}
    last = ""
    shown = deployment["currentStep"] - 1  # steps done before the watch began go unprinted
    found: dict[str, Any] | None = deployment
    while True:
        try:
            _show_apps(client, progress, bars, deployment["affectedApps"])
            if found is None:
                return shown  # gone: the bars show where the apps ended
            lines = [*_steps_between(deployment, shown, deployment["currentStep"]),
                     describe(deployment)]
            shown = deployment["currentStep"]
        except Unavailable as error:
            lines = [f"no leader answers, polling on: {error.message.splitlines()[-1]}"]
        if lines[-1] != last:
            for line in lines:
                progress.console.print(line)
            last = lines[-1]
        if time.monotonic() > deadline:
            return None
        time.sleep(POLL_S)
        with contextlib.suppress(Unavailable):  # said by the next round's _show_apps
            found = _find(client, deployment["id"])
            deployment.update(found or {})


def _show_apps(client: Client, progress: Progress, bars: dict[str, TaskID],
               app_ids: list[str]) -> None:
    for app_id in app_ids:
        state = app_progress(client, app_id)
        if app_id not in bars:
            bars[app_id] = progress.add_task(app_id, total=state.target)
        progress.update(bars[app_id], completed=state.ready, total=max(state.target, 1))


def _ended(session: Session, deployment: dict[str, Any], shown: int) -> bool:
    short = []
    for app_id in deployment["affectedApps"]:
        state = app_progress(session.client, app_id)
        reached = state.ready >= state.target if state.exists else _stops(deployment, app_id)
        if not reached:
            short.append(f"{app_id} {state.ready}/{state.target}")
    if short:
        session.console.print(f"deployment {deployment['id']} ended short of its target "
                              f"(failed, cancelled or superseded): {', '.join(short)} healthy")
        return False
    # It reached its target: the steps it finished after the last poll ran too.
    for line in _steps_between(deployment, shown, deployment["totalSteps"] + 1):
        session.console.print(line)
    session.console.print(f"deployment {deployment['id']} finished")
    return True
