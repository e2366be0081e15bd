"""Which changes restart tasks, and how `version` / `versionInfo` move (reference §2.8, §2.9)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from scheduler.apps.model import AppDefinition, VersionInfo, timestamp


def is_scale_only_change(old: AppDefinition, new: AppDefinition) -> bool:
    """True when `new` differs from `old` at most in `instances` (and version metadata).

    Such a change scales the app (ScaleApplication); any other difference, labels
    included, replaces its tasks (RestartApplication).
    """
    return (
        replace(new, instances=old.instances, version=old.version, version_info=old.version_info)
        == old
    )


def apply_version_info(old: AppDefinition | None, new: AppDefinition, now: float) -> AppDefinition:
    """`new` stamped as the successor of `old` at `now` (epoch seconds).

    A create or config change sets version, lastScalingAt and lastConfigChangeAt to now;
    a scale-only change keeps lastConfigChangeAt (launch backoff is keyed on it).
    """
    stamp = timestamp(now)
    if old is None or old.version_info is None or not is_scale_only_change(old, new):
        info = VersionInfo(last_scaling_at=stamp, last_config_change_at=stamp)
    else:
        info = VersionInfo(stamp, old.version_info.last_config_change_at)
    return replace(new, version=stamp, version_info=info)


def restarted(app: AppDefinition, now: float) -> AppDefinition:
    """`app` after POST /v2/apps/{id}/restart: new version and config change time."""
    stamp = timestamp(now)
    scaled_at = app.version_info.last_scaling_at if app.version_info else stamp
    return replace(app, version=stamp, version_info=VersionInfo(scaled_at, stamp))


def stamped_version(
    original: Mapping[str, AppDefinition | None], target: Mapping[str, AppDefinition | None]
) -> str | None:
    """The newest version a write gave its apps, which its deployment plan takes (Marathon
    uses one timestamp for both); None when no app got a new version (a delete)."""
    stamped = [
        app.version for app_id, app in target.items()
        if app is not None and app.version
        and app.version != getattr(original.get(app_id), "version", None)
    ]
    return max(stamped, default=None)


def config_version(app: AppDefinition) -> str:
    """The version of the app's last configuration change: what its tasks are launched from
    (a scaling makes a new version but not a new configuration)."""
    return app.version_info.last_config_change_at if app.version_info else (app.version or "")
