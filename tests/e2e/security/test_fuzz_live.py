"""Generated bad writes against a live `dromos scheduler`: no 5xx, no answer slower than 5 s,
no change. DROMOS_FUZZ_REQUESTS sets how many (1,000 here; the issue's run is 10,000)."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url
from tests.api.test_fuzz_writes import seed, state
from tests.support.bad_requests import BadRequest, bad_requests
from tests.support.scheduler_process import running_scheduler

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

REQUESTS = int(os.environ.get("DROMOS_FUZZ_REQUESTS", "1000"))
HANG_S = 5.0
_SENT = itertools.count(1)


def _routes_app(data_dir: Path) -> object:
    """The Flask app whose URL map the strategy reads: the same code the server runs."""
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(data_dir), data_dir=data_dir)
    rt = Runtime(config, ManualClock())
    return create_app(rt), rt


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object, list[object]]]:
    data_dir = tmp_path_factory.mktemp("fuzz-live")
    app, rt = _routes_app(tmp_path_factory.mktemp("routes"))
    with running_scheduler(data_dir) as url, requests.Session() as session:
        def post(path: str, body: object) -> int:
            return session.post(url + path, json=body, timeout=HANG_S).status_code

        seed(post)
        before = state(lambda path: session.get(url + path, timeout=HANG_S).content)
        yield url, app, before
    rt.close()  # type: ignore[attr-defined]


@settings(max_examples=REQUESTS, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_generated_bad_writes_on_a_live_server(live: tuple[str, object, list[object]],
                                               data: st.DataObject) -> None:
    url, app, before = live
    request: BadRequest = data.draw(bad_requests(app))  # type: ignore[arg-type]
    # A timeout here is a hang: the request did not get an answer within HANG_S.
    answer = requests.request(request.method, url + request.path, data=request.body,
                              headers={"Content-Type": request.content_type},
                              timeout=HANG_S)
    assert answer.status_code < 500, (request, answer.status_code, answer.text[:300])
    if next(_SENT) % 50 == 0:  # the state is read back now and then, and at the end
        assert state(lambda path: requests.get(url + path, timeout=HANG_S).content) == before


def test_nothing_changed_after_the_run(live: tuple[str, object, list[object]]) -> None:
    url, _, before = live
    assert state(lambda path: requests.get(url + path, timeout=HANG_S).content) == before
    assert requests.get(url + "/ping", timeout=HANG_S).text.strip() == "pong"
