"""Running deployments: advance a plan step by step as the apps' instances change.

A step is done when each of its actions holds (see `AppManager.action_done`); a plan
that waits says why, and one past its app's `deploymentTimeoutSeconds` fails instead of
waiting forever. Plans are in the store, so a restarted scheduler resumes them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Protocol

from scheduler.apps.model import AppDefinition
from scheduler.apps.ports import AppsView
from scheduler.base.core import Timer
from scheduler.base.errors import NotFound
from scheduler.deployments.plan import Action, ActionKind, Deployment

log = logging.getLogger(__name__)

Json = dict[str, Any]

TICK_S = 1.0


class ReadinessSync(Protocol):
    def sync(self, app_id: str) -> None: ...


class DeployingApps(AppsView, Protocol):
    """What deployments ask of the apps' owner (the `AppManager`)."""

    @property
    def readiness(self) -> ReadinessSync: ...

    def stamp(self, app: AppDefinition, previous: AppDefinition | None,
              restart: bool) -> AppDefinition: ...

    def deploy(self, target: dict[str, AppDefinition | None], force: bool) -> Deployment: ...

    def action_done(self, action: Action) -> bool: ...

    def action_waiting(self, action: Action) -> str: ...


class DeploymentManager:
    def __init__(self, apps: DeployingApps) -> None:
        self.apps = apps
        self.running: dict[str, Deployment] = {}
        self._timer: Timer | None = None
        self._held: dict[str, tuple[int, frozenset[str]]] = {}  # id -> (step, apps held)

    @property
    def _fw(self) -> Any:
        return self.apps.fw

    def restore(self) -> None:
        for data in self._fw.store.load_deployments().values():
            deployment = Deployment.from_json(data)
            self.running[deployment.id] = deployment
        if self.running:
            self._schedule_tick()

    def apps_in_flight(self) -> set[str]:
        return {a for d in self.running.values() for a in d.affected_apps}

    def get(self, deployment_id: str) -> Deployment:
        deployment = self.running.get(deployment_id)
        if deployment is None:
            raise NotFound(f"DeploymentPlan {deployment_id} does not exist")
        return deployment

    def of_app(self, app_id: str) -> list[Deployment]:
        return [d for d in self.running.values() if app_id in d.affected_apps]

    def conflicting(self, app_ids: set[str]) -> list[Deployment]:
        return [d for d in self.running.values() if app_ids & set(d.affected_apps)]

    def held(self, app_id: str) -> bool:
        """The app's action is in a later step of a running plan: leave it alone for now.

        A start placeholder does not count: a new app launches in its scale step, after
        the apps it depends on.
        """
        return any(app_id in self._held_apps(d) for d in self.running.values())

    def _held_apps(self, d: Deployment) -> frozenset[str]:
        """The apps `d` holds at its current step, worked out once per step (reconcile asks
        for every app of a 1,000-app plan in every turn)."""
        cached = self._held.get(d.id)
        if cached is None or cached[0] != d.current_step:
            later = {a.app_id for step in d.steps[d.current_step + 1:] for a in step}
            current = {a.app_id for a in d.current_actions if a.kind is not ActionKind.START}
            cached = (d.current_step, frozenset(later - current))
            self._held[d.id] = cached
        return cached[1]

    def restarting(self, app_id: str) -> bool:
        return any(
            a.app_id == app_id and a.kind is ActionKind.RESTART
            for d in self.running.values() for a in d.current_actions
        )

    # lifecycle --------------------------------------------------------------------------
    def start(self, deployment: Deployment) -> None:
        """Run a stored plan. Its first step acts right after the change that made it is
        answered (the next thing the owner thread does): the change is committed with the
        plan, and the plan's work (a scale-down of thousands is that many kills) is the
        deployment's, not the request's."""
        self.running[deployment.id] = deployment
        self._publish("deployment_info", deployment)
        self._fw.core.call_later(0.0, lambda: self._first_step(deployment))
        self._schedule_tick()

    def _first_step(self, deployment: Deployment) -> None:
        if self.running.get(deployment.id) is deployment and deployment.current_step == 0:
            self._begin_step(deployment)
            self._advance(deployment)

    def on_app_changed(self, app_id: str) -> None:
        self.on_apps_changed({app_id})

    def on_apps_changed(self, app_ids: set[str]) -> None:
        """Advance each plan touching any of `app_ids` once (a batch of 1,000 apps is one
        plan: once per turn, not once per app)."""
        for deployment in list(self.running.values()):
            if app_ids.intersection(deployment.affected_apps):
                self._advance(deployment)

    def status_changed(self, app_id: str) -> None:
        """`deployment_info` for each plan whose current step acts on `app_id` (a task of
        it passed its readiness check: the plan's status, as /v2/deployments shows it)."""
        for deployment in list(self.running.values()):
            if any(a.app_id == app_id for a in deployment.current_actions):
                self._publish("deployment_info", deployment)

    def cancel(self, deployment: Deployment, reason: str = "canceled") -> None:
        """Stop a plan where it is (Marathon's force): nothing is rolled back."""
        self.drop(deployment, reason)
        for app_id in deployment.affected_apps:
            self.apps.reconcile(app_id)

    def drop(self, deployment: Deployment, reason: str) -> None:
        """End a plan and leave its apps alone: the caller reconciles them."""
        self._end(deployment)
        self._publish("deployment_failed", deployment, reason=reason)

    def rollback(self, deployment_id: str) -> Deployment:
        """Cancel a plan and deploy what its apps were before it, as a new plan."""
        from scheduler.apps.validation import parse_app

        deployment = self.get(deployment_id)
        target: dict[str, AppDefinition | None] = {}
        for app_id, data in deployment.original.items():
            current = self.apps.apps.get(app_id)
            if data is None:
                target[app_id] = None
            else:
                target[app_id] = self.apps.stamp(parse_app(data), current, restart=False)
        return self.apps.deploy(target, force=True)

    def _begin_step(self, deployment: Deployment) -> None:
        for action in deployment.current_actions:
            self.apps.readiness.sync(action.app_id)
            self.apps.reconcile(action.app_id)

    def _advance(self, deployment: Deployment) -> None:
        while deployment.id in self.running and deployment.current_actions:
            pending = [a for a in deployment.current_actions if not self.apps.action_done(a)]
            if pending:
                deployment.waiting = {a.app_id: self.apps.action_waiting(a) for a in pending}
                return
            self._publish("deployment_step_success", deployment)
            finished = deployment.current_actions
            deployment.current_step += 1
            for action in finished:
                self.apps.readiness.sync(action.app_id)  # its results end with its step
            deployment.waiting = {}
            self._fw.store.save_deployment(deployment.id, deployment.to_json())
            self._begin_step(deployment)
        if deployment.id in self.running:
            self._end(deployment)
            self._publish("deployment_success", deployment)
            for app_id in deployment.affected_apps:
                self.apps.reconcile(app_id)

    def _end(self, deployment: Deployment) -> None:
        self.running.pop(deployment.id, None)
        self._held.pop(deployment.id, None)
        self._fw.store.delete_deployment(deployment.id)
        for app_id in deployment.affected_apps:
            self.apps.readiness.sync(app_id)

    # timeouts ---------------------------------------------------------------------------
    def _schedule_tick(self) -> None:
        if self._timer is None and self.running:
            self._timer = self._fw.core.call_later(TICK_S, self._tick)

    def _tick(self) -> None:
        self._timer = None
        now = self._fw.clock.now()
        for deployment in list(self.running.values()):
            self._advance(deployment)
            if deployment.id not in self.running:
                continue
            if deployment.timeout_at is not None and now >= deployment.timeout_at:
                waited = "; ".join(f"{a}: {w}" for a, w in sorted(deployment.waiting.items()))
                seconds = now - deployment.started_at
                self.cancel(deployment, f"timed out after {seconds:.0f}s ({waited})")
        self._schedule_tick()

    # events -----------------------------------------------------------------------------
    def _publish(self, event_type: str, deployment: Deployment, **extra: Any) -> None:
        plan = {"id": deployment.id, "version": deployment.version,
                "steps": [{"actions": [a.to_json() for a in s]} for s in deployment.steps]}
        fields: Json = {"plan": plan}
        if event_type in ("deployment_success", "deployment_failed"):
            fields["id"] = deployment.id
        else:
            fields["currentStep"] = {"actions": [a.to_json() for a in deployment.current_actions]}
        self._fw.events.publish(event_type, self._fw.clock.now(), **fields, **extra)


def deployment_json(
    deployment: Deployment,
    with_waiting: bool = False,
    readiness: Callable[[str], list[Json]] = lambda app_id: [],
) -> Json:
    """GET /v2/deployments element; `waiting` (a Dromos addition) only when asked for.

    `readiness` gives an app's readinessCheckResults (ReadinessTracker.results_json).
    """
    body: Json = {
        "id": deployment.id,
        "version": deployment.version,
        "affectedApps": deployment.affected_apps,
        "affectedPods": [],
        "steps": [{"actions": [a.to_json() for a in step]} for step in deployment.steps],
        "currentActions": [
            {**a.to_json(), "readinessCheckResults": readiness(a.app_id)}
            for a in deployment.current_actions
        ],
        "currentStep": deployment.current_step + 1,
        "totalSteps": len(deployment.steps),
    }
    if with_waiting:
        body["waiting"] = [
            {"app": app_id, "reason": reason}
            for app_id, reason in sorted(deployment.waiting.items())
        ]
    return body
