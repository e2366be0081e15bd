"""Every error a user can cause, in one place; api/errors.py maps them to HTTP answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class DromosError(Exception):
    """Base of the errors a user can cause."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Violation:
    """One invalid path and what is wrong with it (`path` like "/cpus" or "/apps(0)/id")."""

    path: str
    errors: tuple[str, ...]


class ValidationFailed(DromosError, ValueError):
    """An app or group definition is invalid: Marathon answers 422 with `details`."""

    def __init__(
        self, violations: Sequence[Violation], message: str = "Object is not valid"
    ) -> None:
        super().__init__(message)
        self.violations = tuple(violations)


class MalformedRequest(DromosError, ValueError):
    """The request is not acceptable as given (bad JSON, bad parameters): 400."""

    def __init__(self, message: str, details: object = None) -> None:
        super().__init__(message)
        self.details = details


class NotFound(DromosError, LookupError):
    """An unknown app, group, task, version, deployment or queue entry: Marathon 404."""


class AlreadyExists(DromosError):
    """Creating something that exists: Marathon 409."""


class Locked(DromosError):
    """Run specs are held by running deployments and `force` was not given: Marathon 409."""

    def __init__(self, message: str, deployment_ids: Sequence[str]) -> None:
        super().__init__(message)
        self.deployment_ids = tuple(deployment_ids)

