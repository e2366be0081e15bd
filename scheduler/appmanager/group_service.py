"""Groups: trees of apps by id path. A group write becomes one deployment of its apps.

Each write keeps a snapshot of the group it wrote (its apps' full definitions), so a
group can be shown at, and rolled back to, an earlier version.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from scheduler.appmanager.manager import AppManager
from scheduler.apps import pathid, service_ports
from scheduler.apps.groups import (
    Group,
    find_group,
    group_to_json,
    iter_apps,
    iter_groups,
    parse_group,
    scaled,
    tree_of,
    with_versions,
)
from scheduler.apps.model import AppDefinition
from scheduler.base.errors import AlreadyExists, MalformedRequest, NotFound
from scheduler.deployments.plan import Deployment

Json = dict[str, Any]


def _shell(group_id: str, data: Json) -> Group:
    return Group(group_id, dependencies=tuple(data.get("dependencies", ())),
                 version=data.get("version"))


def root(apps: AppManager) -> Group:
    return root_of(apps.apps.values(), apps.groups, apps.latest_version)


def root_of(defined: Iterable[AppDefinition], groups: Mapping[str, Json],
            latest_version: str) -> Group:
    """The root group of these apps and group shells (pure: readers use a snapshot's)."""
    shells = [_shell(gid, data) for gid, data in groups.items()]
    return with_versions(tree_of(defined, shells), latest_version)


def get(apps: AppManager, group_id: str) -> Group:
    return found(root(apps), group_id)


def found(top: Group, group_id: str) -> Group:
    group = find_group(top, group_id)
    if group is None:
        raise NotFound(f"Group '{group_id}' does not exist")
    return group


def _apps_under(apps: AppManager, group_id: str) -> dict[str, AppDefinition]:
    return {
        a: app for a, app in apps.apps.items()
        if group_id == pathid.ROOT or pathid.is_descendant(a, group_id)
    }


def _save_shells(apps: AppManager, group: Group, version: str) -> None:
    for sub in iter_groups(group):
        if sub.id == pathid.ROOT:
            continue
        data = {"dependencies": list(sub.dependencies), "version": version}
        apps.groups[sub.id] = data
        apps.fw.store.save_group(sub.id, data)


def create(apps: AppManager, group: Group, force: bool) -> Deployment:
    if group.id == pathid.ROOT or (
        group.id in apps.groups or _apps_under(apps, group.id) or group.id in apps.apps
    ):
        raise AlreadyExists(
            f"Group {group.id} is already created. Use PUT to change this group."
        )
    for app in iter_apps(group):
        if app.id in apps.apps:
            raise AlreadyExists(f"An app with the path {app.id} already exists.")
    return _recorded(apps, group.id, _deploy(apps, group, force, replace_subtree=False))


def update(apps: AppManager, group: Group, force: bool) -> Deployment:
    return _recorded(apps, group.id, _deploy(apps, group, force, replace_subtree=True))


def scale_by(apps: AppManager, group_id: str, factor: float, force: bool) -> Deployment:
    group = get(apps, group_id)
    target = {app.id: apps.stamp(app, apps.apps[app.id], restart=False)
              for app in iter_apps(scaled(group, factor))}
    return _recorded(apps, group_id, apps.deploy(dict(target), force))


def rollback(apps: AppManager, group_id: str, version: str, force: bool) -> Deployment:
    """Deploy the group's subtree as it was at `version` (PUT {"version": ...})."""
    data = apps.fw.store.group_version(group_id, version)
    if data is None:
        raise NotFound(f"Group '{group_id}' does not exist in version {version}")
    data.pop("version", None)  # at the top it would ask for a rollback again
    return update(apps, parse_group(data, group_id=group_id), force)


def versions(apps: AppManager, group_id: str) -> list[str]:
    return apps.fw.store.group_versions(group_id)


def at_version(apps: AppManager, group_id: str, version: str) -> Json:
    data = apps.fw.store.group_version(group_id, version)
    if data is None:
        raise NotFound(f"Group '{group_id}' does not exist in version {version}")
    return data


def delete(apps: AppManager, group_id: str, force: bool) -> Deployment:
    if group_id != pathid.ROOT:
        get(apps, group_id)
    target: dict[str, AppDefinition | None] = {a: None for a in _apps_under(apps, group_id)}
    deployment = apps.deploy(target, force)
    for gid in [g for g in apps.groups if g == group_id or pathid.is_descendant(g, group_id)]:
        apps.groups.pop(gid, None)
        apps.fw.store.delete_group(gid)
        apps.fw.store.delete_group_versions(gid)
    apps.fw.store.delete_group_versions(group_id)  # also when only its apps made it exist
    _publish_change(apps, group_id, deployment.version)
    return deployment


def _recorded(apps: AppManager, group_id: str, deployment: Deployment) -> Deployment:
    """After a group write: keep the group as it is now, and say it changed."""
    group = find_group(root(apps), group_id)
    if group is not None:
        snapshot = group_to_json(replace(group, version=deployment.version))
        apps.fw.store.save_group_version(group_id, deployment.version, snapshot,
                                         apps.fw.config.max_app_versions)
    _publish_change(apps, group_id, deployment.version)
    return deployment


def _publish_change(apps: AppManager, group_id: str, version: str) -> None:
    apps.fw.events.publish("group_change_success", apps.fw.clock.now(), groupId=group_id,
                           version=version)


def dry_run(apps: AppManager, group: Group) -> Json:
    from scheduler.apps.versions import is_scale_only_change
    from scheduler.deployments.plan import plan_steps

    original, target = _target(apps, group, replace_subtree=True)
    steps = plan_steps(original, target, is_scale_only_change, lambda a: a.dependencies)
    return {"steps": [{"actions": [a.to_json() for a in step]} for step in steps]}


def _target(apps: AppManager, group: Group, replace_subtree: bool) -> tuple[
    dict[str, AppDefinition | None], dict[str, AppDefinition | None]
]:
    wanted = {app.id: app for app in iter_apps(group)}
    target: dict[str, AppDefinition | None] = {}
    if replace_subtree:
        target.update({a: None for a in _apps_under(apps, group.id) if a not in wanted})
    for app_id, app in wanted.items():
        previous = apps.apps.get(app_id)
        app = service_ports.inherit(app, previous, apps.port_range)
        if previous is not None and replace(app, version=None, version_info=None) == replace(
            previous, version=None, version_info=None
        ):
            continue
        target[app_id] = app
    original = {a: apps.apps.get(a) for a in target}
    return original, target


def _deploy(apps: AppManager, group: Group, force: bool, replace_subtree: bool) -> Deployment:
    if group.id in apps.apps:
        raise MalformedRequest(f"Path {group.id} is an app, not a group")
    _, target = _target(apps, group, replace_subtree)
    stamped = {
        a: None if app is None else apps.stamp(app, apps.apps.get(a), restart=False)
        for a, app in target.items()
    }
    deployment = apps.deploy(stamped, force)
    _save_shells(apps, group, deployment.version)
    return deployment
