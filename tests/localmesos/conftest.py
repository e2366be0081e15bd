"""Fixtures: a localmesos per test (or per module) and raw v1 scheduler clients."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.localmesos.clients.command_tasks import KILLING
from tests.localmesos.clients.v1client import V1Scheduler
from tests.support.localmesos import LocalMesos, localmesos, running_localmesos

__all__ = ["localmesos"]


@pytest.fixture(scope="module")
def module_localmesos(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalMesos]:
    """One localmesos for a module whose tests clean their frameworks up (`connect`)."""
    data_dir = tmp_path_factory.mktemp("localmesos")
    with running_localmesos(data_dir, "--heartbeat-seconds", "1") as mesos:
        yield mesos


@pytest.fixture
def connect(localmesos: LocalMesos) -> Iterator[Callable[..., V1Scheduler]]:
    """Subscribe frameworks over raw HTTP; each is torn down when the test ends."""
    clients: list[V1Scheduler] = []

    def subscribe(**info: Any) -> V1Scheduler:
        client = V1Scheduler(localmesos.url)
        clients.append(client)
        assert client.subscribe(**info)["type"] == "SUBSCRIBED"
        return client

    yield subscribe
    for client in clients:
        with contextlib.suppress(requests.RequestException):
            client.call("TEARDOWN")
        client.disconnect()


@pytest.fixture
def killing_scheduler(connect: Callable[..., V1Scheduler]) -> V1Scheduler:
    """A framework that takes TASK_KILLING."""
    return connect(failover_timeout=3600, capabilities=KILLING)


@pytest.fixture
def scheduler(connect: Callable[..., V1Scheduler]) -> V1Scheduler:
    """A framework subscribed over raw HTTP, with a one-hour failover timeout."""
    return connect(failover_timeout=3600)
