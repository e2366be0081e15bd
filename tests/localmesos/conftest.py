"""Fixtures: a localmesos per test and a subscribed raw v1 scheduler client."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.localmesos.v1client import V1Scheduler
from tests.support.localmesos import LocalMesos, localmesos

__all__ = ["localmesos"]

FAKE_EXECUTOR = Path(__file__).with_name("fake_executor.py")


@pytest.fixture
def scheduler(localmesos: LocalMesos) -> Iterator[V1Scheduler]:
    """A framework subscribed over raw HTTP, with a one-hour failover timeout."""
    client = V1Scheduler(localmesos.url)
    assert client.subscribe(failover_timeout=3600)["type"] == "SUBSCRIBED"
    yield client
    client.disconnect()


def fake_executor(executor_id: str = "fake") -> dict[str, Any]:
    """An ExecutorInfo running tests/localmesos/fake_executor.py as a custom executor."""
    return {
        "executor_id": {"value": executor_id},
        "command": {"value": f"{sys.executable} {FAKE_EXECUTOR}"},
        "resources": [{"name": "mem", "type": "SCALAR", "scalar": {"value": 32}}],
    }
