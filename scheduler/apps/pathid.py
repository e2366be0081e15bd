"""App and group ids: slash paths of DNS-like segments, and the task ids derived from them.

Canonical ids are absolute, without a trailing slash ("/prod/web"); the root group is "/".
"""

from __future__ import annotations

import re
import uuid

ROOT = "/"

_LABEL = r"(?:[a-z0-9]|[a-z0-9][a-z0-9\-]*[a-z0-9])"
_SEGMENT = re.compile(rf"(?:{_LABEL}\.)*{_LABEL}")

# The API tells `/v2/apps/{id}/tasks` etc. apart by the last segment, so an id may not end in these.
RESERVED_LAST_SEGMENTS = frozenset({"restart", "tasks", "versions", ".", ".."})

# Task ids (the app id and ~50 characters) are stored in 255-character columns.
MAX_ID_LENGTH = 200

_TASK_ID = re.compile(
    r"^(?P<app>.+)\.(?P<kind>instance-|marathon-)(?P<uuid>[^.]+)(?:\._app\.\d+)?$"
)
_LEGACY_TASK_ID = re.compile(
    r"^(?P<app>.+)\.(?P<uuid>[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$"
)


class InvalidPathId(ValueError):
    """An id that cannot be made canonical (it climbs above the root)."""


def canonical(raw: str, parent: str = ROOT) -> str:
    """`raw` made absolute against `parent`, with `.` and `..` segments resolved.

    Segment syntax is not checked here; see `path_errors`.
    """
    base = [] if raw.startswith("/") else list(segments(parent))
    for part in raw.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not base:
                raise InvalidPathId(f"{raw!r} climbs above the root group")
            base.pop()
        else:
            base.append(part)
    return "/" + "/".join(base)


def path_errors(raw: str) -> list[str]:
    """What is wrong with `raw` as an app or group id (empty when it is fine)."""
    parts = [p for p in raw.split("/") if p]
    errors = [
        f"'{p}' must be lowercase letters, digits, hyphens and dots, "
        "each dot-separated label starting and ending with a letter or digit"
        for p in parts
        if p not in (".", "..") and not _SEGMENT.fullmatch(p)
    ]
    if parts and parts[-1] in RESERVED_LAST_SEGMENTS:
        errors.append(
            f"must not end with '{parts[-1]}': {sorted(RESERVED_LAST_SEGMENTS)} are reserved"
        )
    if len(raw) > MAX_ID_LENGTH:
        errors.append(f"must have at most {MAX_ID_LENGTH} characters (got {len(raw)})")
    return errors


def is_valid_segment(segment: str) -> bool:
    return bool(_SEGMENT.fullmatch(segment))


def segments(path: str) -> tuple[str, ...]:
    return tuple(p for p in path.split("/") if p)


def parent_of(path: str) -> str:
    """The group that holds `path`; the root is its own parent."""
    parts = segments(path)
    return "/" + "/".join(parts[:-1])


def ancestors(path: str) -> list[str]:
    """Every group above `path`, from the root down, excluding `path` itself."""
    parts = segments(path)
    return ["/" + "/".join(parts[:i]) for i in range(len(parts))]


def is_descendant(path: str, group: str) -> bool:
    """True when `path` lies strictly inside `group`."""
    inner, outer = segments(path), segments(group)
    return len(inner) > len(outer) and inner[: len(outer)] == outer


def task_id_for(app_id: str, instance_uuid: uuid.UUID | None = None) -> str:
    """A new task id for `app_id`: `/prod/web` -> `prod_web.instance-<uuid4>._app.1`."""
    return f"{instance_id_for(app_id, instance_uuid)}._app.1"


def instance_id_for(app_id: str, instance_uuid: uuid.UUID | None = None) -> str:
    return f"{'_'.join(segments(app_id))}.instance-{instance_uuid or uuid.uuid4()}"


def instance_id_of(task_id: str) -> str:
    """`prod_web.instance-<uuid>._app.1` -> `prod_web.instance-<uuid>`; legacy ids are their own."""
    match = _TASK_ID.match(task_id)
    if match is None:
        return task_id
    return f"{match['app']}.{match['kind']}{match['uuid']}"


def app_id_of_task(task_id: str) -> str:
    """The app id a task id was derived from (segments cannot hold `_`, so this is exact).

    Raises InvalidPathId when `task_id` is not an app task id.
    """
    match = _TASK_ID.match(task_id) or _LEGACY_TASK_ID.match(task_id)
    if match is None:
        raise InvalidPathId(f"{task_id!r} is not an app task id")
    return "/" + match["app"].replace("_", "/")


def hostname_of(app_id: str) -> str:
    """A DNS-style name for an app: `/prod/web` -> `web.prod` (task and discovery name)."""
    return ".".join(reversed(segments(app_id)))
