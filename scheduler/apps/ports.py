"""What health checks, readiness checks and deployments may ask of the apps' owner.

`AppManager` satisfies `AppsView`; scheduler.health and scheduler.deployments name only
this Protocol (extended with what each needs), never the manager's class, so none of them
imports the app manager back. The manager wires them together in its constructor.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from scheduler.apps.model import AppDefinition
    from scheduler.launch.framework import Framework
    from scheduler.launch.tasks import TaskRecord


class AppsView(Protocol):
    """The apps, their live tasks, and the one way to act on a change: reconcile."""

    @property
    def fw(self) -> Framework: ...

    @property
    def apps(self) -> dict[str, AppDefinition]: ...

    def tasks(self, app_id: str) -> list[TaskRecord]: ...

    def reconcile(self, app_id: str) -> None: ...

    def checks_changed(self, app_id: str) -> None:
        """An instance's health or readiness changed: reconcile, then advance deployments."""
