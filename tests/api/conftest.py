from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from api.app import create_app
from scheduler.base.clock import ManualClock
from scheduler.base.config import Config
from scheduler.process.runtime import Runtime
from scheduler.store.db import sqlite_url


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    config = Config(master="127.0.0.1:5050", db_url=sqlite_url(tmp_path), data_dir=tmp_path,
                    hostname="dromos.test", port=8080)
    rt = Runtime(config, ManualClock())
    rt.restore()
    yield rt
    rt.close()


@pytest.fixture
def client(runtime: Runtime) -> FlaskClient:
    return create_app(runtime).test_client()
