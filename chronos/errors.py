"""The one error of the job domain: a Chronos job or request is invalid (Chronos answers 400).

chronos/ imports nothing of the project, so its error lives here; api/errors.py maps it.
"""

from __future__ import annotations


class InvalidJob(ValueError):
    """A Chronos job or request is invalid, or names an unknown job: Chronos answers 400."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
