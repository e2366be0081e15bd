"""Deployment plans: the steps that turn one set of apps into another (pure).

Steps run in order; the actions of a step run together. Removed apps stop first, new
apps get a start placeholder, then changed apps scale or restart in dependency order,
deepest dependency first, as Marathon does.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


class ActionKind(enum.Enum):
    START = "StartApplication"
    STOP = "StopApplication"
    SCALE = "ScaleApplication"
    RESTART = "RestartApplication"


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    app_id: str

    def to_json(self) -> Json:
        return {"action": self.kind.value, "app": self.app_id}

    @classmethod
    def from_json(cls, data: Json) -> Action:
        return cls(ActionKind(data["action"]), data["app"])


Steps = tuple[tuple[Action, ...], ...]


def plan_steps(
    original: Mapping[str, Any],
    target: Mapping[str, Any],
    scale_only: Callable[[Any, Any], bool],
    dependencies: Callable[[Any], tuple[str, ...]],
    restart: frozenset[str] = frozenset(),
) -> Steps:
    """Steps from `original` to `target` (app id -> definition, None when absent).

    `restart` names apps to restart even when their definition did not change.
    """
    removed = sorted(a for a in original if original[a] is not None and target.get(a) is None)
    added = sorted(a for a in target if target[a] is not None and original.get(a) is None)
    changed = {
        a for a, new in target.items()
        if new is not None and (a in added or a in restart or original.get(a) != new)
    }
    steps: list[tuple[Action, ...]] = []
    if removed:
        steps.append(tuple(Action(ActionKind.STOP, a) for a in removed))
    if added:
        steps.append(tuple(Action(ActionKind.START, a) for a in added))
    depth = _depths(target, dependencies)
    for level in sorted({depth[a] for a in changed}):
        actions = []
        for app_id in sorted(a for a in changed if depth[a] == level):
            old = original.get(app_id)
            kind = ActionKind.SCALE
            if app_id in restart or (old is not None and not scale_only(old, target[app_id])):
                kind = ActionKind.RESTART
            actions.append(Action(kind, app_id))
        steps.append(tuple(actions))
    return tuple(steps)


def _depths(target: Mapping[str, Any], dependencies: Callable[[Any], tuple[str, ...]]) -> dict[
    str, int
]:
    """Length of each app's longest chain of dependencies among the target apps."""
    depth: dict[str, int] = {}

    def visit(app_id: str, seen: frozenset[str]) -> int:
        if app_id in depth:
            return depth[app_id]
        app = target.get(app_id)
        deps = [d for d in (dependencies(app) if app is not None else ()) if d in target]
        level = 0
        for dep in deps:
            if dep not in seen:  # a cycle cannot order anything: ignore the back edge
                level = max(level, visit(dep, seen | {app_id}) + 1)
        depth[app_id] = level
        return level

    for app_id in target:
        visit(app_id, frozenset())
    return depth


@dataclass
class Deployment:
    """A plan in progress. `current_step` is 0-based; Marathon shows it 1-based."""

    id: str
    version: str
    steps: Steps
    original: dict[str, Json | None]
    target: dict[str, Json | None]
    started_at: float
    timeout_at: float | None = None
    current_step: int = 0
    waiting: dict[str, str] = field(default_factory=dict)

    @property
    def affected_apps(self) -> list[str]:
        return sorted({a.app_id for step in self.steps for a in step})

    @property
    def current_actions(self) -> tuple[Action, ...]:
        if self.current_step < len(self.steps):
            return self.steps[self.current_step]
        return ()

    def to_json(self) -> Json:
        return {
            "id": self.id,
            "version": self.version,
            "steps": [[a.to_json() for a in step] for step in self.steps],
            "original": self.original,
            "target": self.target,
            "started_at": self.started_at,
            "timeout_at": self.timeout_at,
            "current_step": self.current_step,
        }

    @classmethod
    def from_json(cls, data: Json) -> Deployment:
        return cls(
            id=data["id"],
            version=data["version"],
            steps=tuple(tuple(Action.from_json(a) for a in step) for step in data["steps"]),
            original=data["original"],
            target=data["target"],
            started_at=data["started_at"],
            timeout_at=data.get("timeout_at"),
            current_step=data.get("current_step", 0),
        )
