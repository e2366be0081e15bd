"""Groups: a tree of apps by id path, built from /v2/groups JSON and written back as GroupInfo."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scheduler.apps import pathid
from scheduler.apps.model import AppDefinition
from scheduler.apps.reader import EXPECTED_OBJECT, Problems, Reader
from scheduler.apps.serialize import app_to_json
from scheduler.apps.validation import read_app, read_path_id
from scheduler.base.errors import MalformedRequest

# A factor past this would ask more of any app than --max-instances-per-app allows anyway;
# bounding it keeps math.ceil(instances * factor) a small int.
MAX_SCALE_BY = 1_000_000.0


@dataclass(frozen=True)
class Group:
    """A group and everything below it; every app and group sits directly under its parent."""

    id: str
    apps: tuple[AppDefinition, ...] = ()
    groups: tuple[Group, ...] = ()
    dependencies: tuple[str, ...] = ()
    version: str | None = None
    enforce_role: bool = False


@dataclass(frozen=True)
class GroupUpdate:
    """A PUT/POST /v2/groups body. With `version` set it is a rollback of the subtree; with
    `scale_by` it multiplies every app's instances (either must be the body's only field);
    otherwise `group` is the wanted subtree."""

    id: str
    group: Group | None = None
    scale_by: float | None = None
    version: str | None = None
    # (group id, field) pairs the body leaves out: "apps", "groups" or "dependencies".
    # An update keeps what it does not name, as Marathon's does (see `keep_omitted`).
    omitted: frozenset[tuple[str, str]] = frozenset()


def parse_group(data: object, parent: str = pathid.ROOT, group_id: str | None = None) -> Group:
    """The validated group in `data` (POST /v2/groups); `group_id` is used when `data` has no id."""
    update = parse_group_update(data, parent, group_id)
    return update.group or Group(update.id)


def parse_group_update(
    data: object, parent: str = pathid.ROOT, group_id: str | None = None
) -> GroupUpdate:
    """A group body with Marathon's special modes; raises MalformedRequest or ValidationFailed."""
    if not isinstance(data, dict):
        raise MalformedRequest("Invalid JSON", details=[{"path": "/", "errors": [EXPECTED_OBJECT]}])
    problems = Problems()
    r = Reader(data, "", problems)
    version, scale_by = r.string("version"), r.number("scaleBy")
    r.minimum("scaleBy", scale_by, 0.0)
    r.maximum("scaleBy", scale_by, MAX_SCALE_BY)
    _require_alone(r, data, "version")
    _require_alone(r, data, "scaleBy")
    full_id = _read_id(r, parent, group_id)
    omitted: set[tuple[str, str]] = set()
    group = None if version or scale_by is not None else _read_group(r, full_id, omitted)
    problems.raise_if_any()
    return GroupUpdate(full_id, group, scale_by, version, frozenset(omitted))


# Every field of Marathon's GroupUpdate: a rollback or a scaling must be the only one given.
_UPDATE_FIELDS = ("id", "apps", "groups", "dependencies", "enforceRole", "version", "scaleBy")


def _require_alone(r: Reader, data: Mapping[str, Any], mode: str) -> None:
    given = [key for key in _UPDATE_FIELDS if data.get(key) is not None]
    if mode in given and len(given) > 1:
        r.problems.violation(r.at(mode), "not allowed in conjunction with other properties.")


def _read_id(r: Reader, parent: str, group_id: str | None) -> str:
    return read_path_id(r, r.string("id") or group_id, parent) or pathid.ROOT


def _read_group(r: Reader, group_id: str, omitted: set[tuple[str, str]]) -> Group:
    omitted.update((group_id, key) for key in _UPDATABLE if key not in r.data)
    apps = []
    for index, item in enumerate(r.array("apps") or []):
        app_problems = Problems()
        app = read_app(item, app_problems, group_id)
        r.problems.merge(app_problems, f"{r.at('apps')}({index})")
        if app is not None:
            _require_child(r, f"{r.at('apps')}({index})/id", app.id, group_id)
            apps.append(app)
    groups = []
    for sub in r.children("groups"):
        sub_id = _read_id(sub, group_id, None)
        _require_child(sub, sub.at("id"), sub_id, group_id)
        groups.append(_read_group(sub, sub_id, omitted))
    ids = Counter([app.id for app in apps] + [group.id for group in groups])
    for duplicate in sorted(i for i, count in ids.items() if count > 1):
        r.problems.violation(r.path or "/", f"{duplicate} is defined more than once")
    return Group(
        id=group_id,
        apps=tuple(apps),
        groups=tuple(groups),
        dependencies=_dependencies(r, group_id),
        enforce_role=bool(r.boolean("enforceRole")),
    )


_UPDATABLE = ("apps", "groups", "dependencies")


def keep_omitted(group: Group, current: Group | None, omitted: frozenset[tuple[str, str]]) -> Group:
    """`group` with what its update left out taken from `current`, the group as it is now.

    A PUT of `{"dependencies": []}` changes the dependencies and keeps the apps and subgroups.
    """
    if current is None:
        return group
    here = {field for gid, field in omitted if gid == group.id}
    existing = {sub.id: sub for sub in current.groups}
    return replace(
        group,
        apps=current.apps if "apps" in here else group.apps,
        groups=current.groups if "groups" in here else tuple(
            keep_omitted(sub, existing.get(sub.id), omitted) for sub in group.groups
        ),
        dependencies=current.dependencies if "dependencies" in here else group.dependencies,
    )


def _require_child(r: Reader, path: str, child: str, group_id: str) -> None:
    if pathid.parent_of(child) != group_id or child == group_id:
        r.problems.violation(
            path, f"identifier {child} is not child of {group_id}. Hint: use relative paths."
        )


def _dependencies(r: Reader, group_id: str) -> tuple[str, ...]:
    resolved = []
    for index, raw in enumerate(r.strings("dependencies") or ()):
        try:
            resolved.append(pathid.canonical(raw, pathid.parent_of(group_id)))
        except pathid.InvalidPathId as error:
            r.problems.violation(f"{r.at('dependencies')}({index})", str(error))
    return tuple(resolved)


def iter_apps(group: Group) -> Iterator[AppDefinition]:
    """Every app in `group` and below, depth first."""
    yield from group.apps
    for sub in group.groups:
        yield from iter_apps(sub)


def iter_groups(group: Group) -> Iterator[Group]:
    """`group` and every group below it, depth first."""
    yield group
    for sub in group.groups:
        yield from iter_groups(sub)


def find_group(root: Group, group_id: str) -> Group | None:
    return next((g for g in iter_groups(root) if g.id == group_id), None)


def scaled(group: Group, factor: float) -> Group:
    """`group` with every app's instances multiplied by `factor`, rounded up (scaleBy)."""
    return replace(
        group,
        apps=tuple(replace(app, instances=math.ceil(app.instances * factor)) for app in group.apps),
        groups=tuple(scaled(sub, factor) for sub in group.groups),
    )


def tree_of(apps: Iterable[AppDefinition], groups: Iterable[Group] = ()) -> Group:
    """The root group holding `apps`, with intermediate groups made as needed.

    `groups` give the id, dependencies, version and enforceRole of groups that exist on
    their own (possibly empty); their `apps` and `groups` are ignored.
    """
    shells: dict[str, Group] = {pathid.ROOT: Group(pathid.ROOT)}
    for group in groups:
        shells[group.id] = replace(group, apps=(), groups=())
    members: dict[str, list[AppDefinition]] = {}
    for app in apps:
        members.setdefault(pathid.parent_of(app.id), []).append(app)
    for group_id in [*list(shells), *members]:
        for ancestor in pathid.ancestors(group_id):
            shells.setdefault(ancestor, Group(ancestor))
        shells.setdefault(group_id, Group(group_id))
    return _assemble(pathid.ROOT, shells, members)


def with_versions(group: Group, root_version: str) -> Group:
    """`group` with a version on every group: a group made implicitly by its apps' ids has
    the newest version below it; the root has `root_version` (Marathon always writes one)."""
    groups = tuple(with_versions(sub, root_version) for sub in group.groups)
    found = [v for v in (group.version, *(a.version for a in group.apps),
                         *(g.version for g in groups)) if v]
    if group.id == pathid.ROOT:
        found.append(root_version)
    version = group.version or (max(found) if found else root_version)
    return replace(group, groups=groups, version=version)


def _assemble(
    group_id: str, shells: Mapping[str, Group], members: Mapping[str, list[AppDefinition]]
) -> Group:
    children = sorted(i for i in shells if i != group_id and pathid.parent_of(i) == group_id)
    return replace(
        shells[group_id],
        apps=tuple(sorted(members.get(group_id, []), key=lambda app: app.id)),
        groups=tuple(_assemble(child, shells, members) for child in children),
    )


def group_to_json(
    group: Group, app_json: Callable[[AppDefinition], dict[str, Any]] = app_to_json
) -> dict[str, Any]:
    """GroupInfo; `app_json` renders each app (pass an AppInfo renderer to embed counts or tasks).

    `enforceRole` is left out: the `marathon` client's group model rejects it.
    """
    out: dict[str, Any] = {
        "id": group.id,
        "apps": [app_json(app) for app in group.apps],
        "groups": [group_to_json(sub, app_json) for sub in group.groups],
        "pods": [],
        "dependencies": list(group.dependencies),
    }
    if group.version is not None:
        out["version"] = group.version
    return out
