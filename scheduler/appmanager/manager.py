"""Apps: their definitions, and the instances that keep each app at its target.

`reconcile(app_id)` compares an app's target with its instances and queued requests
and acts (launch, unqueue, kill); it runs whenever an instance or the app changes.
While a deployment restarts an app, the rolling arithmetic decides instead.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mesos_vocab.states import TaskState
from scheduler.appmanager.instance_tallies import InstanceTallies
from scheduler.appmanager.launch_delays import LaunchDelays
from scheduler.appmanager.status_events import publish_status
from scheduler.apps import pathid, service_ports
from scheduler.apps.admission import admit
from scheduler.apps.model import AppDefinition, KillSelection, timestamp
from scheduler.apps.serialize import app_to_json
from scheduler.apps.task_info import build_task_info, task_request_for
from scheduler.apps.validation import parse_app
from scheduler.apps.versions import (
    apply_version_info,
    config_version,
    is_scale_only_change,
    restarted,
    stamped_version,
)
from scheduler.base.errors import AlreadyExists, Locked, NotFound
from scheduler.deployments import rolling
from scheduler.deployments.manager import DeploymentManager
from scheduler.deployments.plan import Action, ActionKind, Deployment, plan_steps
from scheduler.deployments.readiness import ReadinessTracker
from scheduler.health.monitor import HealthMonitor
from scheduler.launch.launcher import Launch
from scheduler.launch.task_request import Placement, is_job
from scheduler.launch.tasks import FAILURE_STATES, Goal, TaskRecord

if TYPE_CHECKING:
    from scheduler.launch.framework import Framework

log = logging.getLogger(__name__)

Json = dict[str, Any]


class AppManager:
    """The owner of app instances (a `RunSpecOwner`); runs on the owner thread."""

    def __init__(self, framework: Framework) -> None:
        self.fw = framework
        self.apps: dict[str, AppDefinition] = {}
        self.groups: dict[str, Json] = {}
        self.delays = LaunchDelays(framework, self.apps)
        self.last_failure: dict[str, Json] = {}
        # Wired here, once: each of them knows the manager only as the Protocol it declares.
        self.deployments = DeploymentManager(self)
        self.readiness = ReadinessTracker(self, self.deployments)
        self.health = HealthMonitor(self, self.readiness)
        self.tallies = InstanceTallies(framework.tracker, self.readiness)
        self._last_version = ""
        self._started_version = timestamp(framework.clock.now())
        # Apps whose instances changed this turn of the owner loop: each is brought back to
        # its target once per turn, not once per status update (O(n) per turn, not per task).
        self._dirty: set[str] = set()
        framework.core.at_end_of_turn(self.settle_changed)

    # restore ----------------------------------------------------------------------------
    def restore(self) -> None:
        for app_id, data in self.fw.store.load_apps().items():
            self.apps[app_id] = parse_app(data)
        self.groups = self.fw.store.load_groups()
        self.deployments.restore()
        known = set(self.apps) | set(self.deployments.apps_in_flight())
        for run_spec_id in self.fw.tracker.run_spec_ids():
            if not is_job(run_spec_id):
                known.add(run_spec_id)
        for app_id in sorted(known):
            self.readiness.sync(app_id)
            self.reconcile(app_id)

    # versions ---------------------------------------------------------------------------
    def _version_time(self) -> float:
        """Now, nudged so that every version handed out is later than the one before."""
        now = self.fw.clock.now()
        while timestamp(now) <= self._last_version:
            now += 0.001
        self._last_version = timestamp(now)
        return now

    @property
    def latest_version(self) -> str:
        """The last version handed out (the root group's version), else the start time."""
        return self._last_version or self._started_version

    def next_version(self) -> str:
        return timestamp(self._version_time())

    def stamp(self, app: AppDefinition, previous: AppDefinition | None, restart: bool) -> (
        AppDefinition
    ):
        """Give `app` its new version and versionInfo, as Marathon's rules say."""
        now = self._version_time()
        app = service_ports.inherit(app, previous, self.port_range)
        if restart:
            return restarted(app, now)
        return apply_version_info(previous, app, now)

    @property
    def port_range(self) -> service_ports.PortRange:
        return service_ports.PortRange(self.fw.config.local_port_min,
                                       self.fw.config.local_port_max)

    # reads ------------------------------------------------------------------------------
    def get(self, app_id: str) -> AppDefinition:
        app = self.apps.get(app_id)
        if app is None:
            raise NotFound(f"App '{app_id}' does not exist")
        return app

    def tasks(self, app_id: str) -> list[TaskRecord]:
        return [t for t in self.fw.tracker.of(app_id) if not t.is_terminal]

    def is_ready(self, record: TaskRecord, app: AppDefinition | None) -> bool:
        return self.tallies.is_ready(record, app)

    # deployments ------------------------------------------------------------------------
    def deploy(
        self,
        target: dict[str, AppDefinition | None],
        force: bool,
        restart: frozenset[str] = frozenset(),
        sentenced: tuple[TaskRecord, ...] = (),
    ) -> Deployment:
        """Store the target apps and start the deployment that brings them about."""
        target = service_ports.assign(target, self.apps, self.port_range)
        admit(target, self.apps, self.fw.config)
        original = {app_id: self.apps.get(app_id) for app_id in target}
        steps = plan_steps(
            original, target, is_scale_only_change, lambda a: a.dependencies, restart
        )
        affected = {a.app_id for step in steps for a in step}
        conflicts = self.deployments.conflicting(affected)
        if conflicts and not force:
            ids = [d.id for d in conflicts]
            raise Locked(
                "App is locked by one or more deployments. Override with the option "
                f"'?force=true'. View details at '/v2/deployments/{ids[0]}'.", ids,
            )
        deployment = Deployment(
            id=str(uuid.uuid4()),
            version=stamped_version(original, target) or self.next_version(),
            steps=steps,
            original={a: None if app is None else app_to_json(app) for a, app in original.items()},
            target={a: None if app is None else app_to_json(app) for a, app in target.items()},
            started_at=self.fw.clock.now(),
            timeout_at=self._timeout_at(target),
        )
        with self.fw.store.transaction():
            for old in conflicts:
                # Not reconciled yet: against the old definitions that could kill what
                # the new plan keeps.
                self.deployments.drop(old, f"canceled by deployment {deployment.id}")
            for app_id, app in target.items():
                if app is None:
                    self.fw.store.delete_app(app_id)
                elif app != original[app_id]:
                    self.fw.store.save_app(app_id, app.version or "", app_to_json(app),
                                           self.fw.config.max_app_versions)
            for record in sentenced:
                self.fw.kill(record)
            self.fw.store.save_deployment(deployment.id, deployment.to_json())
        for app_id, app in target.items():
            old_app = original[app_id]
            self.fw.changes.app(app_id)
            self.health.app_changed(app_id, old_app, app)
            if app is None:
                self.apps.pop(app_id, None)
            else:
                self.apps[app_id] = app
                if old_app is not None and config_version(old_app) != config_version(app):
                    self.fw.unqueue(app_id)  # queued requests were for the old config
        self.deployments.start(deployment)
        for app_id in sorted({a for d in conflicts for a in d.affected_apps} - affected):
            self.reconcile(app_id)
        return deployment

    def _timeout_at(self, target: dict[str, AppDefinition | None]) -> float | None:
        timeouts = [a.deployment_timeout_seconds for a in target.values()
                    if a is not None and a.deployment_timeout_seconds]
        return self.fw.clock.now() + min(timeouts) if timeouts else None

    # writes -----------------------------------------------------------------------------
    def create(self, app: AppDefinition, force: bool) -> tuple[AppDefinition, Deployment]:
        if app.id in self.apps:
            raise AlreadyExists(f"An app with id [{app.id}] already exists.")
        if app.id in self.groups or any(pathid.is_descendant(a, app.id) for a in self.apps):
            raise AlreadyExists(f"A group with id [{app.id}] already exists.")
        app = self.stamp(app, None, restart=False)
        deployment = self.deploy({app.id: app}, force)
        return self.apps[app.id], deployment  # as deployed: with its service ports

    def replace_app(self, app: AppDefinition, force: bool) -> tuple[bool, Deployment]:
        """PUT: create or update; returns (created, deployment)."""
        previous = self.apps.get(app.id)
        stamped = self.stamp(app, previous, restart=False)
        return previous is None, self.deploy({app.id: stamped}, force)

    def rollback(self, app_id: str, version: str, force: bool) -> Deployment:
        data = self.fw.store.app_version(app_id, version)
        if data is None:
            raise NotFound(f"App '{app_id}' does not exist in version {version}")
        old = parse_app(data)
        return self.deploy({app_id: self.stamp(old, self.apps.get(app_id), restart=False)}, force)

    def restart(self, app_id: str, force: bool) -> Deployment:
        app = self.get(app_id)
        restarted = self.stamp(app, app, restart=True)
        return self.deploy({app_id: restarted}, force, restart=frozenset({app_id}))

    def delete(self, app_id: str, force: bool) -> Deployment:
        self.get(app_id)
        return self.deploy({app_id: None}, force)

    def kill_tasks(self, app_id: str, task_ids: list[str], scale: bool, force: bool) -> (
        tuple[list[TaskRecord], Deployment | None]
    ):
        """Kill the given tasks; with `scale` the app shrinks by as many, else they are replaced."""
        app = self.get(app_id)
        records = [r for r in (self.fw.tracker.get(t) for t in task_ids)
                   if r is not None and r.run_spec_id == app_id and not r.is_terminal]
        if not scale:
            for record in records:
                self.readiness.task_changed(self.fw.kill(record))
            self.reconcile(app_id)
            return records, None
        target = replace(app, instances=max(0, app.instances - len(records)))
        target = self.stamp(target, app, restart=False)
        return records, self.deploy({app_id: target}, force, sentenced=tuple(records))

    def reset_delay(self, app_id: str) -> None:
        if not self.fw.queue.of(app_id):
            raise NotFound(f"Application {app_id} not found in tasks queue.")
        self.delays.reset(app_id)
        self.fw.changes.queued(app_id)  # its /v2/queue delay
        self.fw.launcher.wake()

    # desired against actual -------------------------------------------------------------
    def reconcile(self, app_id: str) -> None:
        """Bring the app to its target from its counts: work for what is to be done, not
        for how many instances it has."""
        app = self.apps.get(app_id)
        if app is None:
            self.fw.unqueue(app_id)
            if self.tallies.live_count(app_id):
                self._kill([r for r in self.tasks(app_id) if r.goal is Goal.RUNNING])
            return
        if self.deployments.held(app_id):
            return
        queued = self.fw.queue.count(app_id)
        current = config_version(app)
        restarting = self.deployments.restarting(app_id)
        if restarting:
            old, new = self.tallies.old_and_new(app)
            decision = rolling.restart(
                app.instances, app.upgrade_strategy.minimum_health_capacity,
                app.upgrade_strategy.maximum_over_capacity, old, new, queued,
            )
        else:
            decision = rolling.scale(app.instances, self.tallies.of_app(app), queued)
        if decision.kill:
            youngest = not restarting and app.kill_selection is KillSelection.YOUNGEST_FIRST
            chosen = self.tallies.kill_order(app, decision.kill, youngest,
                                             keep_version=current if restarting else None)
            victims = (self.fw.tracker.get(t) for t in chosen)
            self._kill([v for v in victims if v is not None])
        if decision.unqueue:
            queued_items = sorted(self.fw.queue.of(app_id), key=lambda q: q.since)
            for queued_item in queued_items[queued - decision.unqueue:]:
                self.fw.queue.remove(queued_item.request.task_id)
        for _ in range(decision.launch):
            task_id = pathid.task_id_for(app_id)
            self.fw.enqueue(task_request_for(app, task_id))
        if decision.unqueue or decision.kill:
            self.fw.launcher.after_change()

    def _kill(self, records: list[TaskRecord]) -> None:
        # One commit for all of them: a scale-down of thousands is not thousands of commits.
        with self.fw.store.transaction():
            for record in records:
                self.readiness.task_changed(self.fw.kill(record))

    def checks_changed(self, app_id: str) -> None:
        self.reconcile(app_id)
        self.deployments.on_app_changed(app_id)

    # RunSpecOwner -----------------------------------------------------------------------
    def build(self, placement: Placement) -> Launch | None:
        app = self.apps.get(placement.request.run_spec_id)
        if app is None:
            return None
        task_id = placement.request.task_id
        user = self.fw.config.task_users().user_for(app.user)
        info = build_task_info(replace(app, user=user), task_id, placement, app.version or "")
        record = TaskRecord(
            task_id=task_id, run_spec_id=app.id, version=app.version or "",
            config_version=config_version(app), agent_id=placement.agent_id,
            hostname=placement.hostname, staged_at=self.fw.clock.now(), ports=placement.ports,
        )
        return Launch(info, record)

    def is_delayed(self, run_spec_id: str) -> bool:
        return self.delays.is_delayed(run_spec_id)

    def time_left(self, app_id: str) -> float:
        return self.delays.time_left(app_id)

    def task_launched(self, record: TaskRecord) -> None:
        self.delays.launched(record.run_spec_id)

    def task_changed(self, previous: TaskRecord, record: TaskRecord, status: Json) -> None:
        app_id = record.run_spec_id
        app = self.apps.get(app_id)
        now = self.fw.clock.now()
        publish_status(self.fw.events, now, record)
        if record.is_terminal and record.goal is Goal.RUNNING and app is not None:
            if record.state in FAILURE_STATES and not previous.inactive:  # else replaced
                self.delays.failed(app)
            if record.state != TaskState.FINISHED:
                self.last_failure[app_id] = {
                    "appId": app_id, "host": record.hostname, "message": record.message,
                    "state": record.state, "taskId": record.task_id,
                    "timestamp": timestamp(now), "version": record.version,
                    "slaveId": record.agent_id,
                }
        self.health.task_changed(previous, record, status)
        self.readiness.task_changed(record)
        self._dirty.add(app_id)

    def settle_changed(self) -> None:
        """Reconcile and advance the deployments of every app whose instances changed."""
        dirty, self._dirty = self._dirty, set()
        self.readiness.flush()
        for app_id in sorted(dirty):
            self.reconcile(app_id)
        self.deployments.on_apps_changed(dirty)
        for app_id in sorted(dirty):
            if app_id not in self.apps and not self.tallies.live_count(app_id):
                self.fw.events.publish("app_terminated_event", self.fw.clock.now(),
                                       appId=app_id)

    # for deployments --------------------------------------------------------------------
    def action_done(self, action: Action) -> bool:
        app = self.apps.get(action.app_id)
        if action.kind is ActionKind.STOP:
            return not self.tallies.live_count(action.app_id)
        if action.kind is ActionKind.START or app is None:
            return True
        if action.kind is ActionKind.SCALE:
            return rolling.scale_done(app.instances, self.tallies.of_app(app))
        return rolling.restart_done(app.instances, *self.tallies.old_and_new(app))

    def action_waiting(self, action: Action) -> str:
        """Why an action has not finished yet, in words a user can act on."""
        app = self.apps.get(action.app_id)
        if action.kind is ActionKind.STOP or app is None:
            count = self.tallies.live_count(action.app_id)
            return f"waiting for {count} instance(s) to be killed"
        if action.kind is ActionKind.SCALE:
            ready, which = self.tallies.of_app(app).ready, ""
        else:  # a restart or an update: the instances it replaces are not progress
            ready, which = self.tallies.old_and_new(app)[1].ready, "new "
        parts = [f"{ready} of {app.instances} {which}instances ready"]
        waiting = self.fw.queue.count(action.app_id)
        if waiting:
            first = self.fw.queue.first(action.app_id)
            reason = self.fw.queue.reasons.get(first.request.task_id, "waiting for offers")
            parts.append(f"{waiting} waiting to launch: {reason}")
        delay = self.time_left(action.app_id)
        if delay > 0:
            parts.append(f"launch delayed {delay:.0f}s by backoff after failures")
        unhealthy = self.tallies.unhealthy_count(app)
        if unhealthy:
            parts.append(f"{unhealthy} running but not healthy")
        unready = self.tallies.unready_count(app)
        if unready:
            parts.append(f"{unready} running but not ready (readiness check)")
        return "; ".join(parts)
