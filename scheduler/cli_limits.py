"""The scheduler's input-limit and timeout flags; each lands in the Config field of its name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from scheduler.config import Config

_DEFAULTS = Config(master="", db_url="", data_dir=None)  # type: ignore[arg-type]

# (flag, Config field, type, help)
_LIMITS: tuple[tuple[str, str, type, str], ...] = (
    ("--max-body-bytes", "max_body_bytes", int, "request bodies past this are refused (413)"),
    ("--max-json-depth", "max_json_depth", int, "deepest nesting of a JSON body"),
    ("--max-string-length", "max_string_length", int, "longest string in a JSON body"),
    ("--max-label-length", "max_label_length", int, "longest label key or value"),
    ("--max-instances-per-app", "max_instances_per_app", int, "most instances of one app"),
    ("--max-instances-total", "max_instances_total", int, "most instances of all apps"),
    ("--store-busy-timeout", "store_busy_timeout_s", float,
     "seconds a write waits for a locked SQLite database before answering 503"),
    ("--request-timeout", "request_timeout_s", float,
     "seconds a request waits for the scheduler's owner thread before answering 503"),
)


def limit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add every limit flag to `command`, passed as a keyword named like the Config field."""
    for flag, name, kind, text in reversed(_LIMITS):
        command = click.option(flag, name, type=kind, default=getattr(_DEFAULTS, name),
                               show_default=True, help=text)(command)
    return command
