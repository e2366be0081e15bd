"""Names as Mesos-DNS and HAProxy want them: cleaned labels, flattened app ids.

Mesos-DNS takes a Marathon task's name from its DiscoveryInfo, which Marathon sets to
the app id's segments reversed and joined with dots (`/prod/web` -> `web.prod`); its
RFC 1123 label rule then lower-cases it, turns `.`, `_` and `-` into `-`, drops every
other character, trims dashes and cuts at 63 characters (`web-prod`).
"""

from __future__ import annotations

import re

MAX_LABEL = 63
_SEPARATORS = re.compile(r"[._-]")
_NOT_LABEL_CHAR = re.compile(r"[^a-z0-9-]")
_NOT_HAPROXY_CHAR = re.compile(r"[^A-Za-z0-9_]")


def dns_label(name: str) -> str:
    """One DNS label by Mesos-DNS's RFC 1123 rule ('' when nothing is left)."""
    cleaned = _NOT_LABEL_CHAR.sub("", _SEPARATORS.sub("-", name.lower()))
    return cleaned[:MAX_LABEL].strip("-")


def domain(name: str) -> str:
    """A dotted name (a framework like `marathon.prod`) cleaned label by label."""
    return ".".join(label for label in (dns_label(p) for p in name.split(".")) if label)


def task_name(app_id: str) -> str:
    """The DiscoveryInfo name Marathon gives an app's tasks: `/prod/web` -> `web.prod`."""
    return ".".join(reversed([s for s in app_id.split("/") if s]))


def app_label(app_id: str) -> str:
    """The one DNS label for an app's tasks: `/prod/web` -> `web-prod`."""
    return dns_label(task_name(app_id))


def haproxy_name(app_id: str, port: int) -> str:
    """A frontend/backend name: marathon-lb's `<app id with _>_<service port>`."""
    return _NOT_HAPROXY_CHAR.sub("_", app_id.strip("/")) + f"_{port}"
