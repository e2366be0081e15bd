"""One real `dromos dev` per test module, and a Marathon client for it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.dev import Dev, running_dev
from tests.support.marathon_client import MarathonClient


@pytest.fixture(scope="module")
def dev(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dev]:
    with running_dev(tmp_path_factory.mktemp("dev")) as running:
        yield running


@pytest.fixture(scope="module")
def client(dev: Dev) -> MarathonClient:
    return MarathonClient(dev.url)
