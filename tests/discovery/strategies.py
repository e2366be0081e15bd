"""Hypothesis strategies: /v2 AppInfo JSON with tasks, and changes to a set of apps."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

Json = dict[str, Any]

APP_IDS = ("/web", "/prod/web", "/web/prod", "/db", "/a.b/c")  # some share a DNS label
HOSTS = ("127.0.0.1", "localhost", "nowhere.invalid")


@st.composite
def tasks(draw: st.DrawFn, app_id: str) -> Json:
    index = draw(st.integers(0, 5))
    body: Json = {
        "id": f"{app_id.strip('/').replace('/', '_')}.instance-{index}._app.1",
        "host": draw(st.sampled_from(HOSTS)),
        "ports": [31000 + index, 32000 + index][:draw(st.integers(0, 2))],
        "state": draw(st.sampled_from(("TASK_RUNNING", "TASK_RUNNING", "TASK_STAGING",
                                       "TASK_KILLING"))),
    }
    alive = draw(st.sampled_from((True, False, None)))
    if alive is not None:
        body["healthCheckResults"] = [{"alive": alive}]
    return body


@st.composite
def apps(draw: st.DrawFn, app_id: str) -> Json:
    checked = draw(st.booleans())
    labels = draw(st.dictionaries(
        st.sampled_from(("team", "HAPROXY_0_VHOST", "HAPROXY_0_BALANCE", "tag")),
        st.sampled_from(("", "web.example.com", "leastconn", "x")), max_size=2))
    by_id = {t["id"]: t for t in draw(st.lists(tasks(app_id), max_size=4))}
    ready = draw(st.sets(st.sampled_from(sorted(by_id) or ["none"])))
    body: Json = {
        "id": app_id, "labels": labels,
        "portDefinitions": [{"port": p, "protocol": "tcp", "name": f"p{i}"} for i, p in
                            enumerate(draw(st.sampled_from(([10000], [10001, 10002], [0]))))],
        "healthChecks": [{"protocol": "HTTP", "portIndex": 0}] if checked else [],
        "tasks": list(by_id.values()),
    }
    if draw(st.booleans()):
        body["readinessCheckResults"] = [{"taskId": t, "ready": t in ready} for t in by_id]
    return body


# One change: an app's new JSON, or its deletion (None).
changes = st.lists(st.sampled_from(APP_IDS).flatmap(
    lambda app_id: st.tuples(st.just(app_id), st.none() | apps(app_id))), max_size=12)
