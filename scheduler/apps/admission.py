"""What every app write must pass before anything is stored: instance bounds, task users and
volumes Dromos can give a task.

Each instance becomes a task request the owner thread queues, so an unbounded count from one
request (instances 2^31, scaleBy 1e9) would stall the scheduler: the scheduler's flags bound
instances per app and in total, refused before anything is stored or queued.

Volumes are refused here rather than in `validation` so an app an earlier Dromos stored with
one still loads at a restart (and can be deleted); writing it again is refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

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
        violations.extend(_volume_refusals(app, prefix))
    if violations:
        raise ValidationFailed(violations)


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


# Volumes Dromos cannot give a task yet: refused rather than stored and never run.
_UNSUPPORTED_VOLUMES = {
    "persistent": "persistent volumes are not supported: Dromos reserves no disk for them",
    "external": "external volumes are not supported: Dromos has no volume driver",
    "secret": "secret volumes are not supported: Dromos has no secret store",
}


def _volume_refusals(app: AppDefinition, prefix: str) -> Iterator[Violation]:
    """Host-path volumes only, each with a container path and a mode of RO or RW."""
    volumes = app.container.volumes if app.container is not None else ()
    for index, volume in enumerate(volumes):
        path = f"{prefix}/container/volumes({index})"
        for key, message in _UNSUPPORTED_VOLUMES.items():
            if volume.get(key) is not None:
                yield Violation(f"{path}/{key}", (message,))
        if not volume.get("containerPath"):
            yield Violation(f"{path}/containerPath", ("must not be empty",))
        if volume.get("mode", "RW") not in ("RO", "RW"):
            yield Violation(f"{path}/mode", ("must be RO or RW",))
