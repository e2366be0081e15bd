"""Hypothesis strategies for bad writes: every write route of the API, with input it must refuse.

The classes are those of issue 13: NaN, Infinity and numbers past the float range, nesting
deeper than any client needs, invalid UTF-8, strings and labels past their limits, bodies
that are not JSON or not sent as JSON, instances past int32, scaleBy past its bound, and ids
that climb above the root or break the id rules. A refused request must get a 4xx and
change nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from hypothesis import strategies as st

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
JSON_TYPE = "application/json"

# Write routes that take no input at all (no URL argument, no body): there is nothing bad
# to send them. Any other write route is fuzzed; a new one lands in the fuzz by itself.
COMMANDS_WITHOUT_INPUT = frozenset({
    ("DELETE", "/v2/leader"),  # abdication: the scheduler exits
    ("DELETE", "/v2/groups"),  # delete every app
    ("DELETE", "/scheduler/task/all"),  # Chronos 2.x: withdraw every run not started yet
})

APP = {"id": "/fuzz", "cmd": "sleep 9", "cpus": 0.1, "mem": 16, "instances": 0}
GROUP = {"id": "/fuzzgroup", "apps": [{"id": "a", "cmd": "sleep 1", "instances": 0}]}
JOB = {"name": "fuzz", "command": "true", "schedule": "R/2030-01-01T00:00:00Z/PT1H",
       "owner": "a@example.com"}
DOCS = (APP, GROUP, JOB)
# Fine bodies whose ids resolve against the URL's (bad) id.
RELATIVE_DOCS = ({**APP, "id": "fuzz"}, {**GROUP, "id": "fuzzgroup"}, JOB)
BAD_IDS = ("..", "../../x", "a/../../..", "UPPER", "a b", "x" * 800, "%ff", "-lead", "a..b")


@dataclass(frozen=True)
class BadRequest:
    method: str
    path: str
    body: bytes
    content_type: str

    def __repr__(self) -> str:
        return f"{self.method} {self.path} {self.content_type} {self.body[:120]!r}"


def write_routes(app: Flask) -> list[tuple[str, str, tuple[str, ...]]]:
    """(method, rule, argument names) of every write route of `app`, from its URL map."""
    routes = []
    for rule in app.url_map.iter_rules():
        for method in sorted((rule.methods or set()) & WRITES):
            if (method, rule.rule) not in COMMANDS_WITHOUT_INPUT:
                routes.append((method, rule.rule, tuple(rule.arguments)))
    return routes


def _with(doc: dict[str, Any], field: str, raw: str) -> bytes:
    """`doc` as JSON with `field` set to the raw JSON text `raw` (which may not be JSON)."""
    marker = "\u0000MARK\u0000"
    return json.dumps({**doc, field: marker}).replace(json.dumps(marker), raw).encode()


def _non_finite() -> st.SearchStrategy[bytes]:
    fields = st.sampled_from(["cpus", "mem", "disk", "backoffFactor", "instances", "scaleBy",
                              "retries", "epsilon"])
    tokens = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e999"])
    return st.builds(_with, st.sampled_from(DOCS), fields, tokens)


def _deep() -> st.SearchStrategy[bytes]:
    depth = st.sampled_from([65, 200, 10_000, 50_000])
    bare = depth.map(lambda n: ("[" * n + "]" * n).encode())
    nested = st.builds(lambda doc, n: _with(doc, "labels", '{"a":' * n + "1" + "}" * n),
                       st.sampled_from(DOCS), depth)
    return st.one_of(bare, nested)


def _bad_utf8() -> st.SearchStrategy[bytes]:
    junk = st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"])
    return st.builds(lambda doc, j: json.dumps(doc).encode().replace(b'"sleep', b'"' + j)
                     .replace(b'"true"', b'"' + j + b'"'), st.sampled_from(DOCS), junk)


def _too_long() -> st.SearchStrategy[bytes]:
    long_cmd = st.builds(lambda doc: _with(doc, "cmd", json.dumps("x" * 70_000)),
                         st.sampled_from([APP]))
    long_command = st.just(_with(JOB, "command", json.dumps("x" * 70_000)))
    long_label = st.builds(lambda doc: _with(doc, "labels", json.dumps({"k": "v" * 5000})),
                           st.sampled_from(DOCS))
    return st.one_of(long_cmd, long_command, long_label)


def _not_json() -> st.SearchStrategy[bytes]:
    truncated = st.sampled_from(DOCS).map(lambda doc: json.dumps(doc).encode()[:-3])
    return st.one_of(truncated, st.text(max_size=50).filter(_is_not_json).map(str.encode))


def _is_not_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return True
    return False


def _semantic() -> st.SearchStrategy[bytes]:
    """Well-formed JSON that every route taking it must refuse, read as an app, a group or
    a job (an app's body is also a group's, whose other fields are ignored)."""
    def instances(count: int) -> bytes:
        app = {**APP, "instances": count}
        return json.dumps({**app, "apps": [{**app, "id": "a"}]}).encode()

    def bad_id(doc: dict[str, Any], raw: str) -> bytes:
        return _with(doc, "id", json.dumps("/" + raw))

    return st.one_of(
        st.sampled_from([2**31, 2**63, -1]).map(instances),
        st.builds(bad_id, st.sampled_from([APP, GROUP]), st.sampled_from(BAD_IDS)),
    )


def bad_bodies() -> st.SearchStrategy[bytes]:
    return st.one_of(_non_finite(), _deep(), _bad_utf8(), _too_long(), _not_json(),
                     _semantic())


def _fill(rule: str, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values[m.group(1)], rule)


def bad_requests(app: Flask) -> st.SearchStrategy[BadRequest]:
    """A write route of `app` with bad input: bad URL ids, or a bad body."""
    routes = write_routes(app)

    def build(route: tuple[str, str, tuple[str, ...]], draw: Callable[..., Any]) -> BadRequest:
        method, rule, arguments = route
        ids = {name: draw(st.sampled_from(BAD_IDS)) for name in arguments}
        if arguments and draw(st.booleans()):
            body = json.dumps(draw(st.sampled_from(RELATIVE_DOCS))).encode()  # fine, bad ids
        else:
            body = draw(bad_bodies())
        content_type = draw(st.sampled_from([JSON_TYPE] * 4 + ["text/plain"]))
        return BadRequest(method, _fill(rule, ids), body, content_type)

    @st.composite
    def requests(draw: Callable[..., Any]) -> BadRequest:
        return build(draw(st.sampled_from(routes)), draw)

    return requests()
