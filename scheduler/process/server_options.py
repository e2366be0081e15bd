"""More `dromos scheduler` flags: limits, timeouts, task users (named like Config fields)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from scheduler.base.config import Config

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


def _comma_list(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in value.split(",") if name.strip())


def limit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add every limit flag to `command`, passed as a keyword named like the Config field."""
    for flag, name, kind, text in reversed(_LIMITS):
        command = click.option(flag, name, type=kind, default=getattr(_DEFAULTS, name),
                               show_default=True, help=text)(command)
    command = click.option(
        "--default-user", default=None,
        help="user of tasks whose app or job names none (default: the scheduler's user)",
    )(command)
    command = click.option(
        "--http-credentials", envvar="DROMOS_HTTP_CREDENTIALS", default="", callback=_comma_list,
        help="comma-separated user:password operators (better: DROMOS_HTTP_CREDENTIALS or "
             "--credentials-file); any credentials turn auth on",
    )(command)
    command = click.option(
        "--credentials-file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None, help="lines of name:role:hash (see `dromos hash-secret`); turns auth on",
    )(command)
    for flag, text in (("--tls-cert", "PEM certificate (chain) of the API: serve HTTPS"),
                       ("--tls-key", "PEM private key of --tls-cert"),
                       ("--tls-ca", "PEM certificate authorities a standby trusts for the "
                                    "leader's certificate (default: the system's)")):
        command = click.option(flag, type=click.Path(exists=True, dir_okay=False,
                                                     path_type=Path), help=text)(command)
    command = click.option("--open-metrics", is_flag=True,
                           help="serve /metrics without credentials when auth is on")(command)
    return click.option(
        "--allowed-users", default="", callback=_comma_list,
        help="comma-separated users an app or job may name; without it any user but root",
    )(command)
