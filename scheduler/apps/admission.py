"""What every app write must pass before anything is stored: instance bounds and task users."""

from __future__ import annotations

from collections.abc import Mapping

from scheduler.apps.instance_limits import check_instances
from scheduler.apps.model import AppDefinition
from scheduler.base.config import Config
from scheduler.base.errors import ValidationFailed, Violation
from scheduler.base.task_users import unreadable_local_uri


def admit(
    target: Mapping[str, AppDefinition | None], current: Mapping[str, AppDefinition],
    config: Config,
) -> None:
    """Raise ValidationFailed (422) when `target` may not replace the apps in `current`."""
    check_instances(target, current, config.max_instances_per_app, config.max_instances_total)
    policy = config.task_users()
    violations = []
    for app_id, app in sorted(target.items()):
        if app is None:
            continue
        prefix = f"/{app_id}" if len(target) > 1 else ""
        if (reason := policy.refusal(app.user)) is not None:
            violations.append(Violation(f"{prefix}/user", (reason,)))
        user = policy.user_for(app.user)
        unreadable = [m for f in app.fetch if (m := unreadable_local_uri(f.uri, user))]
        if unreadable:
            violations.append(Violation(f"{prefix}/fetch", tuple(unreadable)))
    if violations:
        raise ValidationFailed(violations)
