"""`dromos deployment ...`: deployments in progress, following one, cancelling one."""

from __future__ import annotations

import click

from cli.options import Session, connected
from cli.watch import describe, watch


@click.group()
def deployment() -> None:
    """Deployments: list, watch, cancel."""


@deployment.command("list")
@connected
def list_deployments(session: Session) -> None:
    """Deployments in progress: their apps, step and what they wait for."""
    deployments = session.client.get("/v2/deployments", embed="waiting")
    rows = [(d["id"], ",".join(d["affectedApps"]), d["version"], describe(d))
            for d in deployments]
    session.show(deployments, ["ID", "APPS", "VERSION", "PROGRESS"], rows)


@deployment.command("watch")
@click.argument("deployment_id")
@click.option("--timeout", default=300.0, show_default=True, help="seconds to wait")
@connected
def watch_deployment(session: Session, deployment_id: str, timeout: float) -> None:
    """Show a deployment's progress until it ends; exit 1 if it fails or times out."""
    if not watch(session, deployment_id, timeout):
        raise SystemExit(1)


@deployment.command("cancel")
@click.argument("deployment_id")
@click.option("--force", is_flag=True, help="stop it where it is instead of rolling back")
@connected
def cancel_deployment(session: Session, deployment_id: str, force: bool) -> None:
    """Cancel a deployment: roll its apps back (or, with --force, just stop it)."""
    answer = session.client.delete(f"/v2/deployments/{deployment_id}", force=str(force).lower())
    session.done(answer, f"cancelled {deployment_id}")
