"""Marathon's label selector for `GET /v2/apps?label=...` (comma means AND)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from scheduler.base.errors import MalformedRequest

Matcher = Callable[[Mapping[str, str]], bool]

_TERM = re.compile(
    r"""\s*(?P<key>(?:\\.|[-A-Za-z0-9_.])+)\s*
        (?:(?P<op>==|!=)\s*(?P<value>(?:\\.|[-A-Za-z0-9_.])*)
          |\s(?P<setop>in|notin)\s*\((?P<set>[^)]*)\))?\s*(?:,|$)""",
    re.VERBOSE,
)


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_selector(selector: str) -> Matcher:
    """A predicate over an app's labels; MalformedRequest when the selector is not valid."""
    terms: list[Matcher] = []
    pos = 0
    while pos < len(selector):
        match = _TERM.match(selector, pos)
        if match is None or match.end() == pos:
            raise MalformedRequest(f"Invalid label selector: {selector}")
        terms.append(_term(match))
        pos = match.end()
    return lambda labels: all(term(labels) for term in terms)


def _term(match: re.Match[str]) -> Matcher:
    key = _unescape(match["key"])
    if match["op"]:
        value = _unescape(match["value"])
        if match["op"] == "==":
            return lambda labels: labels.get(key) == value
        return lambda labels: labels.get(key) != value
    if match["setop"]:
        values = {_unescape(v.strip()) for v in match["set"].split(",") if v.strip()}
        if match["setop"] == "in":
            return lambda labels: labels.get(key) in values
        return lambda labels: labels.get(key) not in values
    return lambda labels: key in labels
