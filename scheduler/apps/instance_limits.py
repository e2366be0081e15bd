"""How many instances a write may ask for: per app and in total, from the scheduler's flags.

Each instance becomes a task request the owner thread queues, so an unbounded count from one
request (instances 2^31, scaleBy 1e9) would stall the scheduler; it is refused before anything
is stored or queued.
"""

from __future__ import annotations

from collections.abc import Mapping

from scheduler.apps.model import AppDefinition
from scheduler.base.errors import ValidationFailed, Violation

INT32_MAX = 2**31 - 1


def check_instances(
    target: Mapping[str, AppDefinition | None],
    current: Mapping[str, AppDefinition],
    per_app: int,
    total: int,
) -> None:
    """Raise ValidationFailed when an app of `target` or the sum over all apps is too large."""
    violations = [
        Violation(f"/{app_id}/instances" if len(target) > 1 else "/instances",
                  (f"got {app.instances}, expected at most {per_app} (--max-instances-per-app)",))
        for app_id, app in sorted(target.items())
        if app is not None and app.instances > per_app
    ]
    if violations:
        raise ValidationFailed(violations)
    unchanged = sum(app.instances for app_id, app in current.items() if app_id not in target)
    wanted = unchanged + sum(app.instances for app in target.values() if app is not None)
    if wanted > total and wanted > sum(app.instances for app in current.values()):
        raise ValidationFailed([Violation("/instances", (
            f"all apps together would have {wanted} instances, at most {total} are allowed "
            "(--max-instances-total)",
        ))])
